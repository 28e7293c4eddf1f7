"""Scale the resolve stage past one process: batches on Dask distributed, same code path.

Work is cut into batches of rows (each with at least ``domain``); a batch runs
:func:`resolve_pairs` — its own asyncio loop, its own :class:`~typorisk.resolve.DnsClient` with
bounded concurrency — in a worker process, and its (row, resolution) pairs come back in order of
completion (the caller flattens them: :func:`typorisk.pipeline.rows.resolution_row`).

- **Rate limits stay global per upstream server**: each worker's client gets an equal share,
  ``rate / workers`` queries/s per server, so the cluster as a whole never exceeds ``rate``.
- **A lost worker's batch is re-run** by Dask (``retries``); batches are pure (the same input
  gives the same rows), and rows are de-duplicated by ``domain`` as they arrive, so a retried
  batch can neither lose nor double a row.
- Dask is optional (``pip install 'typorisk[dask]'``) and imported only here, only when used.

With no scheduler address, an embedded ``LocalCluster`` of worker processes is started; with
``tcp://HOST:8786``, the batches go to that cluster (every worker must reach the resolver).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from itertools import islice
from typing import Any, TypeVar

from typorisk.errors import TyporiskError
from typorisk.kit.bridge import aiterate
from typorisk.resolve.records import Resolution, ResolveStats
from typorisk.resolve.spec import ResolveSpec

T = TypeVar("T")

Row = dict[str, object]
"""An input row: at least ``domain``; ``key`` (any hashable) when domains repeat."""


def resolve_pairs(items: list[Row], spec: ResolveSpec) -> list[tuple[Row, Resolution]]:
    """Resolve one batch in a fresh event loop: each input row with its resolution."""
    return asyncio.run(_resolve(items, spec))


async def _resolve(items: list[Row], spec: ResolveSpec) -> list[tuple[Row, Resolution]]:
    by_domain: dict[str, list[Row]] = {}
    for item in items:
        by_domain.setdefault(str(item["domain"]), []).append(item)
    out: list[tuple[Row, Resolution]] = []
    async with spec.client() as client:
        async for name, resolution in spec.scan(client).run(list(by_domain)):
            out.extend((item, resolution) for item in by_domain[name])
    return out


def batches(items: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Consecutive lists of at most ``size`` rows (streamed)."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def resolve_local(
    items: Iterable[Row], spec: ResolveSpec, *, batch_size: int = 2000
) -> Iterator[tuple[Row, Resolution]]:
    """The local executor: the same batches, one after another, in this process."""
    for chunk in batches(items, batch_size):
        yield from resolve_pairs(chunk, spec)


def resolve_dask(
    items: Iterable[Row],
    spec: ResolveSpec,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    batch_size: int = 2000,
    retries: int = 3,
    connect_timeout: float = 10.0,
    cluster_options: Mapping[str, Any] | None = None,
) -> Iterator[tuple[Row, Resolution]]:
    """Resolve on Dask: an embedded LocalCluster of ``workers`` processes, or the cluster at
    ``scheduler``. At most two batches per worker are in flight (bounded memory); (input row,
    :class:`Resolution`) pairs stream back as batches complete, each input exactly once (by its
    ``key`` cell, else its domain)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed  # noqa: PLC0415
    except ImportError as exc:
        raise TyporiskError("the dask executor needs Dask: pip install 'typorisk[dask]'") from exc
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            **dict(cluster_options or {}),
        )
    target = cluster if cluster is not None else scheduler
    try:
        client = Client(target, timeout=connect_timeout)  # type: ignore[no-untyped-call]
    except OSError as exc:
        if cluster is not None:
            cluster.close()
        raise TyporiskError(
            f"cannot reach the Dask scheduler at {scheduler}: {exc}; start one with "
            "'dask scheduler' (and 'dask worker ADDRESS' on each host) or omit --scheduler"
        ) from exc
    try:
        with client:
            count = max(len(client.scheduler_info()["workers"]), 1)
            share = replace(spec, rate=spec.rate / count if spec.rate else None)
            yield from _stream(
                client,
                as_completed,
                batches(items, batch_size),
                share,
                window=2 * count,
                retries=retries,
            )
    finally:
        if cluster is not None:
            cluster.close()


def _stream(
    client: Any,
    as_completed: Any,
    chunks: Iterator[list[Row]],
    spec: ResolveSpec,
    *,
    window: int,
    retries: int,
) -> Iterator[tuple[Row, Resolution]]:
    seen: set[object] = set()
    pending = as_completed()
    for chunk in islice(chunks, window):
        pending.add(client.submit(resolve_pairs, chunk, spec, pure=False, retries=retries))
    for future in pending:
        for pair in future.result():
            key = pair[0].get("key", pair[0]["domain"])
            if key not in seen:
                seen.add(key)
                yield pair
        future.release()
        following = next(chunks, None)
        if following is not None:
            pending.add(client.submit(resolve_pairs, following, spec, pure=False, retries=retries))


class DaskExecutor:
    """The resolve stage on Dask workers (an :class:`~typorisk.resolve.executor.Executor`).

    Items stay in this process; only their domains travel, keyed by position, so two items
    that share a domain each get their result and a retried batch doubles nothing. The Dask
    client is synchronous: it runs in a worker thread, and results come back to the caller's
    event loop through :func:`typorisk.kit.bridge.aiterate`. ``scheduler``, ``workers`` and
    ``batch_size`` as in :func:`resolve_dask`.
    """

    def __init__(
        self,
        spec: ResolveSpec,
        *,
        scheduler: str | None = None,
        workers: int = 2,
        batch_size: int = 2000,
    ) -> None:
        self.spec = spec
        self.scheduler = scheduler
        self.workers = workers
        self.batch_size = batch_size
        self.stats: ResolveStats | None = None
        """Not kept: each batch's client counts for itself, in its worker."""
        self.errors: list[str] = []
        self.notes: list[str] = []
        """A statistics line (names, seconds, names/s), once the run has ended."""

    async def resolve(
        self, items: Iterable[T], domain_of: Callable[[T], str]
    ) -> AsyncIterator[tuple[T, Resolution]]:
        """(item, resolution) pairs in completion order; ``domain_of(item)`` is the name."""
        started = time.monotonic()
        count = 0
        held: dict[int, T] = {}

        def rows() -> Iterator[Row]:
            for key, item in enumerate(items):
                held[key] = item
                yield {"domain": domain_of(item), "key": key}

        def pairs() -> Iterator[tuple[Row, Resolution]]:
            return resolve_dask(
                rows(),
                self.spec,
                scheduler=self.scheduler,
                workers=self.workers,
                batch_size=self.batch_size,
            )

        async for row, res in aiterate(pairs):
            count += 1
            yield held.pop(int(str(row["key"]))), res
        elapsed = time.monotonic() - started
        self.notes.append(
            f"typorisk: {count} names on Dask in {elapsed:.1f} s "
            f"({count / max(elapsed, 1e-9):,.0f} names/s)"
        )
