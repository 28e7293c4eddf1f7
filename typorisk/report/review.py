"""A periodic threat review, built from the store: what is riskiest, what is new, who runs it.

:func:`build_review` reads the store (the only I/O here); what to do is a pure function of the
review (:mod:`typorisk.report.actions`), and so is rendering (:mod:`typorisk.report.render`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from typorisk.errors import TyporiskError
from typorisk.rank import RankResult, RiskWeights
from typorisk.rank.rows import ranked_rows
from typorisk.store import Change, Diff, Run, Store, alerts, diff


@dataclass(frozen=True, slots=True)
class Trend:
    """Per-run totals, for the charts."""

    run: int
    started: str
    """ISO 8601 UTC."""
    registered: int
    """Registered candidates (domains)."""
    mail: int
    """Registered candidates that can receive mail (MX or implicit), domains."""
    candidates: int = 0
    """Candidates observed in the run."""


@dataclass(frozen=True, slots=True)
class WatchHit:
    """A look-alike the watch stage saw appear (certificate transparency, zone diffs, feeds)."""

    domain: str
    target: str
    seen: str
    """When it was seen, as the store gives it (ISO 8601 UTC), or ``""``."""
    source: str
    """Where it was seen (``ct``, ``zone``...), or ``""``."""


@dataclass(frozen=True, slots=True)
class Review:
    """Everything a review shows. ``rows`` are riskiest first."""

    feed: str | None
    run: Run
    baseline: Run | None
    rows: list[dict[str, object]]
    findings: RankResult
    changes: Diff
    trend: list[Trend]
    threshold: float
    """Risk at or above which a finding is high risk, in [0, 1]."""
    alerts: tuple[Change, ...] = ()
    """The names high risk now that were not before (newly registered, newly mail-capable,
    newly over the threshold; :func:`typorisk.store.alerts`): the exit code 3 of ``review``."""
    incomplete: tuple[Run, ...] = ()
    """Runs of the feed newer than ``run`` that did not complete (a dead resolver, too many
    unknown names, a crash): the review says so first."""
    watch_hits: tuple[WatchHit, ...] | None = None
    """New look-alikes the watch stage recorded since the baseline; ``None`` when the store
    keeps no watch hits (the section is then left out)."""
    seen: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Members of the findings' operations → (first seen registered, else first seen; last
    seen) in the store (ISO 8601 UTC, earliest and latest over the domain's targets)."""

    @property
    def new_high_risk(self) -> list[Change]:
        """:attr:`alerts` as a list: one per candidate, riskiest first. A name already high
        risk at the baseline that only rose is in :attr:`changes`, not here."""
        return list(self.alerts)

    def capture_counts(self) -> Counter[str]:
        """Candidates by capture capability."""
        return Counter(str(r.get("capture")) for r in self.rows)

    def risk_histogram(self, bins: int = 10) -> list[int]:
        """Candidates per risk decile (0–0.1, ..., 0.9–1.0)."""
        counts = [0] * bins
        for r in self.rows:
            risk = float(r.get("risk") or 0.0)  # type: ignore[arg-type]
            counts[min(int(risk * bins), bins - 1)] += 1
        return counts


def _field(hit: object, *names: str) -> str:
    for name in names:
        value = hit.get(name) if isinstance(hit, Mapping) else getattr(hit, name, None)
        if value is not None and value != "":
            return str(value)
    return ""


def watch_hits(store: Store, since: str | None) -> tuple[WatchHit, ...] | None:
    """The store's watch hits since ``since`` (ISO 8601; ``None``: all), or ``None`` when this
    store has no ``watch_hits`` (an older schema). A hit is a mapping or an object with
    ``domain`` and ``target``, and ``seen``/``first_seen`` and ``source`` when known."""
    reader = getattr(store, "watch_hits", None)
    if reader is None:
        return None
    found: Iterable[object] = reader(since=since)
    return tuple(
        WatchHit(
            domain=_field(h, "domain"),
            target=_field(h, "target"),
            seen=_field(h, "seen", "first_seen", "when"),
            source=_field(h, "source", "kind"),
        )
        for h in found
    )


def _keyed(rows: list[dict[str, object]]) -> dict[tuple[str, str], dict[str, object]]:
    return {(str(r["target"]), str(r["domain"])): r for r in rows}


def _baseline(store: Store, run: Run, since: str | None) -> Run | None:
    if since is None:
        return store.latest(run.feed, before=run.id)
    if since.isdigit():
        return store.run(int(since))
    try:
        day = dt.date.fromisoformat(since)
    except ValueError as exc:
        raise TyporiskError(f"--since {since!r}: give a run number or a date (YYYY-MM-DD)") from exc
    older = [
        r for r in store.runs(run.feed) if r.status == "complete" and r.started[:10] <= str(day)
    ]
    return older[-1] if older and older[-1].id != run.id else None


def build_review(
    store: Store,
    *,
    feed: str | None = None,
    since: str | None = None,
    threshold: float = 0.5,
    today: dt.date | None = None,
    weights: RiskWeights | None = None,
) -> Review:
    """Review the newest complete run (of ``feed``) against ``since`` (a run id or a date;
    default: the previous complete run). Raises when there is no complete run."""
    run = store.latest(feed)
    if run is None:
        raise TyporiskError("no complete run to review; run 'typorisk run FEED' or record a scan")
    baseline = _baseline(store, run, since)
    w = weights or RiskWeights()
    rows, findings = ranked_rows(list(store.observations(run.id).values()), w, today)
    before: list[dict[str, object]] = []
    if baseline is not None:
        before, _ = ranked_rows(list(store.observations(baseline.id).values()), w, today)
    # both runs scored by today's weights, so a risk change is a change in facts, not in weights
    changes = diff(_keyed(before), _keyed(rows))
    new_high = alerts(_keyed(before), _keyed(rows), threshold)
    trend = []
    for past in store.runs(run.feed):
        if past.status != "complete" or past.id > run.id:
            continue
        seen = store.observations(past.id).values()
        registered = [r for r in seen if r.get("registration") == "registered"]
        mail = [r for r in registered if r.get("mail") in ("mx", "implicit")]
        trend.append(Trend(past.id, past.started, len(registered), len(mail), len(seen)))
    later = tuple(r for r in store.runs(run.feed) if r.id > run.id and r.status != "complete")
    hits = watch_hits(store, baseline.started if baseline else None)
    first_last = operation_seen(store, findings)
    return Review(
        feed, run, baseline, rows, findings, changes, trend, threshold,
        new_high, later, hits, first_last,
    )  # fmt: skip


def operation_seen(store: Store, findings: RankResult) -> dict[str, tuple[str, str]]:
    """First seen (registered since, when the store knows it) and last seen of every member of
    an operation, from the store."""
    out: dict[str, tuple[str, str]] = {}
    for op in findings.operations:
        for domain in op.members:
            found = store.seen(domain)
            first = [
                str(s.get("registered_since") or s["first_seen"])
                for s in found
                if s.get("registered_since") or s.get("first_seen")
            ]
            last = [str(s["last_seen"]) for s in found if s.get("last_seen")]
            out[domain] = (min(first, default=""), max(last, default=""))
    return out
