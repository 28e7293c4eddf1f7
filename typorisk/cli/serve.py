"""``typorisk serve``: publish feed outputs over HTTP(S) for firewalls to pull (runs until
SIGTERM/SIGINT).

Each feed's output files are at ``http://HOST:PORT/<feed>/<output file name>`` (see
:mod:`typorisk.serve.app` for the URL space, caching and the no-traversal rule). The definitions
are read once at start-up; the files are read at each request, so a ``typorisk run`` (cron, a
systemd timer) that replaces them is picked up at once, atomically.

Connections are guarded as nginx guards them (:mod:`typorisk.serve.guard`): a request head
must arrive within ``--header-timeout`` seconds, an idle kept-alive connection is closed after
``--keepalive-timeout`` seconds, a client that stops reading a file after ``--send-timeout``
seconds, and at most ``--max-connections`` are open (by default derived
from the open-file limit); over it, the connection waiting longest is closed, never one being
answered.

Exit codes: 0 stopped by a signal; 2 usage or configuration error (an invalid definition, a
token or TLS file that cannot be used, one that is not a regular file, an address that cannot
be bound).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import ssl
import stat
import sys
from pathlib import Path

from typorisk.cli.common import listen_address
from typorisk.errors import ServeConfigError
from typorisk.feeds.spec import load_feed
from typorisk.serve import ConnectionLimits, ServeConfig, serve_until
from typorisk.serve.guard import default_max_connections, open_file_limit

NAME = "serve"
HELP = "publish feed outputs over HTTP(S) for firewalls to pull (EDL, threat feeds), with ETags"
MAX_TOKEN_BYTES = 4096


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk serve``."""
    parser.add_argument(
        "feeds", nargs="+", metavar="FEED.yaml", help="feed definitions whose outputs to publish"
    )
    parser.add_argument(
        "--listen",
        default="127.0.0.1:8080",
        metavar="HOST:PORT",
        help="address to listen on; 0.0.0.0:8443 for every interface (default: %(default)s)",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="require 'Authorization: Bearer <token>' on every path but /healthz; the token is "
        "the file's first line (default: no token)",
    )
    parser.add_argument(
        "--tls-cert",
        type=Path,
        metavar="PEM",
        help="serve HTTPS with this certificate chain (needs --tls-key; default: plain HTTP)",
    )
    parser.add_argument(
        "--tls-key", type=Path, metavar="PEM", help="the private key of --tls-cert (default: none)"
    )
    defaults = ConnectionLimits()
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=defaults.header_timeout,
        metavar="SECONDS",
        help="close a connection whose request head is not complete this long after it opened "
        "(or after its first byte, on a kept-alive connection), like nginx's "
        "client_header_timeout (default: %(default)s)",
    )
    parser.add_argument(
        "--keepalive-timeout",
        type=float,
        default=defaults.keepalive_timeout,
        metavar="SECONDS",
        help="close a kept-alive connection idle this long after its last response "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--send-timeout",
        type=float,
        default=defaults.send_timeout,
        metavar="SECONDS",
        help="close a connection whose client takes no 256 KiB piece of a file for this long, "
        "like nginx's send_timeout (default: %(default)s)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=0,
        metavar="N",
        help="open connections at most; over it the connection waiting longest (reading a head "
        "or idle, never one being answered) is closed. 0: the open-file limit less an eighth "
        f"(at least 64 less), at most 4096; {default_max_connections()} here (default: 0)",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="INFO logs one access line a request on stderr (default: %(default)s)",
    )


def regular_file(path: Path, flag: str) -> int:
    """A descriptor of ``path`` open for reading, which must be a regular file. Opened without
    blocking (a FIFO with no writer would hang the start), then checked. Raises
    :class:`ServeConfigError` naming ``flag`` otherwise."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ServeConfigError(f"{flag} {path}: cannot read it: {exc.strerror or exc}") from exc
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = (
            "a directory"
            if stat.S_ISDIR(mode)
            else "a FIFO"
            if stat.S_ISFIFO(mode)
            else "a device"
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket"
            if stat.S_ISSOCK(mode)
            else "not a regular file"
        )
        raise ServeConfigError(f"{flag} {path}: it is {kind}; give a regular file")
    return fd


def read_token(path: Path) -> str:
    """The bearer token in ``path``: its first line, stripped. Raises
    :class:`ServeConfigError` for a missing, empty, oversized or not regular file."""
    with os.fdopen(regular_file(path, "--token-file"), "rb") as handle:
        data = handle.read(MAX_TOKEN_BYTES + 1)
    if len(data) > MAX_TOKEN_BYTES:
        data = b""  # oversized: refused below, with how to make a token
    lines = data.decode("utf-8", "replace").splitlines()
    token = lines[0].strip() if lines else ""
    if not token or not token.isprintable() or " " in token:
        raise ServeConfigError(
            f"--token-file {path}: the first line must be the token, one word of printable "
            f"characters (at most {MAX_TOKEN_BYTES} bytes); e.g. "
            f"'python3 -c \"import secrets; print(secrets.token_urlsafe(32))\" > {path}'"
        )
    return token


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """The server TLS context for ``cert``/``key`` (``None``: plain HTTP)."""
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ServeConfigError("give both --tls-cert and --tls-key, or neither")
    for path, flag in ((cert, "--tls-cert"), (key, "--tls-key")):
        os.close(regular_file(path, flag))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ServeConfigError(
            f"--tls-cert {cert} / --tls-key {key}: cannot load them ({exc}); give a PEM "
            "certificate chain and its unencrypted PEM key"
        ) from exc
    return context


async def serve(
    config: ServeConfig, limits: ConnectionLimits, host: str, port: int, tls: ssl.SSLContext | None
) -> None:
    """Serve until SIGTERM or SIGINT, then finish the requests in progress."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    guard = await serve_until(config, limits, host=host, port=port, tls=tls, stop=stop)
    closed = ", ".join(f"{n} {cause}" for cause, n in guard.closed.items() if n)
    logging.getLogger("typorisk.serve").info("stopped (connections closed: %s)", closed or "none")


def run(args: argparse.Namespace) -> int:
    """Check every definition and file, then serve; returns 0 after SIGTERM/SIGINT."""
    host, port = listen_address(args.listen)
    specs = [load_feed(Path(text)) for text in args.feeds]
    token = read_token(args.token_file) if args.token_file is not None else None
    config = ServeConfig.of(specs, token)
    tls = tls_context(args.tls_cert, args.tls_key)
    limits = ConnectionLimits(
        header_timeout=args.header_timeout,
        keepalive_timeout=args.keepalive_timeout,
        max_connections=args.max_connections,
        send_timeout=args.send_timeout,
    )
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    for feed in config.feeds.values():
        names = [*feed.files, *feed.directories, "status.json"]
        logging.getLogger("typorisk.serve").info(
            "feed %s: /%s/{%s}", feed.name, feed.name, ",".join(names)
        )
    if limits.cap > default_max_connections():
        logging.getLogger("typorisk.serve").warning(
            "--max-connections %d is above what the open-file limit (%d) leaves room for (%d): "
            "expect 'too many open files' when that many are open",
            limits.cap,
            open_file_limit(),
            default_max_connections(),
        )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(config, limits, host, port, tls))
    return 0
