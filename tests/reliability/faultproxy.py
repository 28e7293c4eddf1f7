"""A UDP fault injector between the engine and a real DNS server (asyncio, 127.0.0.1).

Faults are switched at run time, so one scan can meet a server that dies and comes back:
``drop`` (a fraction of queries lost, seeded), ``delay`` (seconds added to every answer),
``servfail`` (answer SERVFAIL instead of forwarding), ``dead`` (answer nothing at all),
``drop_first`` (lose the first copy of every query, forward the ones sent again: a datagram
lost once).
``rate`` (fixed at construction) forwards at most that many queries/s (a token bucket of
``burst``) and silently drops the rest: a server, or a public resolver, that drops above N q/s.
"""

from __future__ import annotations

import asyncio
import random
from typing import cast

import dns.message
import dns.rcode


class _Upstream(asyncio.DatagramProtocol):
    def __init__(self, proxy: FaultProxy, client: tuple[str, int]) -> None:
        self.proxy, self.client = proxy, client
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.proxy.reply(data, self.client)


class _Front(asyncio.DatagramProtocol):
    def __init__(self, proxy: FaultProxy) -> None:
        self.proxy = proxy

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.proxy.admit():
            return
        task = asyncio.get_running_loop().create_task(self.proxy.handle(data, addr))
        self.proxy.tasks.add(task)
        task.add_done_callback(self.proxy.tasks.discard)


class FaultProxy:
    """``async with FaultProxy(upstream) as proxy``: listen on ``proxy.port``, forward upstream."""

    def __init__(
        self, upstream: tuple[str, int], seed: int = 7, *, rate: float = 0.0, burst: int = 5
    ) -> None:
        self.upstream = upstream
        self.rate, self.burst = rate, burst
        """Queries/s forwarded at most (0: no limit), and the bucket's size in queries."""
        self.arrivals: list[float] = []
        """Loop time of every query received."""
        self.dropped = 0
        """Queries dropped by the rate limit."""
        self._tokens = float(burst)
        self._last = 0.0
        self.random = random.Random(seed)
        self.drop = 0.0
        self.delay = 0.0
        self.servfail = False
        self.dead = False
        self.drop_first = False
        self._seen: set[bytes] = set()
        """Queries seen once (``drop_first``): id and question, the whole datagram."""
        self.port = 0
        self.received = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self._front: asyncio.DatagramTransport | None = None
        self._links: dict[tuple[str, int], _Upstream] = {}

    async def __aenter__(self) -> FaultProxy:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Front(self), local_addr=("127.0.0.1", 0)
        )
        self._front = transport
        self.port = int(transport.get_extra_info("sockname")[1])
        self._last = loop.time()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for link in self._links.values():
            if link.transport is not None:
                link.transport.close()
        if self._front is not None:
            self._front.close()

    def admit(self) -> bool:
        """Record a query's arrival; False when the rate limit drops it."""
        now = asyncio.get_running_loop().time()
        self.arrivals.append(now)
        if self.rate <= 0:
            return True
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1:
            self.dropped += 1
            return False
        self._tokens -= 1
        return True

    def rate_between(self, start: float, end: float) -> float:
        """Queries/s the client sent from loop time ``start`` to ``end``."""
        return sum(1 for t in self.arrivals if start <= t < end) / (end - start)

    async def handle(self, data: bytes, client: tuple[str, int]) -> None:
        self.received += 1
        if self.dead or self.random.random() < self.drop:
            return
        if self.drop_first and data not in self._seen:
            self._seen.add(data)
            return
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.servfail:
            query = dns.message.from_wire(data)
            response = dns.message.make_response(query)
            response.set_rcode(dns.rcode.SERVFAIL)
            self.reply(response.to_wire(), client)
            return
        link = self._links.get(client)
        if link is None:
            loop = asyncio.get_running_loop()
            _, protocol = await loop.create_datagram_endpoint(
                lambda: _Upstream(self, client), remote_addr=self.upstream
            )
            link = self._links.setdefault(client, protocol)
        if link.transport is not None:
            link.transport.sendto(data)

    def reply(self, data: bytes, client: tuple[str, int]) -> None:
        if self._front is not None and not self.dead:
            self._front.sendto(data, client)
