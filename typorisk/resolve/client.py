"""A DNS client for many names at once: rate limit per server, retries with backoff, TCP fallback.

The client is the object injected into the engine (tests inject one pointed at local servers). It
owns the sockets: use it as ``async with DnsClient(servers) as client``.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Sequence
from types import TracebackType

from typorisk.errors import ResolverConfigError
from typorisk.resolve import wire
from typorisk.resolve.transport import NameServer, Reply, UdpChannel, tcp_exchange

RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class RateLimiter:
    """A per-server rate limit (GCRA, a token bucket kept as one number).

    ``rate`` queries/s on average, bursts of up to ``burst`` queries; waiters are spaced evenly.
    """

    def __init__(self, rate: float, burst: int = 10) -> None:
        if rate <= 0:
            raise ResolverConfigError(f"rate {rate!r}: give a positive number of queries/s")
        self._interval = 1.0 / rate
        self._tolerance = burst * self._interval
        self._next = 0.0

    async def acquire(self) -> None:
        """Wait until one more query may be sent (at most ``1/rate`` s after the previous one)."""
        now = asyncio.get_running_loop().time()
        slot = max(self._next, now - self._tolerance)
        self._next = slot + self._interval
        wait = slot - now
        if wait > 0:
            await asyncio.sleep(wait)


class DnsClient:
    """Queries ``servers`` (recursive resolvers by default, any server when given per query).

    Args:
        servers: default servers, tried in rotation across retries.
        timeout: seconds to wait for one reply (UDP or TCP).
        retries: extra attempts after a timeout or SERVFAIL (so ``retries + 1`` tries at most).
        rate: queries/s allowed per server; ``None`` for no limit.
        backoff: seconds before the first retry; doubled each retry, with ±50% jitter.

    Raises :class:`ResolverConfigError` for an unusable option.
    """

    def __init__(
        self,
        servers: Sequence[NameServer],
        *,
        timeout: float = 2.0,
        retries: int = 2,
        rate: float | None = None,
        backoff: float = 0.05,
    ) -> None:
        if not servers:
            raise ResolverConfigError("no name server: give --nameserver HOST[:PORT]")
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise ResolverConfigError("timeout must be > 0 s, retries and backoff >= 0")
        if rate is not None and rate <= 0:
            raise ResolverConfigError(f"rate {rate!r}: give a positive number of queries/s")
        self.servers = tuple(servers)
        self.timeout = timeout
        self.retries = retries
        self.rate = rate
        self.backoff = backoff
        self._channels: dict[NameServer, asyncio.Task[UdpChannel]] = {}
        self._limiters: dict[NameServer, RateLimiter] = {}
        self.sent = 0
        self.timeouts = 0
        self.retried = 0
        self.tcp = 0
        self.rcodes: Counter[str] = Counter()
        self._closed_mismatched = 0

    async def __aenter__(self) -> DnsClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every socket."""
        for task in self._channels.values():
            if task.done() and not task.cancelled() and task.exception() is None:
                self._closed_mismatched += task.result().mismatched
                task.result().close()
            else:
                task.cancel()
        self._channels.clear()

    @property
    def mismatched(self) -> int:
        """Replies dropped so far by the spoofing guard, over every socket."""
        return self._closed_mismatched + sum(
            t.result().mismatched
            for t in self._channels.values()
            if t.done() and not t.cancelled() and t.exception() is None
        )

    async def _channel(self, server: NameServer) -> UdpChannel:
        task = self._channels.get(server)
        if task is None:
            task = asyncio.ensure_future(UdpChannel.open(server))
            self._channels[server] = task
        return await task

    async def _send(
        self, server: NameServer, question_wire: bytes, rd: bool
    ) -> tuple[Reply | None, int]:
        """One attempt (UDP, then TCP if truncated): the reply or ``None``, and queries sent."""
        if self.rate is not None:
            limiter = self._limiters.get(server)
            if limiter is None:
                limiter = self._limiters[server] = RateLimiter(self.rate)
            await limiter.acquire()
        channel = await self._channel(server)
        self.sent += 1
        data = await channel.exchange(question_wire, rd=rd, timeout=self.timeout)
        header = None if data is None else wire.read_header(data)
        if data is None or header is None:
            self.timeouts += 1
            return None, 1
        if header.truncated:
            self.tcp += 1
            self.sent += 1
            data = await tcp_exchange(server, question_wire, rd=rd, timeout=self.timeout)
            header = None if data is None else wire.read_header(data)
            if data is None or header is None:
                self.timeouts += 1
                return None, 2
            self.rcodes[RCODE_NAMES.get(header.rcode, str(header.rcode))] += 1
            return Reply(header, data, tcp=True), 2
        self.rcodes[RCODE_NAMES.get(header.rcode, str(header.rcode))] += 1
        return Reply(header, data), 1

    async def query(
        self,
        name: str,
        qtype: int,
        *,
        rd: bool = True,
        servers: Sequence[NameServer] | None = None,
    ) -> tuple[Reply | None, int]:
        """Ask ``name``/``qtype``; returns (reply, queries sent).

        The reply is ``None`` when every attempt timed out. A SERVFAIL is retried (another server
        first) and returned if it persists; REFUSED moves to the next server without waiting.
        """
        pool = self.servers if servers is None else tuple(servers)
        question_wire = wire.question(name, qtype)
        start = random.randrange(len(pool))
        last: Reply | None = None
        sent = 0
        for attempt in range(self.retries + 1):
            if attempt:
                self.retried += 1
                if last is None or last.rcode == wire.RCODE_SERVFAIL:
                    await asyncio.sleep(
                        self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                    )
            reply, count = await self._send(pool[(start + attempt) % len(pool)], question_wire, rd)
            sent += count
            if reply is not None:
                last = reply
                if reply.rcode not in (wire.RCODE_SERVFAIL, wire.RCODE_REFUSED):
                    return reply, sent
                if reply.rcode == wire.RCODE_REFUSED and len(pool) == 1:
                    return reply, sent
        return last, sent
