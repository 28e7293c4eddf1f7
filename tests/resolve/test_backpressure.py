"""The engine's results wait for a slow consumer in bounded number (``OUT_HIGH``): the workers
pause instead of resolving the whole input into memory (a ranked ``scan`` of 1M candidates
had grown by 80 MiB once the loop outpaced the ranking), against the lab's real Unbound."""

from __future__ import annotations

import asyncio

import pytest

from typorisk.resolve import DnsClient, NameServer, ResolveScan, scanner

from .conftest import Lab

CONCURRENCY = 16


def test_a_slow_consumer_holds_the_workers_back(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scanner, "OUT_HIGH", 40)
    names = [f"slowc{i}.test" for i in range(1200)]

    async def run() -> tuple[int, int]:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            scan = ResolveScan(client, concurrency=CONCURRENCY)
            consumed = ahead = 0
            async for _ in scan.run(names):
                consumed += 1
                ahead = max(ahead, scan.stats().names - consumed)
                await asyncio.sleep(0.002)  # the consumer is the slow side
            return consumed, ahead

    consumed, ahead = asyncio.run(run())
    assert consumed == len(names)
    # settled but not yet taken: at most the high-water mark and the names in flight then
    assert ahead <= 40 + CONCURRENCY, ahead
