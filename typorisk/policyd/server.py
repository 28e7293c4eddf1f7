"""The asyncio policy server: bounded connections, bounded requests, swappable matcher.

Postfix keeps a policy connection open and sends one request after another on it; each
connection is served by one task. Bounds:

- at most ``max_connections`` connections hold a slot. When all are taken, a newcomer takes the
  slot of the connection idle longest (see :mod:`typorisk.policyd.slots`): idle connections never
  starve new ones. If every holder is in the middle of a request or has just connected, the
  newcomer waits (at most ``admit_timeout`` seconds, at most ``max_waiting`` of them), then
  is closed and logged (Postfix then retries, and finally applies the service's
  ``default_action``);
- ``idle_timeout`` seconds (30 by default) without a full request closes the connection; Postfix
  reconnects when it next needs an answer;
- at most ``max_request_bytes`` per request and ``max_line_bytes`` per line. A malformed or
  oversized request is answered ``action=DUNNO`` and logged; a line over the limit also closes
  the connection (the stream cannot be resynchronised).

Memory is therefore bounded by the limits and the matcher's cache. :meth:`PolicyServer.shutdown`
stops listening, closes idle connections at once, gives requests in progress
``shutdown_grace`` seconds to be answered and cancels the rest; no handler outlives it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from typorisk.errors import PolicyConfigError
from typorisk.match import Matcher
from typorisk.policyd.protocol import Decision, Policy, decide, format_reply, parse_request
from typorisk.policyd.slots import Conn, Slots

log = logging.getLogger("typorisk.policyd")


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource bounds of the server (all > 0)."""

    max_connections: int = 256
    """Connections holding a slot at once (Postfix opens one per smtpd process; its
    default_process_limit is 100). Over it, the longest-idle connection is closed."""
    max_request_bytes: int = 16_384
    """Bytes in one request (Postfix sends about 1 KiB)."""
    max_line_bytes: int = 4_096
    """Bytes in one attribute line."""
    idle_timeout: float = 30.0
    """Seconds a connection may wait for (the whole of) its next request. Postfix closes its
    side after ``smtpd_policy_service_max_idle`` (300 s) and reconnects on demand, so a short
    timeout costs one connect per quiet smtpd process."""
    grace: float = 0.5
    """Seconds a connection that has not been answered yet is protected from eviction (its
    first request is probably in flight)."""
    max_waiting: int = 4_096
    """Connections over the limit that may wait for a slot at once; more are closed at once
    (each costs a file descriptor and a few KiB until it is served or times out)."""
    admit_timeout: float = 5.0
    """Seconds a connection over the limit waits for a slot before it is closed (Postfix's
    ``smtpd_policy_service_timeout`` is 100 s)."""
    shutdown_grace: float = 1.0
    """Seconds requests in progress get to be answered at shutdown."""

    def __post_init__(self) -> None:
        if (
            min(self.max_connections, self.max_request_bytes, self.max_line_bytes) < 1
            or min(self.idle_timeout, self.grace, self.admit_timeout, self.shutdown_grace) <= 0
        ):
            raise PolicyConfigError(
                "--max-connections, --max-request-bytes, --idle-timeout (and every other "
                "limit) must be > 0"
            )


class PolicyState:
    """The matcher and policy in force; :meth:`reload` swaps in a freshly built matcher."""

    def __init__(self, loader: Callable[[], Matcher], policy: Policy) -> None:
        self._loader = loader
        self.policy = policy
        self.matcher = loader()
        self.stats: Counter[str] = Counter()

    async def reload(self) -> bool:
        """Rebuild the matcher in a thread (requests keep being served meanwhile) and swap it
        in. On failure the old matcher stays and the error is logged; returns success."""
        try:
            matcher = await asyncio.to_thread(self._loader)
        except Exception as exc:  # a bad file must not stop a running mail filter
            log.error("reload failed, keeping the previous targets: %s", exc)
            self.stats["reload_failed"] += 1
            return False
        self.matcher = matcher
        self.stats["reloads"] += 1
        log.info(
            "reloaded: %d targets, %d candidates", len(matcher.targets), matcher.candidate_count
        )
        return True


class _Malformed(Exception):
    """A request that cannot be used; ``fatal`` when the connection must be closed."""

    def __init__(self, reason: str, *, fatal: bool = False) -> None:
        super().__init__(reason)
        self.fatal = fatal


async def read_request(
    reader: asyncio.StreamReader, limits: Limits, started: Callable[[], None] | None = None
) -> list[bytes] | None:
    """Lines of the next request (without the empty line), or None at a clean end of stream.

    ``started`` is called once the request's first line has arrived. Raises
    :class:`_Malformed` for an oversized request or line, or a stream ending mid-request.
    """
    lines: list[bytes] = []
    size = 0
    while True:
        try:
            line = await reader.readuntil(b"\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial and not lines:
                return None
            raise _Malformed("connection closed inside a request", fatal=True) from None
        except asyncio.LimitOverrunError:
            raise _Malformed(f"line over {limits.max_line_bytes} bytes", fatal=True) from None
        if started is not None and size == 0 and not lines:
            started()
        if line in (b"\n", b"\r\n"):
            if size > limits.max_request_bytes:
                raise _Malformed(f"request of {size} bytes over {limits.max_request_bytes}")
            return lines
        size += len(line)
        if size <= limits.max_request_bytes:
            lines.append(line)  # past the limit: keep reading to the end, keep nothing


class PolicyServer:
    """Serves :class:`PolicyState` decisions over the policy delegation protocol."""

    def __init__(self, state: PolicyState, limits: Limits = Limits()) -> None:
        self.state = state
        self.limits = limits
        self.slots = Slots(limits.max_connections, limits.grace, limits.max_waiting)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[object]] = set()

    @property
    def active(self) -> int:
        """Connections holding a slot now."""
        return len(self.slots)

    async def start(self, host: str, port: int) -> asyncio.Server:
        """Listen on ``host:port`` (port 0 picks a free port; see ``server.sockets``).

        The accept backlog is 4,096 (the kernel caps it at ``net.core.somaxconn``) so that a
        burst of connections is queued, not dropped, while slots are handed out.
        """
        self._server = await asyncio.start_server(
            self._connection, host, port, limit=self.limits.max_line_bytes, backlog=4096
        )
        return self._server

    async def shutdown(self) -> None:
        """Stop listening, close idle and waiting connections at once, give requests in
        progress ``limits.shutdown_grace`` seconds to be answered, then cancel the rest.
        Returns when every connection handler has ended."""
        if self._server is not None:
            self._server.close()
        self.slots.shut()
        tasks = set(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.limits.shutdown_grace)
            if pending:  # requests not finished in time: close their connections
                for conn in list(self.slots.holders):
                    self.slots.evict(conn)
                _, pending = await asyncio.wait(pending, timeout=self.limits.shutdown_grace)
            for task in pending:  # last resort; _connection ends quietly when cancelled here
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()

    def answer(self, lines: list[bytes], peer: str) -> Decision:
        """Decide one request and log the decision (pure apart from logging and counters)."""
        stats = self.state.stats
        stats["requests"] += 1
        try:
            attrs = parse_request(lines)
        except ValueError as exc:
            attrs, decision = {}, Decision("DUNNO", reason=f"malformed: {exc}")
        else:
            decision = decide(attrs, self.state.matcher, self.state.policy)
        stats[decision.action.partition(" ")[0]] += 1
        if decision.reason:
            stats["malformed"] += 1
            log.warning("action=DUNNO peer=%s %s", peer, decision.reason)
        elif decision.hit is not None:
            hit = decision.hit
            log.info(
                "action=%s level=%s recipient=<%s> domain=%s target=%s match=%s kinds=%s "
                "distance=%d sender=<%s> client=%s queue_id=%s",
                decision.action.partition(" ")[0], decision.level, attrs.get("recipient", ""),
                hit.domain, hit.target, hit.match, ",".join(hit.kinds) or "-", hit.distance,
                attrs.get("sender", ""), attrs.get("client_address", ""),
                attrs.get("queue_id", "") or "NOQUEUE",
            )  # fmt: skip
        else:
            log.debug("action=DUNNO recipient=<%s>", attrs.get("recipient", ""))
        return decision

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        peer = str(writer.get_extra_info("peername"))
        conn = Conn(writer.close, self.slots.clock())
        try:
            if not await self.slots.admit(conn, self.limits.admit_timeout):
                if not self.slots.closing:
                    self.state.stats["refused"] += 1
                    log.warning("refused %s: %d connections busy or new", peer, len(self.slots))
                return
            await self._serve(reader, writer, peer, conn)
        except (ConnectionError, TimeoutError):
            pass  # the client went away or idled out: nothing to answer
        except asyncio.CancelledError:
            # Cancelled by shutdown() only after its connection was closed and did not end.
            # Ending quietly: on Python 3.11 a cancelled handler task is logged as a traceback
            # by asyncio.streams.
            if not self.slots.closing:
                raise
        finally:
            self.slots.release(conn)
            writer.close()
            if task is not None:
                self._tasks.discard(task)
            if conn.evicted and not self.slots.closing:
                self.state.stats["evicted"] += 1
                log.debug("closed idle %s to admit a new connection", peer)

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str, conn: Conn
    ) -> None:
        def started() -> None:
            self.slots.mark_busy(conn)

        while not self.slots.closing:
            self.slots.mark_idle(conn)
            try:
                async with asyncio.timeout(self.limits.idle_timeout):
                    lines = await read_request(reader, self.limits, started)
            except _Malformed as exc:
                if conn.evicted:
                    return
                self.state.stats["requests"] += 1
                self.state.stats["malformed"] += 1
                self.state.stats["DUNNO"] += 1
                log.warning("action=DUNNO peer=%s malformed: %s", peer, exc)
                writer.write(format_reply(Decision("DUNNO")))
                await writer.drain()
                if exc.fatal:
                    return
                conn.answered = True
                continue
            if lines is None or conn.evicted:
                return
            writer.write(format_reply(self.answer(lines, peer)))
            await writer.drain()
            conn.answered = True
