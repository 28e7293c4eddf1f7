"""``typorisk serve``: publish feed outputs over HTTP(S) for firewalls to pull (runs until
SIGTERM/SIGINT).

Each feed's output files are at ``http://HOST:PORT/<feed>/<output file name>`` (see
:mod:`typorisk.serve.app` for the URL space, caching and the no-traversal rule). The definitions
are read once at start-up; the files are read at each request, so a ``typorisk run`` (cron, a
systemd timer) that replaces them is picked up at once, atomically.

Exit codes: 0 stopped by a signal; 2 usage or configuration error (an invalid definition, a
token or TLS file that cannot be used, an address that cannot be bound).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import ssl
import sys
from pathlib import Path

from aiohttp import web

from typorisk.cli.common import listen_address
from typorisk.errors import DataFileError, InputLimitError, ServeConfigError, TyporiskError
from typorisk.feeds.spec import load_feed
from typorisk.kit.reading import read_capped
from typorisk.serve import ServeConfig, make_app

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
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="INFO logs one access line a request on stderr (default: %(default)s)",
    )


def read_token(path: Path) -> str:
    """The bearer token in ``path``: its first line, stripped. Raises
    :class:`ServeConfigError` for a missing, empty or oversized file."""
    try:
        data = read_capped(str(path), MAX_TOKEN_BYTES)
    except InputLimitError:
        data = b""  # oversized: refused below, with how to make a token
    except DataFileError as exc:
        raise ServeConfigError(f"--token-file: {exc}") from exc
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


async def serve(app: web.Application, host: str, port: int, tls: ssl.SSLContext | None) -> None:
    """Serve ``app`` until SIGTERM or SIGINT, then finish the requests in progress."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    runner = web.AppRunner(app, access_log=logging.getLogger("typorisk.serve.access"))
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=tls, shutdown_timeout=5.0)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise TyporiskError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger("typorisk.serve").info(
        "serving on %s://%s:%d/", "https" if tls else "http", host, port
    )
    await stop.wait()
    await runner.cleanup()
    logging.getLogger("typorisk.serve").info("stopped")


def run(args: argparse.Namespace) -> int:
    """Check every definition and file, then serve; returns 0 after SIGTERM/SIGINT."""
    host, port = listen_address(args.listen)
    specs = [load_feed(Path(text)) for text in args.feeds]
    token = read_token(args.token_file) if args.token_file is not None else None
    config = ServeConfig.of(specs, token)
    tls = tls_context(args.tls_cert, args.tls_key)
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )
    for feed in config.feeds.values():
        names = [*feed.files, *feed.directories, "status.json"]
        logging.getLogger("typorisk.serve").info(
            "feed %s: /%s/{%s}", feed.name, feed.name, ",".join(names)
        )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(make_app(config), host, port, tls))
    return 0
