"""Rank flat rows (as ``typorisk scan`` writes them): the bridge between stored results and
:func:`typorisk.rank.rank`, shared by ``rank``, ``scan`` and the review report."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from typorisk.rank.engine import RankResult, rank
from typorisk.rank.facts import Observation, observation_from_row
from typorisk.rank.score import RiskWeights

Row = Mapping[str, object]


def own_records(observed: Iterable[tuple[Observation, Row]]) -> dict[str, Observation]:
    """Targets' own MX/NS, from the ``target_mx``/``target_ns`` columns scan writes."""
    own: dict[str, Observation] = {}
    for obs, row in observed:
        mx, ns = row.get("target_mx"), row.get("target_ns")
        if obs.target not in own and (mx or ns):
            own[obs.target] = observation_from_row(
                {"target": obs.target, "domain": obs.target, "mx": mx, "ns": ns}
            )
    return own


def rank_rows(rows: Sequence[Row], weights: RiskWeights, today: dt.date | None) -> RankResult:
    """Rank rows: the :class:`RankResult` (``ranked`` riskiest first, and the findings)."""
    return _rank([(observation_from_row(row), row) for row in rows], weights, today)


def _rank(
    observed: list[tuple[Observation, Row]], weights: RiskWeights, today: dt.date | None
) -> RankResult:
    return rank((o for o, _ in observed), weights=weights, own=own_records(observed), now=today)


def ranked_rows(
    rows: Sequence[Row], weights: RiskWeights, today: dt.date | None
) -> tuple[list[dict[str, object]], RankResult]:
    """Rank rows; returns them riskiest first with ``risk``, ``capture``, ``defensive``,
    ``reasons`` and the flat ``contrib_<factor>`` columns set (no mapping cells), and the
    findings."""
    observed = [(observation_from_row(row), row) for row in rows]
    by_key = {(o.target, o.domain): row for o, row in observed}
    result = _rank(observed, weights, today)
    out: list[dict[str, object]] = []
    for r in result.ranked:
        row = dict(by_key[(r.obs.target, r.obs.domain)])
        row.update(
            risk=r.risk,
            capture=r.capture,
            defensive=r.defensive,
            reasons=list(r.reasons),
        )
        row.update({f"contrib_{k}": v for k, v in r.contributions.items()})
        out.append(row)
    return out, result
