"""``typorisk resolve``'s library call: a run whose source is the given names and whose only
stage is the resolve stage (the life cycle of every run: :mod:`typorisk.pipeline.lifecycle`).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterable, Iterator

from typorisk.errors import TyporiskError
from typorisk.parse.names import name_problem
from typorisk.pipeline.clients import Clients, default_clients
from typorisk.pipeline.lifecycle import AsyncRun, Resolve, Synced
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import preflight_name
from typorisk.pipeline.summary import ScanSummary
from typorisk.resolve import DnsClient, Resolution

Resolved = tuple[str, Resolution]


class Names:
    """The source of ``typorisk resolve``: plain names, one (name, :class:`Resolution`) each,
    in completion order. An input error (an unreadable line) stops the names cleanly; it is
    raised once the names read before it are resolved and yielded."""

    def __init__(self, names: Iterable[str], summary: ScanSummary) -> None:
        self._names = self._guarded(names)
        self._first: str | None = None
        self._input_error: TyporiskError | None = None
        self._summary = summary

    def _guarded(self, names: Iterable[str]) -> Iterator[str]:
        try:
            yield from names
        except TyporiskError as exc:
            self._input_error = exc

    def offline(self) -> None:
        """Names are always resolved."""
        return None

    def start(self) -> bool:
        """Read the first name (nothing to do without one)."""
        self._first = next(self._names, None)
        if self._first is None:
            self.end()
            return False
        return True

    async def preflight(self, client: DnsClient) -> list[str]:
        """Check the servers with the first name (it has a known answer: it exists or not); one
        that is not a host name cannot be asked, and the root zone is asked instead."""
        assert self._first is not None
        probe = self._first.strip().rstrip(".").lower()
        probe = probe if name_problem(probe, min_labels=1) is None else "."
        return await preflight_name(client, probe)

    async def stream(self, client: DnsClient, resolve: Resolve) -> AsyncIterator[Resolved]:
        assert self._first is not None
        names = itertools.chain([self._first], self._names)
        async for name, res in resolve(names, str):
            self._summary.count(res)
            yield name, res

    def end(self) -> None:
        if self._input_error is not None:
            raise self._input_error


class AsyncResolveNames(AsyncRun[Resolved]):
    """Resolve plain names (``typorisk resolve``): an async iterator of (name,
    :class:`Resolution`) in completion order; ``summary`` is final once it ends."""

    def __init__(
        self, names: Iterable[str], options: ScanOptions, *, clients: Clients | None = None
    ) -> None:
        options = options.checked()
        summary = ScanSummary()
        super().__init__(
            Names(names, summary), options, summary, default_clients(options, given=clients)
        )


class ResolveNames(Synced[Resolved]):
    """The synchronous twin of :class:`AsyncResolveNames` (the one sync adaptor)."""

    def __init__(
        self, names: Iterable[str], options: ScanOptions, *, clients: Clients | None = None
    ) -> None:
        super().__init__(
            AsyncResolveNames(names, options, clients=clients), name="typorisk-resolve"
        )
