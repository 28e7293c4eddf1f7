"""The asyncio policy server: bounded connections, bounded requests, swappable matcher.

Postfix keeps a policy connection open and sends one request after another on it; each
connection is served by one task. Bounds: at most ``max_connections`` at once (more are closed
at once and logged: Postfix then applies the service's ``default_action``), at most
``max_request_bytes`` per request and ``max_line_bytes`` per line, ``idle_timeout`` seconds
without a request closes the connection. A malformed or oversized request is answered
``action=DUNNO`` and logged; a line over the limit also closes the connection (the stream
cannot be resynchronised). Memory is therefore bounded by the limits and the matcher's cache.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from typorisk.match.matcher import Matcher
from typorisk.policyd.protocol import Decision, Policy, decide, format_reply, parse_request

log = logging.getLogger("typorisk.policyd")


@dataclass(frozen=True, slots=True)
class Limits:
    """Resource bounds of the server."""

    max_connections: int = 256
    """Concurrent client connections (Postfix opens one per smtpd process; default 100)."""
    max_request_bytes: int = 16_384
    """Bytes in one request (Postfix sends about 1 KiB)."""
    max_line_bytes: int = 4_096
    """Bytes in one attribute line."""
    idle_timeout: float = 300.0
    """Seconds a connection may wait for its next request (Postfix's max_idle is 300 s)."""


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


async def read_request(reader: asyncio.StreamReader, limits: Limits) -> list[bytes] | None:
    """Lines of the next request (without the empty line), or None at a clean end of stream.

    Raises :class:`_Malformed` for an oversized request or line, or a stream ending mid-request.
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
        self.active = 0

    async def start(self, host: str, port: int) -> asyncio.Server:
        """Listen on ``host:port`` (port 0 picks a free port; see ``server.sockets``)."""
        return await asyncio.start_server(
            self._connection, host, port, limit=self.limits.max_line_bytes, backlog=512
        )

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
        peer = str(writer.get_extra_info("peername"))
        if self.active >= self.limits.max_connections:
            self.state.stats["refused"] += 1
            log.warning("refused %s: %d connections open", peer, self.active)
            writer.close()
            return
        self.active += 1
        try:
            await self._serve(reader, writer, peer)
        except (ConnectionError, TimeoutError):
            pass  # the client went away or idled out: nothing to answer
        finally:
            self.active -= 1
            writer.close()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: str
    ) -> None:
        while True:
            try:
                async with asyncio.timeout(self.limits.idle_timeout):
                    lines = await read_request(reader, self.limits)
            except _Malformed as exc:
                self.state.stats["requests"] += 1
                self.state.stats["malformed"] += 1
                self.state.stats["DUNNO"] += 1
                log.warning("action=DUNNO peer=%s malformed: %s", peer, exc)
                writer.write(format_reply(Decision("DUNNO")))
                await writer.drain()
                if exc.fatal:
                    return
                continue
            if lines is None:
                return
            writer.write(format_reply(self.answer(lines, peer)))
            await writer.drain()
