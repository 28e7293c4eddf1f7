"""Rank flat rows (as ``typorisk scan`` writes them): the bridge between stored results and
:class:`typorisk.rank.Ranker`, shared by ``rank``, ``scan`` and the review report."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from typorisk.rank.facts import Observation, observation_from_row
from typorisk.rank.ranker import Ranker, RankResult, rank
from typorisk.rank.score import RiskWeights

Row = Mapping[str, object]
P = TypeVar("P")


def own_records(observed: Iterable[tuple[Observation, Row]]) -> dict[str, Observation]:
    """Targets' own MX/NS, from the ``target_mx``/``target_ns`` columns scan writes."""
    own: dict[str, Observation] = {}
    for obs, row in observed:
        found = own_of_row(own, obs, row)
        if found is not None:
            own[obs.target] = found
    return own


def own_of_row(own: Mapping[str, Observation], obs: Observation, row: Row) -> Observation | None:
    """The target's own records in ``row`` (its ``target_mx``/``target_ns`` columns) when
    ``own`` has none for the target yet and the row has some, else None."""
    mx, ns = row.get("target_mx"), row.get("target_ns")
    if obs.target in own or not (mx or ns):
        return None
    return observation_from_row({"target": obs.target, "domain": obs.target, "mx": mx, "ns": ns})


def add_row(ranker: Ranker[P], row: Row, payload: P) -> Observation:
    """Give ``ranker`` one scan row (and its own-records columns); returns its observation.
    Raises :class:`~typorisk.errors.RankInputError` for a row ranking cannot read."""
    obs = observation_from_row(row)
    own = own_of_row(ranker.own, obs, row)
    if own is not None:
        ranker.add_own(obs.target, own)
    ranker.add(obs, payload)
    return obs


def rank_rows(rows: Sequence[Row], weights: RiskWeights, today: dt.date | None) -> RankResult:
    """Rank rows: the :class:`RankResult` (``ranked`` riskiest first, and the findings)."""
    observed = [(observation_from_row(row), row) for row in rows]
    return rank((o for o, _ in observed), weights=weights, own=own_records(observed), now=today)


def ranked_rows(
    rows: Sequence[Row], weights: RiskWeights, today: dt.date | None
) -> tuple[list[dict[str, object]], RankResult]:
    """Rank rows; returns them riskiest first with ``risk``, ``capture``, ``defensive``,
    ``reasons``, ``operation`` and the flat ``contrib_<factor>`` columns set (no mapping
    cells), and the findings."""
    ranker: Ranker[Row] = Ranker(weights=weights, now=today)
    for row in rows:
        add_row(ranker, row, row)
    out: list[dict[str, object]] = []
    ranked = []
    for r, source in ranker.ranked():
        ranked.append(r)
        row = dict(source)
        row.update(
            risk=r.risk,
            capture=r.capture,
            defensive=r.defensive,
            reasons=list(r.reasons),
            operation=r.operation,
        )
        row.update({f"contrib_{k}": v for k, v in r.contributions.items()})
        out.append(row)
    assert ranker.findings is not None
    return out, dataclasses.replace(ranker.findings, ranked=tuple(ranked))
