"""The resolve stage of a scan on Dask workers (``executor: dask``).

Candidates stay in this process; only their domains travel, keyed by position, so two targets
that share a typo domain each get their record and a retried batch doubles nothing. Each worker
resolves with its own client and its share of the rate (:mod:`typorisk.resolve.dask`). The
Dask client is synchronous: it runs in a worker thread, and results come back to the scan's
event loop through :func:`typorisk.kit.bridge.aiterate`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TypeVar

from typorisk.kit.bridge import aiterate
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import resolve_spec
from typorisk.resolve import Resolution
from typorisk.resolve.dask import resolve_dask

T = TypeVar("T")


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
    spec = resolve_spec(options, batches=True)
    held: dict[int, T] = {}

    def items() -> Iterator[dict[str, object]]:
        for key, item in enumerate(names):
            held[key] = item
            yield {"domain": domain_of(item), "key": key}

    def pairs() -> Iterator[tuple[dict[str, object], Resolution]]:
        return resolve_dask(
            items(),
            spec,
            scheduler=options.scheduler,
            workers=options.workers,
            batch_size=options.batch_size,
        )

    async for row, res in aiterate(pairs):
        count += 1
        yield held.pop(int(str(row["key"]))), res
    if lines is not None:
        elapsed = time.monotonic() - started
        lines.append(
            f"typorisk: {count} names on Dask in {elapsed:.1f} s "
            f"({count / max(elapsed, 1e-9):,.0f} names/s)"
        )
