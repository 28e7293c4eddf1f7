"""Ranking as the scan's last stage, and the two payloads a scan yields (records or rows).

:class:`RankStage` reads records: :meth:`~RankStage.add` each (its observation is taken from
the record's facets, :func:`observation_of`), then
:meth:`~RankStage.drain` gives them back riskiest first, as the scan's payload with the risk
facet set. What waits for the drain is the payload's held form (a record, or its row: a row
pickles in a tenth of the time a record does) in a temporary SQLite spill, so memory holds only
what the graph signal needs (:class:`~typorisk.rank.Ranker`, :class:`~typorisk.rank.SqliteSpill`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Generic, Protocol, TypeVar

from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.record import (
    RiskFacet,
    ScanRecord,
    risk_facet,
)
from typorisk.pipeline.rows import BY_NAME, to_row
from typorisk.pipeline.summary import ScanSummary
from typorisk.rank import Ranker, RiskWeights, SqliteSpill
from typorisk.rank.facts import Observation, observation, owner_key

P = TypeVar("P")
H = TypeVar("H")
P_co = TypeVar("P_co", covariant=True)
Row = dict[str, object]


class Payload(Protocol[H, P_co]):
    """What a scan yields for a record (``P_co``), and what waits in the ranker's spill
    (``H``)."""

    def of(self, record: ScanRecord) -> P_co:
        """The payload of an unranked record."""
        ...

    def held(self, record: ScanRecord) -> H:
        """What waits in the spill for ``record``."""
        ...

    def ranked(self, held: H, facet: RiskFacet) -> P_co:
        """The payload of a held record, with its risk facet."""
        ...


class RecordPayload:
    """The scan yields :class:`ScanRecord` (ranked ones with their risk facet)."""

    def of(self, record: ScanRecord) -> ScanRecord:
        return record

    def held(self, record: ScanRecord) -> ScanRecord:
        return record

    def ranked(self, held: ScanRecord, facet: RiskFacet) -> ScanRecord:
        return dataclasses.replace(held, risk=facet)


@dataclasses.dataclass(frozen=True, slots=True)
class RowPayload:
    """The scan yields rows (:func:`~typorisk.pipeline.rows.to_row`; ``columns``: exactly
    those); the row waits in the spill instead of the record (same rows, less work)."""

    columns: Sequence[str] | None = None

    def of(self, record: ScanRecord) -> Row:
        return to_row(record, self.columns)

    def held(self, record: ScanRecord) -> Row:
        return to_row(record)

    def ranked(self, held: Row, facet: RiskFacet) -> Row:
        return with_risk(held, facet, self.columns)


class RankStage(Generic[H, P]):
    """Ranks a scan's records: :meth:`add` every one, then :meth:`drain` (riskiest first, as
    ``payload`` gives them); the findings go to ``summary`` before the first comes out."""

    def __init__(self, options: ScanOptions, summary: ScanSummary, payload: Payload[H, P]) -> None:
        weights = RiskWeights().with_overrides(dict(options.weights))
        self.ranker: Ranker[H] = Ranker(
            weights=weights, now=options.today or dt.date.today(), spill=SqliteSpill()
        )
        self.summary = summary
        self.payload = payload

    def add(self, record: ScanRecord) -> None:
        """One record (and its target's own MX/NS, the first time they are seen)."""
        ranker = self.ranker
        target = record.candidate.target
        if target not in ranker.own:
            own = own_observation(record)
            if own is not None:
                ranker.add_own(target, own)
        ranker.add(observation_of(record), self.payload.held(record))

    def drain(self) -> Iterator[P]:
        """Every record added, with its risk facet, riskiest first."""
        ranker = self.ranker
        for i, (r, held) in enumerate(ranker.ranked()):
            if i == 0:
                self.summary.findings = ranker.findings
            facet = risk_facet(
                r.risk, r.capture, r.defensive, r.reasons, dict(r.contributions), r.operation
            )
            yield self.payload.ranked(held, facet)
        self.summary.findings = ranker.findings


def with_risk(row: Row, facet: RiskFacet, columns: Sequence[str] | None) -> Row:
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


def observation_of(record: ScanRecord) -> Observation:
    """What ranking reads of ``record``: its facets' facts, cleaned as the same facts read from
    the record's row would be (``observation_from_row(to_row(record))``, without the row)."""
    c = record.candidate
    res, lookup, probe, web = record.resolution, record.registration, record.probe, record.web
    facts = lookup.facts if lookup is not None else None
    cert = web.cert if web is not None else None
    net = record.network
    return observation(
        target=c.target,
        domain=c.domain,
        suffix=c.suffix,
        likelihood=c.likelihood,
        weight=record.weight,
        kinds=c.kinds,
        registration=res.registration.value if res else None,
        lookup=lookup.status.value if lookup else None,
        mail=res.mail.value if res else None,
        mx=[m.host or "." for m in res.records.mx] if res else None,
        ns=res.records.ns if res else None,
        a=res.records.a if res else None,
        aaaa=res.records.aaaa if res else None,
        wildcard=res.wildcard if res else None,
        zone_wildcard=res.zone_wildcard if res else None,
        registrar=facts.registrar if facts else None,
        created=facts.created if facts else None,
        registrant=facts.registrant_org if facts else None,
        smtp=probe.verdict.value if probe else None,
        network_owner=owner_key(net.asn, net.asn_name, net.net_name) if net else None,
        web=web.web_class.value if web else None,
        web_similarity=web.similarity if web else None,
        web_cert_age_days=cert.age_days if cert else None,
        cert=cert.sha256 or None if cert else None,
        cert_names=cert.names if cert else None,
        favicon=web.favicon if web else None,
        fuzzy=web.fuzzy if web else None,
        block=c.blocked,
    )


def own_observation(record: ScanRecord) -> Observation | None:
    """The observation of the target's own domain (its MX and NS) that ``record`` carries, or
    ``None`` when it carries none (not resolved, or the target has neither)."""
    if record.resolution is None or not (record.target_mx or record.target_ns):
        return None
    target = record.candidate.target
    return observation(target=target, domain=target, mx=record.target_mx, ns=record.target_ns)
