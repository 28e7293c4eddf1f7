"""Run the application of :mod:`typorisk.serve.app` behind the guard of
:mod:`typorisk.serve.guard` on one listening socket until told to stop."""

from __future__ import annotations

import asyncio
import logging
import ssl

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from typorisk.errors import TyporiskError
from typorisk.serve.app import ServeConfig, make_app
from typorisk.serve.guard import ConnectionGuard, ConnectionLimits, open_file_limit

log = logging.getLogger("typorisk.serve")

BACKLOG = 1024
"""Connections the kernel queues before ``accept()`` (aiohttp's default is 128)."""
SHUTDOWN_GRACE = 5.0
"""Seconds requests in progress get to finish at shutdown."""


async def serve_until(
    config: ServeConfig,
    limits: ConnectionLimits,
    *,
    host: str,
    port: int,
    tls: ssl.SSLContext | None,
    stop: asyncio.Event,
) -> ConnectionGuard:
    """Serve ``config``'s feeds on ``host:port`` until ``stop`` is set, then stop listening,
    give requests in progress :data:`SHUTDOWN_GRACE` seconds and close every connection.

    Returns the guard (its counters). Raises :class:`TyporiskError` when the address cannot
    be bound. The loop's exception handler is the guard's for the duration."""
    loop = asyncio.get_running_loop()
    app = make_app(config, send_timeout=limits.send_timeout)
    runner = web.AppRunner(
        app,
        access_log=logging.getLogger("typorisk.serve.access"),
        # aiohttp's own idle timer is a backstop only: the guard's timers come first.
        keepalive_timeout=limits.header_timeout + limits.keepalive_timeout,
        shutdown_timeout=SHUTDOWN_GRACE,
    )

    def protocol() -> RequestHandler:
        server = runner.server
        assert server is not None  # set up below, before the socket listens
        return server()

    guard = ConnectionGuard(limits, protocol)
    app.middlewares.insert(0, guard.middleware)
    await runner.setup()
    try:
        listener = await loop.create_server(
            guard.protocol,
            host,
            port,
            ssl=tls,
            backlog=BACKLOG,
            reuse_address=True,
            ssl_handshake_timeout=limits.header_timeout if tls else None,
        )
    except OSError as exc:
        await runner.cleanup()
        raise TyporiskError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    previous = loop.get_exception_handler()
    loop.set_exception_handler(guard.accept_errors)
    log.info(
        "serving on %s://%s:%d/ (header timeout %g s, keep-alive %g s, send timeout %g s, "
        "at most %d connections; open-file limit %d)",
        "https" if tls else "http",
        host,
        port,
        limits.header_timeout,
        limits.keepalive_timeout,
        limits.send_timeout,
        guard.cap,
        open_file_limit(),
    )
    try:
        await stop.wait()
    finally:
        listener.close()
        await runner.cleanup()
        loop.set_exception_handler(previous)
    return guard
