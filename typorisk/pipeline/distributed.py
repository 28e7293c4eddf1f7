"""The resolve stage of a scan on Dask workers (``executor: dask``): the executor, as the
scan's options say (:class:`typorisk.resolve.dask.DaskExecutor`)."""

from __future__ import annotations

from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import resolve_spec
from typorisk.resolve.dask import DaskExecutor


def dask_executor(options: ScanOptions) -> DaskExecutor:
    """The Dask executor for ``options`` (scheduler, workers, batch size, resolver settings)."""
    return DaskExecutor(
        resolve_spec(options, batches=True),
        scheduler=options.scheduler,
        workers=options.workers,
        batch_size=options.batch_size,
    )
