"""The connection guard of ``typorisk serve``: timeouts and a cap on connections, as nginx has.

aiohttp's server has one timer per connection (``keepalive_timeout``), armed when the
connection opens and after each response and never reset by incoming bytes; it has no timeout
of its own for reading a request head, no cap on open connections, and asyncio logs a
traceback for each ``accept()`` that fails with ``EMFILE`` (once a second while the limit
holds). So the guard wraps each connection's aiohttp protocol in a small protocol
(:class:`_Guarded`) that knows the connection's state and owns its timer:

- **reading a head** (from the connection's opening, or from the first byte after a response):
  the head must be complete within ``header_timeout`` seconds (nginx ``client_header_timeout``)
  and within :data:`MAX_HEAD_BYTES` bytes, or the connection is closed. Trickling bytes does
  not extend the time;
- **answering** (the head is complete, the response not yet written): never shed; a file is
  sent piece by piece, each within ``send_timeout`` seconds (nginx ``send_timeout``), so a
  client that stops reading is closed (:class:`~typorisk.serve.files.FileBody`);
- **idle** (a response was written, keep-alive): closed after ``keepalive_timeout`` seconds
  without a byte (nginx ``keepalive_timeout``).

At most ``max_connections`` connections are open (nginx ``worker_connections``): a newcomer
over the cap closes the connection that has been waiting longest (reading a head or idle: a
slow or silent client, never a request being answered), so the newest connection, the next
real pull, is admitted. When every connection is being answered, the newcomer gets ``503``
and ``Connection: close``. The default cap (:func:`default_max_connections`) stays below the
process's open-file limit, leaving room for the files being sent.

When ``accept()`` fails all the same (``EMFILE``/``ENFILE``: descriptors used elsewhere, or a
cap set above the limit), the guard logs one line at most every :data:`ACCEPT_LOG_INTERVAL`
seconds (counting the failures in between, no traceback) and closes the
:data:`SHED_ON_EMFILE` connections waiting longest, so that asyncio's retry a second later
admits the waiting pulls.

Over TLS the guard sees a connection once its handshake is done; the handshake itself is
bounded by ``header_timeout`` (``ssl_handshake_timeout`` of the listening socket), and a
connection still shaking hands is not counted against the cap.

The states are learnt from two places: the wrapper sees the bytes arrive (idle → reading a
head), and :meth:`ConnectionGuard.middleware`, the application's outermost middleware, sees a
head complete (→ answering) and marks the connection idle when the task aiohttp runs for the
request, which writes the response too, ends.
"""

from __future__ import annotations

import asyncio
import enum
import errno
import logging
import resource
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from typorisk.errors import ServeConfigError

log = logging.getLogger("typorisk.serve")

MAX_HEAD_BYTES = 32 * 1024
"""Largest request head (request line and header fields), in bytes: nginx's
``large_client_header_buffers`` default (4 × 8 KiB). A longer head closes the connection."""
ACCEPT_LOG_INTERVAL = 10.0
"""Seconds between two log lines about failing ``accept()`` calls."""
SHED_ON_EMFILE = 16
"""Connections waiting longest that are closed when ``accept()`` runs out of descriptors."""
RESERVED_FILES = 64
"""Descriptors the default cap leaves free at the least (listening socket, event loop, logs,
files being sent), besides one eighth of the open-file limit."""
OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
"""``accept()`` errors asyncio reports to the exception handler (then retries after 1 s)."""
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 39\r\n"
    b"Retry-After: 5\r\nConnection: close\r\n\r\ntoo many connections; try again later\r\n"
)
"""The answer to a connection over the cap when no connection can be shed."""

CAUSES = ("header timeout", "head too large", "keepalive timeout", "shed", "refused")
"""Why the guard closed a connection (``refused``: a ``503`` over the cap)."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def open_file_limit() -> int:
    """The soft ``RLIMIT_NOFILE`` of this process (65,536 when unlimited)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return 65_536 if soft == resource.RLIM_INFINITY else int(soft)


def default_max_connections(limit: int | None = None) -> int:
    """The default cap on connections for an open-file limit of ``limit`` descriptors (this
    process's when ``None``): the limit less an eighth of it, less at least
    :data:`RESERVED_FILES`, at most 4,096 and at least 16. 1,024 descriptors give 896."""
    files = open_file_limit() if limit is None else limit
    return max(16, min(4096, files - max(RESERVED_FILES, files // 8)))


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The guard's bounds (the defaults of ``typorisk serve``'s flags)."""

    header_timeout: float = 15.0
    """Seconds a request head may take, from the connection's opening or from the first byte
    after a response (nginx ``client_header_timeout``, 60 s there). > 0."""
    keepalive_timeout: float = 30.0
    """Seconds an idle kept-alive connection stays open (nginx ``keepalive_timeout``, 75 s
    there). > 0."""
    max_connections: int = 0
    """Open connections at most; 0: :func:`default_max_connections`."""
    send_timeout: float = 60.0
    """Seconds a client may take to accept each piece of a file being sent to it (nginx
    ``send_timeout``, 60 s there; see :class:`~typorisk.serve.files.FileBody`). > 0."""

    def __post_init__(self) -> None:
        if min(self.header_timeout, self.keepalive_timeout, self.send_timeout) <= 0 or (
            self.max_connections < 0
        ):
            raise ServeConfigError(
                "--header-timeout, --keepalive-timeout and --send-timeout must be > 0 seconds "
                "and --max-connections >= 0 (0: derived from the open-file limit)"
            )

    @property
    def cap(self) -> int:
        """The cap in force: ``max_connections`` or the default."""
        return self.max_connections or default_max_connections()


class State(enum.Enum):
    """What a connection is doing."""

    HEAD = "reading a request head"
    ANSWERING = "answering a request"
    IDLE = "idle between requests"


class _Guarded(asyncio.Protocol):
    """One connection: aiohttp's protocol ``inner``, with its state and its timer."""

    def __init__(self, guard: ConnectionGuard, inner: RequestHandler) -> None:
        self.guard = guard
        self.inner = inner
        self.transport: asyncio.Transport | None = None
        self.state = State.HEAD
        self.head_bytes = 0
        self.timer: asyncio.TimerHandle | None = None
        self.admitted = False
        self.turn = 0
        """Requests that reached the application on this connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        if not self.guard.admit(self):
            transport.write(BUSY)
            transport.close()
            return
        self.admitted = True
        self.inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if not self.admitted:
            return  # refused with a 503: closing
        if self.state is State.IDLE:
            self.guard.enter(self, State.HEAD)
        if self.state is State.HEAD:
            self.head_bytes += len(data)
            if self.head_bytes > MAX_HEAD_BYTES:
                self.guard.close(self, "head too large")
                return
        self.inner.data_received(data)

    def eof_received(self) -> None:
        if self.admitted:
            self.inner.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.forget(self)
        if self.admitted:
            self.inner.connection_lost(exc)

    def pause_writing(self) -> None:
        if self.admitted:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.admitted:
            self.inner.resume_writing()


class ConnectionGuard:
    """The connections of one server: their states, timers and the cap (module docstring).

    Use :meth:`protocol` as the protocol factory of ``loop.create_server`` (it wraps the
    aiohttp server's protocols), :meth:`middleware` as the application's outermost middleware,
    and :meth:`accept_errors` as the loop's exception handler."""

    def __init__(self, limits: ConnectionLimits, server: Callable[[], RequestHandler]):
        self.limits = limits
        self.cap = limits.cap
        self._server = server
        self._open: dict[_Guarded, None] = {}
        self._waiting: dict[_Guarded, None] = {}
        """Connections reading a head or idle, the one waiting longest first."""
        self._by_inner: dict[RequestHandler, _Guarded] = {}
        self._accept_failures = 0
        self._accept_logged = -ACCEPT_LOG_INTERVAL
        self.closed = dict.fromkeys(CAUSES, 0)
        """Connections the guard closed, by cause (:data:`CAUSES`)."""

    @property
    def open_connections(self) -> int:
        """Connections open now."""
        return len(self._open)

    def protocol(self) -> asyncio.Protocol:
        """A new connection's protocol (the protocol factory for ``create_server``)."""
        return _Guarded(self, self._server())

    # -- states ---------------------------------------------------------------------------

    def admit(self, conn: _Guarded) -> bool:
        """Take ``conn`` in, shedding the connection waiting longest when at the cap; False
        when every open connection is answering (``conn`` is then refused)."""
        if len(self._open) >= self.cap:
            oldest = next(iter(self._waiting), None)
            if oldest is None:
                self.closed["refused"] += 1
                return False
            self.close(oldest, "shed")
        self._open[conn] = None
        self._by_inner[conn.inner] = conn
        self.enter(conn, State.HEAD)
        return True

    def enter(self, conn: _Guarded, state: State) -> None:
        """Move ``conn`` to ``state`` and arm (or stop) its timer."""
        if conn not in self._open:
            return
        conn.state = state
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None
        self._waiting.pop(conn, None)
        if state is State.ANSWERING:
            return
        conn.head_bytes = 0
        self._waiting[conn] = None
        loop = asyncio.get_running_loop()
        if state is State.HEAD:
            conn.timer = loop.call_later(
                self.limits.header_timeout, self.close, conn, "header timeout"
            )
        else:
            conn.timer = loop.call_later(
                self.limits.keepalive_timeout, self.close, conn, "keepalive timeout"
            )

    def close(self, conn: _Guarded, cause: str) -> None:
        """Close ``conn`` at once (a reset: nothing is owed to a client that is not being
        answered) and count it under ``cause``."""
        if conn not in self._open:
            return
        self.closed[cause] += 1
        log.debug("closing a connection: %s", cause)
        self.forget(conn)
        if conn.transport is not None:
            conn.transport.abort()

    def forget(self, conn: _Guarded) -> None:
        """Drop ``conn`` from the tables (it closed)."""
        if conn.timer is not None:
            conn.timer.cancel()
            conn.timer = None
        self._open.pop(conn, None)
        self._waiting.pop(conn, None)
        self._by_inner.pop(conn.inner, None)

    # -- the application's side -----------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Mark the connection answering from a complete head until the task that handles the
        request (aiohttp's, which also writes the response) ends."""
        conn = self._by_inner.get(request.protocol)
        task = asyncio.current_task()
        if conn is not None and task is not None:
            self.enter(conn, State.ANSWERING)
            conn.turn += 1
            task.add_done_callback(partial(self._answered, conn, conn.turn))
        return await handler(request)

    def _answered(self, conn: _Guarded, turn: int, task: object) -> None:
        """The response of request ``turn`` on ``conn`` is written: idle, unless the next
        request is already being answered."""
        if conn.turn == turn:
            self.enter(conn, State.IDLE)

    # -- accept() errors ------------------------------------------------------------------

    def accept_errors(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        """The event loop's exception handler: an ``accept()`` out of descriptors is one
        rate-limited line and sheds waiting connections; everything else goes to asyncio's
        default handler."""
        exc = context.get("exception")
        if (
            not isinstance(exc, OSError)
            or exc.errno not in OUT_OF_RESOURCES
            or "accept" not in str(context.get("message", ""))
        ):
            loop.default_exception_handler(context)
            return
        self._accept_failures += 1
        for conn in list(self._waiting)[:SHED_ON_EMFILE]:
            self.close(conn, "shed")
        now = loop.time()
        if now - self._accept_logged >= ACCEPT_LOG_INTERVAL:
            log.warning(
                "cannot accept connections: %s (%d failed accept calls; %d connections open, "
                "open-file limit %d); closed the connections waiting longest. Raise "
                "'ulimit -n' or lower --max-connections",
                exc.strerror or exc,
                self._accept_failures,
                len(self._open),
                open_file_limit(),
            )
            self._accept_logged = now
            self._accept_failures = 0
