"""Hostile and honest clients of ``typorisk serve`` on loopback, with plain sockets: silent
connections, slow-header trickles, kept-alive idlers, and the server process's figures read
from ``/proc`` (open descriptors, peak resident memory)."""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import select
import socket
import time
from collections.abc import Iterable
from pathlib import Path

HEAD = b"GET /healthz HTTP/1.1\r\nHost: typorisk\r\nUser-Agent: slowloris\r\n"
"""A request head without its final empty line: a slow client sends it a byte at a time."""


def raise_file_limit(wanted: int) -> None:
    """Raise this process's soft open-file limit to ``wanted`` (at most the hard limit)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


def connect(port: int, count: int, *, timeout: float = 10.0) -> list[socket.socket]:
    """``count`` connections to 127.0.0.1:``port``, non-blocking once connected (the kernel
    completes the handshake even while the server does not accept)."""
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        sock.setblocking(False)
        socks.append(sock)
    return socks


def keep_alive(port: int, count: int) -> list[socket.socket]:
    """``count`` connections that each got one answer (``/healthz``) and stay open, idle."""
    socks = connect(port, count)
    for sock in socks:
        sock.sendall(HEAD + b"\r\n")
    pending = set(socks)
    deadline = time.monotonic() + 30
    while pending and time.monotonic() < deadline:
        ready, _, _ = select.select(list(pending)[:1000], [], [], 1.0)
        for sock in ready:
            if b"ok" in sock.recv(4096):
                pending.discard(sock)
    return socks


def is_closed(sock: socket.socket) -> bool:
    """Whether the server closed ``sock`` (end of stream or reset); reads nothing it sent."""
    try:
        data = sock.recv(65536, socket.MSG_PEEK)
    except BlockingIOError:
        return False
    except OSError as exc:
        return exc.errno in (errno.ECONNRESET, errno.EPIPE, errno.ENOTCONN)
    if data:  # an answer (a 503 over the cap, or 408): drain it and look again
        sock.recv(65536)
        return is_closed(sock)
    return True


def trickle(socks: Iterable[socket.socket], offset: int) -> None:
    """Send byte ``offset`` of :data:`HEAD` (never the end of the head) on each open socket."""
    byte = HEAD[offset % len(HEAD) : offset % len(HEAD) + 1]
    for sock in socks:
        with contextlib.suppress(OSError):  # closed by the server: is_closed() tells
            sock.send(byte)


def still_open(socks: Iterable[socket.socket]) -> int:
    """How many of ``socks`` the server has not closed."""
    return sum(not is_closed(s) for s in socks)


def close_all(socks: Iterable[socket.socket]) -> None:
    for sock in socks:
        sock.close()


def open_descriptors(pid: int) -> int:
    """Descriptors open in process ``pid``."""
    return len(os.listdir(f"/proc/{pid}/fd"))


def peak_rss_mib(pid: int) -> float:
    """Peak resident memory (``VmHWM``) of process ``pid``, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmHWM in /proc/{pid}/status")
