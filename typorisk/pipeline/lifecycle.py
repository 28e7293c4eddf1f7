"""The one life cycle of a run that resolves: a source of names, the resolve stage, the verdict.

Every run goes the same way (:class:`AsyncRun`): the source says whether there is work; the
resolver processes start (from the caller's thread when the sync adaptor drives it, so they
fork cheaply); the DNS client of :class:`~typorisk.pipeline.clients.Clients` opens in the run's
loop; every server is checked with a name of known answer (:mod:`typorisk.pipeline.servers`);
the source streams its items through the resolve stage (:func:`resolve_stage`, on this loop,
the processes or Dask) and whatever stages it has; the processes close; the summary gets its
verdict (:func:`~typorisk.pipeline.summary.judge`). :class:`Synced` is the one synchronous
adaptor over it (the same core on a background event loop, :mod:`typorisk.kit.bridge`, the way
dnspython's ``_Resolution`` serves both its resolvers).

Two sources exist: a scan's targets (:class:`~typorisk.pipeline.core.Targets`: permutation,
then records through the register, probe and web stages) and ``typorisk resolve``'s plain names
(:class:`~typorisk.pipeline.names.Names`). This module imports neither ranking (networkx) nor
aiohttp, so ``typorisk resolve`` starts without them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

from typorisk.kit.bridge import iterate
from typorisk.pipeline.clients import Clients
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import Processes, resolve_spec
from typorisk.pipeline.summary import ScanSummary, judge
from typorisk.resolve import DnsClient, Resolution, ResolveScan
from typorisk.resolve.executor import Executor, LocalExecutor
from typorisk.resolve.scanner import T as I  # an item resolved: a candidate, or a name

if TYPE_CHECKING:
    from typorisk.resolve.shards import ShardPool

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Resolve(Protocol):
    """The resolve stage of a run, bound to its client, options, summary and processes."""

    def __call__(
        self, names: Iterable[I], domain_of: Callable[[I], str]
    ) -> AsyncIterator[tuple[I, Resolution]]: ...


class NameSource(Protocol[T_co]):
    """Where a run's items come from, and what becomes of them once resolved."""

    def offline(self) -> Iterator[T_co] | None:
        """The items of a run that does not resolve; ``None``: this source always resolves."""
        ...

    def start(self) -> bool:
        """Whether there is anything to resolve (called once, before the processes start)."""
        ...

    async def preflight(self, client: DnsClient) -> list[str]:
        """Check the name servers (warning lines; raises when one is dead)."""
        ...

    def stream(self, client: DnsClient, resolve: Resolve) -> AsyncIterator[T_co]:
        """The items, resolved through ``resolve`` (and the source's own stages)."""
        ...

    def end(self) -> None:
        """Called once every item came out (raises an input error held until then)."""
        ...


class AsyncRun(Generic[T]):
    """One run of ``source`` (see the module docstring): an async iterator of its items."""

    def __init__(
        self, source: NameSource[T], options: ScanOptions, summary: ScanSummary, clients: Clients
    ) -> None:
        self.source = source
        self.options = options
        self.summary = summary
        self.clients = clients
        self._processes = Processes(options, allowed=clients.resolves_from_options)

    @property
    def resolves(self) -> bool:
        """The run resolves (a DNS client, and the options or the source ask for it)."""
        return self.clients.dns is not None and (
            self.options.resolve or self.source.offline() is None
        )

    def start_processes(self) -> None:
        """Start the resolver processes the options ask for (``processes``), now: from the
        caller's thread before the event loop's starts, so they can be forked cheaply;
        otherwise the run starts them. Only the resolution runs there."""
        self._processes.start()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._run()

    async def _run(self) -> AsyncIterator[T]:
        offline = None if self.resolves else self.source.offline()
        if offline is not None:
            for item in offline:
                yield item
            return
        if not self.source.start():
            return
        dns = self.clients.need("dns", self.clients.dns)
        self.start_processes()
        try:
            async with dns() as client:
                self.summary.lines.extend(await self.source.preflight(client))

                def resolve(
                    names: Iterable[I], domain_of: Callable[[I], str]
                ) -> AsyncIterator[tuple[I, Resolution]]:
                    return resolve_stage(
                        client,
                        names,
                        self.options,
                        self.summary,
                        domain_of,
                        pool=self._processes.pool,
                    )

                async for item in self.source.stream(client, resolve):
                    yield item
        finally:
            self._processes.close()
        self.source.end()
        judge(self.summary, self.options)


class Synced(Generic[T]):
    """The synchronous adaptor of an :class:`AsyncRun`: iterate it for the run's items;
    ``summary`` is final once the iteration ends. A run that does not resolve needs no I/O:
    no event loop, no thread."""

    def __init__(self, run: AsyncRun[T], *, name: str = "typorisk-run") -> None:
        self.run = run
        self.summary = run.summary
        self.name = name

    def __iter__(self) -> Iterator[T]:
        offline = None if self.run.resolves else self.run.source.offline()
        if offline is not None:
            return offline
        self.run.start_processes()
        return iterate(self.run.__aiter__, name=self.name)


async def resolve_stage(
    client: DnsClient,
    names: Iterable[I],
    options: ScanOptions,
    summary: ScanSummary,
    domain_of: Callable[[I], str],
    *,
    pool: ShardPool | None = None,
) -> AsyncIterator[tuple[I, Resolution]]:
    """The resolve stage on the executor ``options`` name: in this loop over ``client`` (its
    statistics go to ``summary.dns``), on the processes of ``pool`` (their statistics merged;
    a process that stopped makes the run incomplete), or on Dask workers (a statistics line)."""
    executor: Executor
    if pool is not None:
        executor = pool
    elif options.executor == "dask":
        from typorisk.pipeline.distributed import dask_executor  # noqa: PLC0415

        executor = dask_executor(options)
    else:
        executor = LocalExecutor(resolver(client, options))
    try:
        async for pair in executor.resolve(names, domain_of):
            yield pair
    finally:
        summary.dns = executor.stats
        for reason in executor.errors:
            summary.incomplete(reason)
        summary.lines.extend(executor.notes)


def resolver(client: DnsClient, options: ScanOptions) -> ResolveScan:
    """The resolve stage over ``client``, as ``options`` say."""
    return resolve_spec(options, servers=False).scan(client)
