"""A UDP proxy in front of a real DNS server that forwards at most N queries/s and silently drops
the rest: how a rate-limiting public resolver (or a saturated one) looks from the client.

It runs in the caller's event loop; every query's arrival time is kept, so a test can measure the
rate the client actually sent at, whatever the proxy let through.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import cast


class _Upstream(asyncio.DatagramProtocol):
    """The proxy's connected socket to the server, for one client address: relays replies."""

    def __init__(self, proxy: FaultProxy, client: tuple[str, int]) -> None:
        self.proxy, self.client = proxy, client
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if self.proxy.transport is not None:
            self.proxy.transport.sendto(data, self.client)


class FaultProxy(asyncio.DatagramProtocol):
    """Listens on 127.0.0.1 (``port`` once started); forwards to ``upstream`` at most ``rate``
    queries/s (token bucket, ``burst`` queries), drops the others without a word."""

    def __init__(self, upstream: tuple[str, int], *, rate: float, burst: int = 5) -> None:
        self.upstream, self.rate, self.burst = upstream, rate, burst
        self.transport: asyncio.DatagramTransport | None = None
        self.arrivals: list[float] = []
        """Loop time of every query received."""
        self.forwarded = 0
        self.dropped = 0
        self._tokens = float(burst)
        self._last = 0.0
        self._upstreams: dict[tuple[str, int], asyncio.Task[_Upstream]] = {}
        self.port = 0

    async def __aenter__(self) -> FaultProxy:
        loop = asyncio.get_running_loop()
        self._last = loop.time()
        await loop.create_datagram_endpoint(lambda: self, local_addr=("127.0.0.1", 0))
        assert self.transport is not None
        self.port = int(self.transport.get_extra_info("sockname")[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for task in self._upstreams.values():
            if task.done() and task.exception() is None and task.result().transport is not None:
                task.result().transport.close()  # type: ignore[union-attr]
            else:
                task.cancel()
        if self.transport is not None:
            self.transport.close()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self.arrivals.append(now)
        self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens < 1:
            self.dropped += 1
            return
        self._tokens -= 1
        self.forwarded += 1
        client = (str(addr[0]), int(cast(int, addr[1])))
        task = self._upstreams.get(client)
        if task is None:
            task = self._upstreams[client] = asyncio.ensure_future(self._open(client))
        task.add_done_callback(lambda t: _send(t, data))

    async def _open(self, client: tuple[str, int]) -> _Upstream:
        loop = asyncio.get_running_loop()
        _, protocol = await loop.create_datagram_endpoint(
            lambda: _Upstream(self, client), remote_addr=self.upstream
        )
        return protocol

    def rate_between(self, start: float, end: float) -> float:
        """Queries/s the client sent from loop time ``start`` to ``end``."""
        return sum(1 for t in self.arrivals if start <= t < end) / (end - start)


def _send(task: asyncio.Task[_Upstream], data: bytes) -> None:
    if not task.cancelled() and task.exception() is None and task.result().transport is not None:
        task.result().transport.sendto(data)  # type: ignore[union-attr]
