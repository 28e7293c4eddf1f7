"""The two bridges between async and blocking code."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Iterator

import pytest

from typorisk.kit.bridge import aiterate, iterate


def test_iterate_yields_in_order_and_reraises() -> None:
    async def numbers() -> AsyncIterator[int]:
        for i in range(5000):  # more than the queue holds
            yield i
        raise ValueError("boom")

    got: list[int] = []
    with pytest.raises(ValueError, match="boom"):
        got.extend(iterate(numbers))
    assert got == list(range(5000))


def test_aiterate_stops_its_worker_when_the_consumer_stops_early() -> None:
    stopped = threading.Event()

    def endless() -> Iterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            stopped.set()

    async def main() -> list[int]:
        got = []
        async for x in aiterate(endless):
            got.append(x)
            if len(got) == 5:
                break
        return got

    assert asyncio.run(main()) == [0, 1, 2, 3, 4]
    assert stopped.wait(5), "the worker thread is still iterating"


def test_aiterate_reraises_the_iterables_error() -> None:
    def broken() -> Iterator[int]:
        yield 1
        raise OSError("scheduler gone")

    async def main() -> list[int]:
        return [x async for x in aiterate(broken)]

    with pytest.raises(OSError, match="scheduler gone"):
        asyncio.run(main())


def test_iterate_hands_over_a_partial_batch_while_the_producer_waits() -> None:
    """Batches are flushed on a timer too: a producer that waits for the consumer to have seen
    its item (a slow stream, an interactive scan) is never stuck behind a half-full batch."""
    seen = threading.Event()

    async def waits_for_the_consumer() -> AsyncIterator[int]:
        yield 1
        for _ in range(1000):  # 10 s at most, then the assertion below fails
            if seen.is_set():
                break
            await asyncio.sleep(0.01)
        yield 2 if seen.is_set() else -1

    got = []
    for item in iterate(waits_for_the_consumer):
        got.append(item)
        seen.set()
    assert got == [1, 2]


def test_iterate_stops_the_producer_mid_batch_when_the_consumer_breaks() -> None:
    produced = 0

    async def endless() -> AsyncIterator[int]:
        nonlocal produced
        while True:
            produced += 1
            yield produced
            await asyncio.sleep(0)

    for item in iterate(endless):
        if item == 1000:
            break
    settled = produced
    assert settled >= 1000
    assert produced == settled  # the loop's thread has ended: nothing runs after the break


def test_iterate_reraises_the_error_when_the_loop_closes_while_the_consumer_stops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The producer fails at once; the failure reaches the consumer after the loop has closed,
    while the thread is still alive (CI hit this window as ``RuntimeError: Event loop is
    closed`` in place of the real error, and the CLI exited 1 in place of 4)."""
    import time

    from typorisk.kit import bridge

    handing = bridge._Sender.put

    def hand_then_linger(self: bridge._Sender, item: object) -> None:
        handing(self, item)
        time.sleep(0.2)  # the thread is alive, its loop closed, when the consumer cleans up

    monkeypatch.setattr(bridge._Sender, "put", hand_then_linger)

    async def broken() -> AsyncIterator[int]:
        raise LookupError("server not usable")
        yield 0  # pragma: no cover - makes this an async generator

    with pytest.raises(LookupError, match="server not usable"):
        list(iterate(broken))
