"""Real DNS servers for tests and benchmarks: NSD (authoritative) and Unbound (recursive).

Each server runs in the foreground from a config written into a temporary directory, on 127.0.0.x
high ports, without dropping privileges or chrooting, and is stopped by the context manager: by
the PID it started, with the process group that PID leads (NSD forks its xfrd and server
processes), never by name.
Nothing here reaches the Internet: Unbound's root is a stub pointing at the local NSD.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import dns.message
import dns.query
import dns.rcode


def require(binary: str) -> str:
    """The path of ``binary``; skips the test when missing, fails it when ``CI`` is set."""
    import pytest

    path = shutil.which(binary) or (
        f"/usr/sbin/{binary}" if os.path.exists(f"/usr/sbin/{binary}") else None
    )
    if path is None:
        message = f"{binary} is not installed (apt-get install nsd unbound)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port(host: str = "127.0.0.1") -> int:
    """A port free for both UDP and TCP on ``host`` (racy in theory, fine on a test machine)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((host, 0))
            port = int(udp.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port")


def wait_until_answering(host: str, port: int, qname: str, timeout: float = 10.0) -> None:
    """Poll ``host:port`` with a SOA query for ``qname`` until any reply comes back."""
    deadline = time.monotonic() + timeout
    query = dns.message.make_query(qname, "SOA")
    while time.monotonic() < deadline:
        try:
            dns.query.udp(query, host, port=port, timeout=0.2)
            return
        except (dns.exception.Timeout, OSError):
            time.sleep(0.05)
    raise RuntimeError(f"DNS server {host}:{port} did not start")


def start(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start a server in a new session: its PID leads a process group holding it and every
    process it forks, so :func:`stop` can end them all (stderr is a pipe, stdout discarded)."""
    return subprocess.Popen(
        list(argv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )


def stop(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM the process group led by ``process`` (started by :func:`start`), then SIGKILL
    what is left after ``timeout`` seconds; returns once the leader is reaped and no process
    of the group remains."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None and not _group_alive(process.pid):
                break
            time.sleep(0.02)
        else:
            continue  # still running: SIGKILL
        break
    process.wait()
    if process.stderr is not None:
        process.stderr.close()


def _group_alive(pgid: int) -> bool:
    """True while any process of group ``pgid`` exists (zombies included)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def nsd(
    directory: Path, zones: Mapping[str, str], *, host: str = "127.0.0.1", port: int
) -> Iterator[tuple[str, int]]:
    """Run NSD serving ``zones`` (origin → zone file text) on ``host:port``; yields the address."""
    binary = require("nsd")
    directory.mkdir(parents=True, exist_ok=True)
    zone_blocks = []
    for origin, text in zones.items():
        filename = f"{origin.strip('.') or 'root'}.zone"
        (directory / filename).write_text(text)
        zone_blocks.append(f'zone:\n    name: "{origin}"\n    zonefile: "{filename}"\n')
    conf = directory / "nsd.conf"
    conf.write_text(
        f"""server:
    ip-address: {host}@{port}
    port: {port}
    username: ""
    chroot: ""
    zonesdir: "{directory}"
    pidfile: "{directory}/nsd.pid"
    database: ""
    xfrdfile: "{directory}/xfrd.state"
    zonelistfile: "{directory}/zone.list"
    logfile: "{directory}/nsd.log"
    verbosity: 0
    server-count: 1
    do-ip6: no
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
    refuse-any: no
remote-control:
    control-enable: no
"""
        + "".join(zone_blocks)
    )
    process = start([binary, "-d", "-c", str(conf)])
    try:
        wait_until_answering(host, port, next(iter(zones)))
        yield host, port
    finally:
        stop(process)


@contextlib.contextmanager
def unbound(
    directory: Path,
    stubs: Sequence[tuple[str, str]],
    *,
    port: int,
    probe: str = "test.",
    host: str = "127.0.0.1",
) -> Iterator[tuple[str, int]]:
    """Run Unbound on ``host``:``port`` with ``stubs`` (zone, ``addr@port``), root included."""
    binary = require("unbound")
    directory.mkdir(parents=True, exist_ok=True)
    stub_blocks = "".join(
        f'stub-zone:\n    name: "{zone}"\n    stub-addr: {addr}\n    stub-prime: no\n'
        for zone, addr in stubs
    )
    conf = directory / "unbound.conf"
    conf.write_text(
        f"""server:
    interface: {host}@{port}
    port: {port}
    username: ""
    chroot: ""
    directory: "{directory}"
    pidfile: "{directory}/unbound.pid"
    use-syslog: no
    logfile: "{directory}/unbound.log"
    verbosity: 0
    do-daemonize: no
    do-ip6: no
    num-threads: 1
    do-not-query-localhost: no
    access-control: 127.0.0.0/8 allow
    local-zone: "test." nodefault
    module-config: "iterator"
    qname-minimisation: no
    ratelimit: 0
    ip-ratelimit: 0
    minimal-responses: no
    cache-max-negative-ttl: 60
    edns-buffer-size: 1232
    infra-cache-min-rtt: 50
remote-control:
    control-enable: no
"""
        + stub_blocks
    )
    process = start([binary, "-d", "-c", str(conf)])
    try:
        wait_until_answering(host, port, probe)
        yield host, port
    finally:
        stop(process)


def rcode_of(host: str, port: int, qname: str, qtype: str) -> str:
    """The response code text for one query (for fixture self-checks)."""
    reply = dns.query.udp(dns.message.make_query(qname, qtype), host, port=port, timeout=2)
    return dns.rcode.to_text(reply.rcode())
