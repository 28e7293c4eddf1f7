"""The one scan: parse → permute → resolve → register → probe → rank, as records.

:class:`AsyncScan` is the logic core (an async iterator of :class:`ScanRecord`); :func:`scan` is
its synchronous twin, the same core on a background event loop (:mod:`typorisk.kit.bridge`), the
way dnspython's ``_Resolution`` serves both its resolvers. Every command that scans (``scan``,
``run``, ``demo``) and the Dask executor go through here.

Memory does not grow with the candidates: they are generated, resolved and enriched as a stream,
and ranking (which needs every result before the first comes out) keeps in memory only what the
graph signal needs, per infrastructure key, while the records (or, for :meth:`Scan.rows`, their
rows) wait in a temporary SQLite file that also sorts them by risk
(:class:`~typorisk.rank.Ranker`, :class:`~typorisk.rank.SqliteSpill`). Measured with
``tests/benchmarks/bench_million.py``.

A scan ends with a :class:`ScanSummary`: what ran, and its :class:`Verdict`. A scan is
*incomplete* when it did not see the world: a name server failed the check made before resolving
(then nothing is resolved at all), a server stopped answering during the run, or more than
``max_unknown`` of the names stayed ``unknown``. Callers that replace files (feeds) must not
replace them after an incomplete scan.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from typorisk.errors import InvalidTargetError
from typorisk.kit.bridge import iterate
from typorisk.model import Candidate, Target
from typorisk.parse.targets import parse_target
from typorisk.permute import permute
from typorisk.permute.wordlists import read_word_files
from typorisk.pipeline.enrich import Enricher, check_enrich_options
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.record import RiskFacet, ScanRecord, risk_facet
from typorisk.pipeline.rows import BY_NAME, to_row
from typorisk.pipeline.servers import ClientFactory, Processes, client_factory, preflight
from typorisk.pipeline.summary import (
    ScanSummary,
    judge,
    resolve_stage,
    resolver,
)
from typorisk.pipeline.web import WebStage, shooter_of
from typorisk.rank import Ranker, RiskWeights, SqliteSpill
from typorisk.rank.rows import add_row
from typorisk.resolve import DnsClient, Resolution

R = TypeVar("R")
BATCH = 64
"""Records needing registration or a probe, enriched together."""


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


class AsyncScan:
    """One scan, as an async iterator of records (ranked riskiest first when ``options.rank``).

    Args:
        targets: domains (text), parsed targets, or :class:`ScanTarget`; invalid texts are
            collected in ``summary.rejected`` and the rest go on.
        options: how to scan.
        client: builds the DNS client (default: from ``options.nameservers``, or the system's).
    """

    def __init__(
        self,
        targets: Iterable[str | Target | ScanTarget],
        options: ScanOptions | None = None,
        *,
        client: ClientFactory | None = None,
    ) -> None:
        self.options = (options or ScanOptions()).checked()
        self.summary = ScanSummary()
        self.targets = scan_targets(targets, self.summary.rejected)
        check_enrich_options(self.options, {t.target.registrable for t in self.targets})
        shooter_of(self.options)  # screenshots asked without Chromium fail here
        self._factory = client or (client_factory(self.options) if self.options.resolve else None)
        self._processes = Processes(self.options, allowed=client is None and self.options.resolve)
        self.rank_inside = True
        """Rank before yielding (the sync twin ranks in its own thread, to survive Ctrl-C)."""

    def start_processes(self) -> None:
        """Start the resolver processes now, if the options ask for them (``processes``), as
        :meth:`AsyncResolveNames.start_processes` does: from the caller's thread before the
        event loop's starts, so they can be forked cheaply; otherwise :meth:`__aiter__` starts
        them. Only the candidates' resolution runs there; the targets' own records, the
        enrichment and ranking stay in this process."""
        self._processes.start()

    @property
    def ranks(self) -> bool:
        """Records come out ranked (DNS facts and ``options.rank``)."""
        return self.options.rank and self._factory is not None

    def __aiter__(self) -> AsyncIterator[ScanRecord]:
        return self._run()

    @property
    def weights(self) -> dict[str, float]:
        """Target fqdn → its weight."""
        return {st.target.fqdn: st.weight for st in self.targets}

    def offline(self) -> Iterator[ScanRecord]:
        """The records of a scan that does not resolve (candidates only)."""
        weight = self.weights
        for c in candidates(self.targets, self.options):
            self.summary.records += 1
            yield ScanRecord(c, weight=weight.get(c.target, 1.0))

    async def _run(self) -> AsyncIterator[ScanRecord]:
        weight = self.weights
        if not self.options.resolve or self._factory is None:
            for record in self.offline():
                yield record
            return
        self.start_processes()
        try:
            async with self._factory() as client:
                self.summary.lines.extend(await preflight(client, [t.target for t in self.targets]))
                if self.ranks and self.rank_inside:
                    ranker = self.ranker()
                    async for record in self._resolved(client, weight):
                        self.feed(ranker, record)
                    for record in self.emit(ranker):
                        yield record
                else:
                    async for record in self._resolved(client, weight):
                        yield record
        finally:
            self._processes.close()
        self._judge()

    async def _resolved(
        self, client: DnsClient, weight: dict[str, float]
    ) -> AsyncIterator[ScanRecord]:
        own = await own_records([t.target for t in self.targets], client, self.options)
        enricher = Enricher(self.options, client)
        web = WebStage(self.options, client) if self.options.web else None
        try:
            async with enricher, web or contextlib.nullcontext():
                stream = self._enriched(client, weight, own, enricher)
                async for record in web.over(stream) if web else stream:
                    yield record
        finally:
            self.summary.lines.extend(enricher.lines)  # after the stage closed: its totals
            self.summary.lines.extend(web.lines if web else ())

    async def _enriched(
        self,
        client: DnsClient,
        weight: dict[str, float],
        own: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
        enricher: Enricher,
    ) -> AsyncIterator[ScanRecord]:
        if self.options.zone_files:
            # zone-file mode decides every candidate: read the files once, for the names of one
            # pass over the candidates (permutation is deterministic: the second pass resolves)
            await enricher.read_zone_files(c.domain for c in candidates(self.targets, self.options))
        names = candidates(self.targets, self.options)
        pending: list[ScanRecord] = []
        async for cand, res in self._resolve(client, names):
            mx, ns = own.get(cand.target, ((), ()))
            record = ScanRecord(cand, weight.get(cand.target, 1.0), mx, ns, res)
            self.summary.count(res)
            if not enricher.active:
                yield record
            elif enricher.needs_work(record):
                pending.append(record)
                if len(pending) >= BATCH:
                    for done in await enricher.enrich(pending):
                        yield done
                    pending = []
            else:
                yield enricher.zone_only(record)
        for done in await enricher.enrich(pending) if pending else []:
            yield done

    def _resolve(
        self, client: DnsClient, names: Iterable[Candidate]
    ) -> AsyncIterator[tuple[Candidate, Resolution]]:
        return resolve_stage(
            client, names, self.options, self.summary, _domain_of, pool=self._processes.pool
        )

    def ranker(self) -> Ranker[Any]:
        """An empty ranker for this scan: its weights and date, and a temporary SQLite spill
        (records or rows wait on disk, not in memory; see :mod:`typorisk.rank.engine`)."""
        weights = RiskWeights().with_overrides(dict(self.options.weights))
        return Ranker(
            weights=weights, now=self.options.today or dt.date.today(), spill=SqliteSpill()
        )

    @staticmethod
    def feed(ranker: Ranker[ScanRecord], record: ScanRecord) -> None:
        """Give ``ranker`` one record (its row is what ranking reads)."""
        add_row(ranker, to_row(record), record)

    def emit(self, ranker: Ranker[ScanRecord]) -> Iterator[ScanRecord]:
        """The records fed to ``ranker`` with risk facets, riskiest first; the findings go to
        the summary before the first record comes out."""
        for i, (r, record) in enumerate(ranker.ranked()):
            if i == 0:
                self.summary.findings = ranker.findings
            yield dataclasses.replace(
                record,
                risk=risk_facet(
                    r.risk, r.capture, r.defensive, r.reasons, dict(r.contributions), r.operation
                ),
            )
        self.summary.findings = ranker.findings

    @staticmethod
    def feed_row(ranker: Ranker[dict[str, object]], record: ScanRecord) -> None:
        """Give ``ranker`` one record's row, which is also what comes back (a row pickles in
        a tenth of the time a record does)."""
        row = to_row(record)
        add_row(ranker, row, row)

    def emit_rows(
        self, ranker: Ranker[dict[str, object]], columns: Sequence[str] | None
    ) -> Iterator[dict[str, object]]:
        """The rows fed to ``ranker`` with the rank columns, riskiest first, as
        :func:`~typorisk.pipeline.rows.to_row` gives them (``columns``: exactly those)."""
        for i, (r, row) in enumerate(ranker.ranked()):
            if i == 0:
                self.summary.findings = ranker.findings
            facet = risk_facet(
                r.risk, r.capture, r.defensive, r.reasons, dict(r.contributions), r.operation
            )
            yield with_risk(row, facet, columns)
        self.summary.findings = ranker.findings

    def ranked(self, held: Iterable[ScanRecord]) -> list[ScanRecord]:
        """``held`` with risk facets, riskiest first; the findings go to the summary."""
        ranker = self.ranker()
        for record in held:
            self.feed(ranker, record)
        return list(self.emit(ranker))

    def _judge(self) -> None:
        judge(self.summary, self.options)


def with_risk(
    row: dict[str, object], facet: RiskFacet, columns: Sequence[str] | None
) -> dict[str, object]:
    """``row`` (:func:`to_row` of a record without risk) with ``facet``'s columns, as
    :func:`to_row` gives them for the record with that facet (``columns``: exactly those)."""
    row.update(
        risk=facet.risk,
        capture=facet.capture,
        defensive=facet.defensive,
        reasons=list(facet.reasons),
        operation=facet.operation,
    )
    row.update({f"contrib_{k}": v for k, v in facet.contributions})
    if columns is None:
        return row
    return {name: row.get(name, [] if _is_list(name) else None) for name in columns}


def _is_list(name: str) -> bool:
    column = BY_NAME.get(name)
    return column is not None and column.type == "list"


def _domain_of(candidate: Candidate) -> str:
    """The name a candidate's DNS facts are about: the typed name when it lies below someone
    else's registrable domain (does ``cha.se.com`` itself receive mail?), else the domain."""
    return candidate.blocked


async def own_records(
    targets: Sequence[Target], client: DnsClient, options: ScanOptions
) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Each target's own MX hosts and NS (target fqdn → (MX, NS)), to recognise defensive
    registrations."""
    by_domain: dict[str, list[str]] = {}
    for target in targets:
        by_domain.setdefault(target.registrable, []).append(target.fqdn)
    own: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
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
    """The synchronous twin of :class:`AsyncScan`: iterate it for records; ``summary`` is
    final once the iteration ends (also after Ctrl-C, for what ran)."""

    def __init__(
        self,
        targets: Iterable[str | Target | ScanTarget],
        options: ScanOptions | None = None,
        *,
        client: ClientFactory | None = None,
    ) -> None:
        self._async = AsyncScan(targets, options, client=client)
        self.summary = self._async.summary
        self.targets = self._async.targets

    def __iter__(self) -> Iterator[ScanRecord]:
        if not self._async.options.resolve:
            return self._async.offline()  # no I/O: no event loop, no thread
        self._async.start_processes()
        if not self._async.ranks:
            return iterate(self._async.__aiter__, name="typorisk-scan")
        self._async.rank_inside = False
        ranker = self._async.ranker()
        return self._then(lambda r: self._async.feed(ranker, r), self._async.emit(ranker))

    def rows(self, columns: Sequence[str] | None = None) -> Iterator[dict[str, object]]:
        """The records as rows (:func:`~typorisk.pipeline.rows.to_row`; ``columns``: exactly
        those), in the order iterating gives them. What the CLI and feeds write: when ranking,
        the rows wait in the spill rather than the records (same rows, less work)."""
        if not self._async.options.resolve or not self._async.ranks:
            return (to_row(record, columns) for record in self)
        self._async.start_processes()
        self._async.rank_inside = False
        ranker = self._async.ranker()
        return self._then(
            lambda r: self._async.feed_row(ranker, r), self._async.emit_rows(ranker, columns)
        )

    def _then(self, feed: Callable[[ScanRecord], None], ranked: Iterator[R]) -> Iterator[R]:
        """Run the scan giving every record to ``feed`` (the ranker), then yield ``ranked``
        (riskiest first); on Ctrl-C, the settled ones first, then the interrupt."""
        interrupted = False
        try:
            for record in iterate(self._async.__aiter__, name="typorisk-scan"):
                feed(record)
        except KeyboardInterrupt:
            interrupted = True
        yield from ranked
        if interrupted:
            raise KeyboardInterrupt


def scan(
    targets: Iterable[str | Target | ScanTarget],
    options: ScanOptions | None = None,
    *,
    client: ClientFactory | None = None,
) -> Scan:
    """Scan ``targets``: iterate the result for :class:`ScanRecord`, then read its ``summary``.

    Raises :class:`~typorisk.errors.ResolverUnreachableError` (when iteration starts) if a name
    server fails the check made before resolving, and other
    :class:`~typorisk.errors.TyporiskError` subclasses for unusable options.
    """
    return Scan(targets, options, client=client)


def ascan(
    targets: Iterable[str | Target | ScanTarget],
    options: ScanOptions | None = None,
    *,
    client: ClientFactory | None = None,
) -> AsyncScan:
    """The async twin of :func:`scan`: ``async for record in ascan(...)``."""
    return AsyncScan(targets, options, client=client)
