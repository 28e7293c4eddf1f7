"""Watch tables of the store: each source's resumable state, and the look-alikes found.

A source (an NRD list, a zone, a CT log) is named by a string (``nrd:/lists``, ``zone:com``,
``ct:<log id>``) and keeps one JSON state. :meth:`WatchTables.record_watch` stores a batch of
hits *and* the state reached after that batch in one transaction, so a process killed between
batches resumes exactly after the last stored batch: no hit is lost and none is reported new
twice. A hit is keyed by (domain, target): ``first_seen`` and ``source`` are those of the first
sighting, ``last_seen`` and the best score are updated by later ones.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class WatchHit:
    """One look-alike as the store keeps it."""

    domain: str
    """Registrable domain of the look-alike (lowercase A-label)."""
    target: str
    """The protected registrable domain it looks like."""
    name: str
    """The name as seen (may be below ``domain``: a CT SAN)."""
    rule: str
    """The matcher rule that fired (``candidate``, ``skeleton``, ``combo``, ...)."""
    score: float
    """Match score, in [0, 1]."""
    other_suffix: bool
    """True when its suffix differs from the target's."""
    detail: str
    """What matched (kinds, distance, words)."""
    source: str = ""
    """The watch source that saw it (set by :meth:`WatchTables.record_watch`)."""
    first_seen: str = ""
    """ISO 8601 UTC of the first sighting (set by the store)."""
    last_seen: str = ""
    """ISO 8601 UTC of the latest sighting (set by the store)."""


class WatchTables:
    """The watch half of :class:`~typorisk.store.Store` (a mixin: it uses ``conn`` and
    ``_write``)."""

    conn: sqlite3.Connection
    _write: Callable[[Callable[[], object]], object]

    def watch_state(self, source: str) -> Mapping[str, object] | None:
        """The state last recorded for ``source``, or None when it never ran."""
        row = self.conn.execute(
            "SELECT state FROM watch_state WHERE source = ?", (source,)
        ).fetchone()
        if row is None:
            return None
        value = json.loads(row["state"])
        return value if isinstance(value, dict) else None

    def watch_sources(self, prefix: str = "") -> dict[str, Mapping[str, object]]:
        """Every source whose name starts with ``prefix``, with its state."""
        rows = self.conn.execute(
            "SELECT source, state FROM watch_state WHERE source LIKE ? ESCAPE '\\' ORDER BY source",
            (prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",),
        )
        return {r["source"]: json.loads(r["state"]) for r in rows}

    def record_watch(
        self,
        source: str,
        hits: Iterable[WatchHit],
        state: Mapping[str, object] | None,
        now: str,
    ) -> list[WatchHit]:
        """Store ``hits`` seen by ``source`` and (when not None) its new ``state``, in one
        transaction; returns the hits that were new (no earlier row for their domain and
        target), stamped. Raises :class:`~typorisk.errors.OutputWriteError` when the store
        cannot be written (nothing of the batch is kept, the state is not advanced)."""
        batch = list(hits)

        def store() -> list[WatchHit]:
            new: list[WatchHit] = []
            for hit in batch:
                known = self.conn.execute(
                    "SELECT 1 FROM watch_hits WHERE domain = ? AND target = ?",
                    (hit.domain, hit.target),
                ).fetchone()
                self.conn.execute(
                    """INSERT INTO watch_hits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT (domain, target) DO UPDATE SET
                         last_seen = excluded.last_seen,
                         score = max(watch_hits.score, excluded.score)""",
                    (hit.domain, hit.target, hit.name, hit.rule, hit.score,
                     int(hit.other_suffix), hit.detail, source, now, now),
                )  # fmt: skip
                if known is None:
                    new.append(_stamped(hit, source, now))
            if state is not None:
                self.conn.execute(
                    "INSERT OR REPLACE INTO watch_state VALUES (?, ?, ?)",
                    (source, json.dumps(dict(state), sort_keys=True), now),
                )
            return new

        result = self._write(store)
        assert isinstance(result, list)
        return result

    def watch_hits(
        self, since: str | None = None, *, min_score: float = 0.0, source: str | None = None
    ) -> list[WatchHit]:
        """Look-alikes first seen at or after ``since`` (ISO 8601 UTC; all when None), with at
        least ``min_score``, of one source prefix when given; oldest first."""
        sql = "SELECT * FROM watch_hits WHERE score >= ?"
        args: list[object] = [min_score]
        if since is not None:
            sql += " AND first_seen >= ?"
            args.append(since)
        if source is not None:
            sql += " AND source LIKE ?"
            args.append(source + "%")
        rows = self.conn.execute(sql + " ORDER BY first_seen, domain, target", args)
        return [_hit(r) for r in rows]


def _stamped(hit: WatchHit, source: str, now: str) -> WatchHit:
    return WatchHit(hit.domain, hit.target, hit.name, hit.rule, hit.score, hit.other_suffix,
                    hit.detail, source, now, now)  # fmt: skip


def _hit(row: sqlite3.Row) -> WatchHit:
    return WatchHit(
        domain=row["domain"],
        target=row["target"],
        name=row["name"],
        rule=row["rule"],
        score=float(row["score"]),
        other_suffix=bool(row["other_suffix"]),
        detail=row["detail"],
        source=row["source"],
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
    )
