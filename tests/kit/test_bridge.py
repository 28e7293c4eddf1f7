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
