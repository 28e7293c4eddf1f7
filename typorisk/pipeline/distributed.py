"""The resolve stage of a scan on Dask workers (``executor: dask``).

Candidates stay in this process; only their domains travel, keyed by position, so two targets
that share a typo domain each get their record and a retried batch doubles nothing. Each worker
resolves with its own client and its share of the rate (:mod:`typorisk.resolve.dask`). The
Dask client is synchronous: it runs in a worker thread, and results come back to the scan's
event loop through a bounded queue.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TypeVar

from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import servers_of
from typorisk.resolve import Resolution
from typorisk.resolve.dask import BatchSpec, resolve_dask

T = TypeVar("T")
QUEUE = 4096
_END = object()


async def resolve_on_dask(
    names: Iterable[T],
    options: ScanOptions,
    domain_of: Callable[[T], str],
    lines: list[str] | None = None,
) -> AsyncIterator[tuple[T, Resolution]]:
    """(item, resolution) pairs in completion order, resolved on Dask; ``domain_of(item)`` is
    the name to resolve (a candidate's domain, or the item itself). A statistics line is
    appended to ``lines`` at the end."""
    started = time.monotonic()
    count = 0
    spec = BatchSpec(
        servers=tuple((s.host, s.port) for s in servers_of(options)),
        timeout=options.timeout,
        retries=options.retries,
        rate=options.rate or None,
        concurrency=options.concurrency,
        wildcards=options.wildcards,
    )
    held: dict[int, T] = {}

    def items() -> Iterator[dict[str, object]]:
        for key, item in enumerate(names):
            held[key] = item
            yield {"domain": domain_of(item), "key": key}

    loop = asyncio.get_running_loop()
    out: asyncio.Queue[object] = asyncio.Queue(QUEUE)

    def work() -> None:
        try:
            for row, res in resolve_dask(
                items(),
                spec,
                scheduler=options.scheduler,
                workers=options.workers,
                batch_size=options.batch_size,
                resolutions=True,
            ):
                asyncio.run_coroutine_threadsafe(out.put((row, res)), loop).result()
        except BaseException as exc:  # handed to the loop, which re-raises it
            asyncio.run_coroutine_threadsafe(out.put(exc), loop).result()
        finally:
            asyncio.run_coroutine_threadsafe(out.put(_END), loop).result()

    worker = loop.run_in_executor(None, work)
    while (item := await out.get()) is not _END:
        if isinstance(item, BaseException):
            raise item
        row: dict[str, object] = item[0]  # type: ignore[index]
        res: Resolution = item[1]  # type: ignore[index]
        count += 1
        yield held.pop(int(row["key"])), res  # type: ignore[call-overload]
    await worker
    if lines is not None:
        elapsed = time.monotonic() - started
        lines.append(
            f"typorisk: {count} names on Dask in {elapsed:.1f} s "
            f"({count / max(elapsed, 1e-9):,.0f} names/s)"
        )
