"""Where the resolve stage runs, behind one interface: this event loop, processes, or Dask.

:class:`Executor` is what a scan needs of it: ``(item, resolution)`` pairs for every item, each
exactly once, in completion order, then the run's statistics and whatever left it incomplete.
The three executors:

- :class:`LocalExecutor`: one :class:`~typorisk.resolve.scanner.ResolveScan` in this loop;
- :class:`~typorisk.resolve.shards.ShardPool`: one engine per process of this host;
- :class:`~typorisk.resolve.dask.DaskExecutor`: batches on Dask workers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from typing import Protocol

from typorisk.resolve.records import Resolution, ResolveStats
from typorisk.resolve.scanner import ResolveScan, T


class Executor(Protocol):
    """Runs the resolve stage over a stream of items."""

    @property
    def stats(self) -> ResolveStats | None:
        """The run's statistics once :meth:`resolve` has ended (``None``: not kept here)."""
        ...

    @property
    def errors(self) -> list[str]:
        """Why the run is incomplete (a process that stopped...), one line each."""
        ...

    @property
    def notes(self) -> list[str]:
        """Statistics lines for the user, once :meth:`resolve` has ended."""
        ...

    def resolve(
        self, items: Iterable[T], domain_of: Callable[[T], str]
    ) -> AsyncIterator[tuple[T, Resolution]]:
        """``(item, resolution)`` for every item (a name or a candidate), in completion order,
        each exactly once; ``domain_of(item)`` is the name to ask where only names travel
        (processes, Dask)."""
        ...


class LocalExecutor:
    """The resolve stage in this event loop: ``scan`` over its client."""

    def __init__(self, scan: ResolveScan) -> None:
        self.scan = scan
        self.errors: list[str] = []
        self.notes: list[str] = []

    @property
    def stats(self) -> ResolveStats:
        """The scan's statistics (final once :meth:`resolve` has ended)."""
        return self.scan.stats()

    def resolve(
        self, items: Iterable[T], domain_of: Callable[[T], str]
    ) -> AsyncIterator[tuple[T, Resolution]]:
        """As :meth:`Executor.resolve`: the engine's own stream (no layer between). The engine
        reads each item itself (a name, or a candidate with its suffix), so ``domain_of`` is
        not needed here."""
        return self.scan.run(items)
