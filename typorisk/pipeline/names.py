"""``typorisk resolve``'s library call: plain names through the resolve stage alone, with the
same client, executors, check before the run and verdict as a scan (:mod:`typorisk.pipeline.core`).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable, Iterator

from typorisk.errors import TyporiskError
from typorisk.kit.bridge import iterate
from typorisk.parse.names import name_problem
from typorisk.pipeline.clients import Clients, default_clients
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import Processes, preflight_name
from typorisk.pipeline.summary import ScanSummary, judge, resolve_stage
from typorisk.resolve import Resolution


class AsyncResolveNames:
    """Resolve plain names (``typorisk resolve``): the resolve stage alone, with the same
    client, executors, check before the run and verdict as a scan. An async iterator of
    (name, :class:`Resolution`) in completion order."""

    def __init__(
        self, names: Iterable[str], options: ScanOptions, *, clients: Clients | None = None
    ) -> None:
        self.options = options.checked()
        self.summary = ScanSummary()
        self._names = self._guarded(names)
        clients = default_clients(self.options, given=clients)
        self._factory = clients.need("dns", clients.dns)
        self._processes = Processes(self.options, allowed=clients.resolves_from_options)
        self._input_error: TyporiskError | None = None

    def start_processes(self) -> None:
        """Start the resolver processes now, if the options ask for them (``processes``).
        Called from the caller's thread before the event loop's starts, so they can be forked
        cheaply; otherwise :meth:`__aiter__` starts them."""
        self._processes.start()

    def _guarded(self, names: Iterable[str]) -> Iterator[str]:
        """``names``, stopping cleanly at an input error (raised again once the names read
        before it are resolved and yielded)."""
        try:
            yield from names
        except TyporiskError as exc:
            self._input_error = exc

    def __aiter__(self) -> AsyncIterator[tuple[str, Resolution]]:
        return self._run()

    async def _run(self) -> AsyncIterator[tuple[str, Resolution]]:
        first = next(self._names, None)
        if first is None:
            if self._input_error is not None:
                raise self._input_error
            return
        names = itertools.chain([first], self._names)
        self.start_processes()
        try:
            async with self._factory() as client:
                # The first name has a known answer (it exists or not); one that is not a host
                # name cannot be asked, and the root zone is asked instead.
                probe = first.strip().rstrip(".").lower()
                probe = probe if name_problem(probe, min_labels=1) is None else "."
                self.summary.lines.extend(await preflight_name(client, probe))
                stage = resolve_stage(
                    client, names, self.options, self.summary, str, pool=self._processes.pool
                )
                async for name, res in stage:
                    self.summary.count(res)
                    yield name, res
        finally:
            self._processes.close()
        if self._input_error is not None:
            raise self._input_error
        judge(self.summary, self.options)


class ResolveNames:
    """The synchronous twin of :class:`AsyncResolveNames`."""

    def __init__(
        self, names: Iterable[str], options: ScanOptions, *, clients: Clients | None = None
    ) -> None:
        self._async = AsyncResolveNames(names, options, clients=clients)
        self.summary = self._async.summary

    def __iter__(self) -> Iterator[tuple[str, Resolution]]:
        self._async.start_processes()
        return iterate(self._async.__aiter__, name="typorisk-resolve")
