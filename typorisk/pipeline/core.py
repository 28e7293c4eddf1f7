"""The one scan: parse → permute → resolve → register → probe → web → rank.

A scan is a source of names (the targets' candidates, :class:`Targets`), stages (resolve,
register and probe, web, rank) and a payload (records, or rows): the life cycle it shares with
``typorisk resolve`` is :class:`~typorisk.pipeline.lifecycle.AsyncRun`. :class:`AsyncScan` is
the logic core (an async iterator of :class:`ScanRecord`); :class:`Scan` (:func:`scan`) is its
synchronous twin, the same core driven by the one sync adaptor
(:class:`~typorisk.pipeline.lifecycle.Synced`). Every command that scans (``scan``, ``run``,
``demo``) and the Dask executor go through here; every connection goes through the scan's
:class:`~typorisk.pipeline.clients.Clients`.

Memory does not grow with the candidates: they are generated, resolved and enriched as a stream,
and ranking (:class:`~typorisk.pipeline.ranking.RankStage`, which needs every result before the
first comes out) keeps in memory only what the graph signal needs, per infrastructure key, while
the records (or, for :meth:`Scan.rows`, their rows) wait in a temporary SQLite file that also
sorts them by risk. Measured with ``tests/benchmarks/bench_million.py``.

A scan ends with a :class:`ScanSummary`: what ran, and its :class:`Verdict`. A scan is
*incomplete* when it did not see the world: a name server failed the check made before resolving
(then nothing is resolved at all), a server stopped answering during the run, or more than
``max_unknown`` of the names stayed ``unknown``. Callers that replace files (feeds) must not
replace them after an incomplete scan.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from typorisk.errors import InvalidTargetError
from typorisk.model import Candidate, Target
from typorisk.parse.targets import parse_target
from typorisk.permute import permute
from typorisk.permute.wordlists import read_word_files
from typorisk.pipeline.clients import Clients, default_clients
from typorisk.pipeline.enrich import Enricher, check_enrich_options
from typorisk.pipeline.lifecycle import AsyncRun, Resolve, Synced, resolver
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.ranking import Payload, RankStage, RecordPayload, RowPayload
from typorisk.pipeline.record import ScanRecord
from typorisk.pipeline.servers import preflight
from typorisk.pipeline.summary import ScanSummary
from typorisk.pipeline.web import WebStage, shooter_of
from typorisk.resolve import DnsClient

P = TypeVar("P")
Own = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
"""Target fqdn → its own (MX hosts, NS)."""


@dataclass(frozen=True, slots=True)
class ScanTarget:
    """A protected name with its feed settings."""

    target: Target
    weight: float = 1.0
    """Multiplies likelihood and risk (> 0)."""
    top: int | None = None
    """Candidates kept for this target (overrides :attr:`ScanOptions.top`)."""


def scan_targets(
    targets: Iterable[str | Target | ScanTarget], rejected: list[InvalidTargetError]
) -> list[ScanTarget]:
    """Targets as :class:`ScanTarget`; invalid texts are appended to ``rejected``."""
    out = []
    for item in targets:
        if isinstance(item, ScanTarget):
            out.append(item)
        elif isinstance(item, Target):
            out.append(ScanTarget(item))
        else:
            try:
                out.append(ScanTarget(parse_target(item)))
            except InvalidTargetError as exc:
                rejected.append(exc)
    return out


def candidates(targets: Sequence[ScanTarget], options: ScanOptions) -> Iterator[Candidate]:
    """Every target's candidates, most likely first within each target (streamed)."""
    words = read_word_files(options.words)
    for st in targets:
        yield from permute(
            [st.target],
            kinds=options.kinds or None,
            exclude_kinds=options.exclude_kinds or None,
            top=st.top or options.top,
            words=words,
            tld=options.tld,
            two_edit_top=options.two_edit_top,
        )


class Targets:
    """The source of a scan: the targets' candidates (:func:`candidates`), resolved into
    :class:`ScanRecord` and carried through the register/probe and web stages."""

    def __init__(
        self,
        targets: Sequence[ScanTarget],
        options: ScanOptions,
        clients: Clients,
        summary: ScanSummary,
    ) -> None:
        self.targets = targets
        self.options = options
        self.clients = clients
        self.summary = summary
        self.weight = {st.target.fqdn: st.weight for st in targets}
        """Target fqdn → its weight."""

    def offline(self) -> Iterator[ScanRecord]:
        """The records of a scan that does not resolve (candidates only)."""
        for c in candidates(self.targets, self.options):
            self.summary.records += 1
            yield ScanRecord(c, weight=self.weight.get(c.target, 1.0))

    def start(self) -> bool:
        """Always work to do (a scan without candidates still checks its servers)."""
        return True

    async def preflight(self, client: DnsClient) -> list[str]:
        """Check the servers with the first target's registrable domain."""
        return await preflight(client, [t.target for t in self.targets])

    def end(self) -> None:
        """Nothing held: invalid targets are in ``summary.rejected`` from the start."""

    async def stream(self, client: DnsClient, resolve: Resolve) -> AsyncIterator[ScanRecord]:
        """Resolved records through the register/probe stage and the web stage."""
        own = await own_records([t.target for t in self.targets], client, self.options)
        enricher = Enricher(self.options, self.clients, client)
        web = WebStage(self.options, self.clients, client) if self.options.web else None
        try:
            async with enricher, web or contextlib.nullcontext():
                if self.options.zone_files:
                    # zone-file mode decides every candidate: the files are read once, for the
                    # names of one pass over the candidates (permutation is deterministic)
                    names = candidates(self.targets, self.options)
                    await enricher.read_zone_files(c.domain for c in names)
                stream = enricher.over(self._resolved(resolve, own))
                async for record in web.over(stream) if web else stream:
                    yield record
        finally:
            self.summary.lines.extend(enricher.lines)  # after the stage closed: its totals
            self.summary.lines.extend(web.lines if web else ())

    async def _resolved(self, resolve: Resolve, own: Own) -> AsyncIterator[ScanRecord]:
        names = candidates(self.targets, self.options)
        async for cand, res in resolve(names, _domain_of):
            mx, ns = own.get(cand.target, ((), ()))
            self.summary.count(res)
            yield ScanRecord(cand, self.weight.get(cand.target, 1.0), mx, ns, res)


class AsyncScan:
    """One scan, as an async iterator of records (ranked riskiest first when ``options.rank``).

    Args:
        targets: domains (text), parsed targets, or :class:`ScanTarget`; invalid texts are
            collected in ``summary.rejected`` and the rest go on.
        options: how to scan.
        clients: the clients the scan talks to the world through, one per protocol (DNS,
            RDAP's HTTP, web, WHOIS, SMTP, the registration cache); slots left ``None`` are
            filled by :func:`~typorisk.pipeline.clients.default_clients`.
    """

    def __init__(
        self,
        targets: Iterable[str | Target | ScanTarget],
        options: ScanOptions | None = None,
        *,
        clients: Clients | None = None,
    ) -> None:
        self.options = (options or ScanOptions()).checked()
        self.summary = ScanSummary()
        self.targets = scan_targets(targets, self.summary.rejected)
        check_enrich_options(self.options, {t.target.registrable for t in self.targets})
        shooter_of(self.options)  # screenshots asked without Chromium fail here
        self.clients = default_clients(self.options, given=clients)
        source = Targets(self.targets, self.options, self.clients, self.summary)
        self.run = AsyncRun(source, self.options, self.summary, self.clients)

    @property
    def ranks(self) -> bool:
        """Records come out ranked (DNS facts and ``options.rank``)."""
        return self.options.rank and self.run.resolves

    def start_processes(self) -> None:
        """Start the resolver processes now (see :meth:`AsyncRun.start_processes`)."""
        self.run.start_processes()

    def rank_stage(self, payload: Payload[Any, P]) -> RankStage[Any, P]:
        """An empty rank stage for this scan (its weights and date) giving ``payload``."""
        return RankStage(self.options, self.summary, payload)

    def __aiter__(self) -> AsyncIterator[ScanRecord]:
        return self.payloads(RecordPayload())

    async def payloads(self, payload: Payload[Any, P]) -> AsyncIterator[P]:
        """The scan's records as ``payload`` gives them (ranked when :attr:`ranks`)."""
        if not self.ranks:
            async for record in self.run:
                yield payload.of(record)
            return
        stage = self.rank_stage(payload)
        async for record in self.run:
            stage.add(record)
        for ranked in stage.drain():
            yield ranked


def _domain_of(candidate: Candidate) -> str:
    """The name a candidate's DNS facts are about: the typed name when it lies below someone
    else's registrable domain (does ``cha.se.com`` itself receive mail?), else the domain."""
    return candidate.blocked


async def own_records(targets: Sequence[Target], client: DnsClient, options: ScanOptions) -> Own:
    """Each target's own MX hosts and NS (target fqdn → (MX, NS)), to recognise defensive
    registrations."""
    by_domain: dict[str, list[str]] = {}
    for target in targets:
        by_domain.setdefault(target.registrable, []).append(target.fqdn)
    own: Own = {}
    resolve = resolver(client, options)
    async for domain, resolution in resolve.run(list(by_domain)):
        facts = (
            tuple(m.host for m in resolution.records.mx if m.host),
            tuple(resolution.records.ns),
        )
        for fqdn in by_domain[domain]:
            own[fqdn] = facts
    return own


class Scan:
    """The synchronous twin of :class:`AsyncScan`: iterate it for records, or :meth:`rows`;
    ``summary`` is final once the iteration ends (also after Ctrl-C, for what ran). Ranking
    runs in the caller's thread, so that Ctrl-C still gives the names settled so far."""

    def __init__(
        self,
        targets: Iterable[str | Target | ScanTarget],
        options: ScanOptions | None = None,
        *,
        clients: Clients | None = None,
    ) -> None:
        self._async = AsyncScan(targets, options, clients=clients)
        self.summary = self._async.summary
        self.targets = self._async.targets

    def __iter__(self) -> Iterator[ScanRecord]:
        return self.payloads(RecordPayload())

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[dict[str, object]]:
        """The records as rows (:func:`~typorisk.pipeline.rows.to_row`; ``columns``: exactly
        those), in the order iterating gives them. What the CLI and feeds write: when ranking,
        the rows wait in the spill rather than the records (same rows, less work)."""
        return self.payloads(RowPayload(columns))

    def payloads(self, payload: Payload[Any, P]) -> Iterator[P]:
        """The scan's records as ``payload`` gives them (ranked when the scan ranks)."""
        records = Synced(self._async.run, name="typorisk-scan")
        if not self._async.ranks:
            return (payload.of(record) for record in records)
        return _ranked(records, self._async.rank_stage(payload))


def _ranked(records: Iterable[ScanRecord], stage: RankStage[Any, P]) -> Iterator[P]:
    """Give every record to ``stage``, then yield its drain (riskiest first); on Ctrl-C, the
    settled ones first, then the interrupt."""
    interrupted = False
    try:
        for record in records:
            stage.add(record)
    except KeyboardInterrupt:
        interrupted = True
    yield from stage.drain()
    if interrupted:
        raise KeyboardInterrupt


def scan(
    targets: Iterable[str | Target | ScanTarget],
    options: ScanOptions | None = None,
    *,
    clients: Clients | None = None,
) -> Scan:
    """Scan ``targets``: iterate the result for :class:`ScanRecord`, then read its ``summary``.

    Raises :class:`~typorisk.errors.ResolverUnreachableError` (when iteration starts) if a name
    server fails the check made before resolving, and other
    :class:`~typorisk.errors.TyporiskError` subclasses for unusable options.
    """
    return Scan(targets, options, clients=clients)


def ascan(
    targets: Iterable[str | Target | ScanTarget],
    options: ScanOptions | None = None,
    *,
    clients: Clients | None = None,
) -> AsyncScan:
    """The async twin of :func:`scan`: ``async for record in ascan(...)``."""
    return AsyncScan(targets, options, clients=clients)
