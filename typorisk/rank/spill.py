"""Where a :class:`~typorisk.rank.ranker.Ranker` keeps the observations and their payloads until
it has seen them all: a list (:class:`MemorySpill`) or a private temporary SQLite database
(:class:`SqliteSpill`, for a scan of any size, which also sorts the output by risk)."""

from __future__ import annotations

import dataclasses
import pickle
import sqlite3
from collections.abc import Iterator
from typing import Any, Generic, Protocol, TypeVar

from typorisk.rank.facts import Observation

P = TypeVar("P")

Scored = tuple[float, str, bool, tuple[str, ...], dict[str, float], str | None]
"""(risk, capture, defensive, reasons, contributions, operation): a :class:`Ranked` without
its observation."""


class Spill(Protocol[P]):
    """Where a :class:`Ranker` keeps the observations and payloads until it has seen them all."""

    def put(self, obs: Observation, payload: P) -> None:
        """Keep one observation and its payload (in order)."""

    def observations(self) -> Iterator[tuple[int, Observation]]:
        """Every observation kept, with its sequence number, in order."""

    def targets(self, domains: set[str]) -> Iterator[tuple[str, str]]:
        """(domain, target) of every observation of ``domains``."""

    def put_scored(self, seq: int, obs: Observation, scored: Scored) -> None:
        """The score of observation ``seq``."""

    def ordered(self) -> Iterator[tuple[Observation, Scored, P]]:
        """Everything scored, riskiest first; ties by domain, target, then order."""

    def close(self) -> None:
        """Free what the spill holds."""


class MemorySpill(Generic[P]):
    """A :class:`Spill` in lists (for :func:`rank` over observations already in memory)."""

    def __init__(self) -> None:
        self._kept: list[tuple[Observation, P]] = []
        self._scored: list[Scored | None] = []

    def put(self, obs: Observation, payload: P) -> None:
        self._kept.append((obs, payload))

    def observations(self) -> Iterator[tuple[int, Observation]]:
        for seq, (obs, _) in enumerate(self._kept):
            yield seq, obs

    def targets(self, domains: set[str]) -> Iterator[tuple[str, str]]:
        for obs, _ in self._kept:
            if obs.domain in domains:
                yield obs.domain, obs.target

    def put_scored(self, seq: int, obs: Observation, scored: Scored) -> None:
        if len(self._scored) <= seq:
            self._scored.extend([None] * (seq + 1 - len(self._scored)))
        self._scored[seq] = scored

    def ordered(self) -> Iterator[tuple[Observation, Scored, P]]:
        order = sorted(
            range(len(self._kept)),
            key=lambda i: (
                -_risk(self._scored[i]),
                self._kept[i][0].domain,
                self._kept[i][0].target,
            ),
        )
        for i in order:
            obs, payload = self._kept[i]
            scored = self._scored[i]
            assert scored is not None
            yield obs, scored, payload

    def close(self) -> None:
        self._kept.clear()
        self._scored.clear()


def _risk(scored: Scored | None) -> float:
    assert scored is not None
    return scored[0]


class SqliteSpill(Generic[P]):
    """A :class:`Spill` in a private temporary SQLite database (``sqlite3.connect("")``: on
    disk once it outgrows the page cache, deleted when closed). Payloads are pickled, so they
    must be picklable (scan records and rows are); ``ORDER BY`` over an index does the sort by
    risk without holding the rows. Writes are batched (:data:`BATCH` rows a statement)."""

    BATCH = 2000
    CACHE_KIB = 8 * 1024
    """SQLite's page cache, in KiB: what the spill may hold in memory."""

    def __init__(self) -> None:
        self._db = sqlite3.connect("", check_same_thread=False)
        self._db.execute(f"PRAGMA cache_size = -{self.CACHE_KIB}")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute(
            "CREATE TABLE kept (seq INTEGER PRIMARY KEY, target TEXT, domain TEXT, obs BLOB,"
            " payload BLOB)"
        )
        self._db.execute(
            "CREATE TABLE scored (seq INTEGER PRIMARY KEY, risk REAL, domain TEXT, target TEXT,"
            " scored BLOB)"
        )
        self._pending: list[tuple[Any, ...]] = []
        self._pending_scored: list[tuple[Any, ...]] = []
        self._seq = 0

    def put(self, obs: Observation, payload: P) -> None:
        kept = (self._seq, obs.target, obs.domain, _dump(_fields(obs)), _dump(payload))
        self._pending.append(kept)
        self._seq += 1
        if len(self._pending) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._pending:
            self._db.executemany("INSERT INTO kept VALUES (?, ?, ?, ?, ?)", self._pending)
            self._pending.clear()
        if self._pending_scored:
            self._db.executemany("INSERT INTO scored VALUES (?, ?, ?, ?, ?)", self._pending_scored)
            self._pending_scored.clear()

    def observations(self) -> Iterator[tuple[int, Observation]]:
        self._flush()
        last = -1
        while True:  # in pages: no cursor stays open while scores are written
            page = self._db.execute(
                "SELECT seq, obs FROM kept WHERE seq > ? ORDER BY seq LIMIT ?", (last, self.BATCH)
            ).fetchall()
            if not page:
                return
            for seq, blob in page:
                yield seq, Observation(*_load(blob))
            last = page[-1][0]

    def targets(self, domains: set[str]) -> Iterator[tuple[str, str]]:
        self._flush()
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (domain TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM wanted")
        self._db.executemany("INSERT OR IGNORE INTO wanted VALUES (?)", ((d,) for d in domains))
        yield from self._db.execute(
            "SELECT kept.domain, kept.target FROM kept JOIN wanted USING (domain)"
        ).fetchall()

    def put_scored(self, seq: int, obs: Observation, scored: Scored) -> None:
        self._pending_scored.append((seq, scored[0], obs.domain, obs.target, _dump(scored[1:])))
        if len(self._pending_scored) >= self.BATCH:
            self._flush()

    def ordered(self) -> Iterator[tuple[Observation, Scored, P]]:
        self._flush()
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS by_risk ON scored (risk DESC, domain, target, seq)"
        )
        rows = self._db.execute(
            "SELECT s.risk, s.scored, k.obs, k.payload FROM scored s INDEXED BY by_risk"
            " JOIN kept k ON k.seq = s.seq ORDER BY s.risk DESC, s.domain, s.target, s.seq"
        )
        for risk, scored, obs, payload in rows:
            yield Observation(*_load(obs)), (risk, *_load(scored)), _load(payload)

    def close(self) -> None:
        self._db.close()


_OBSERVATION_FIELDS = tuple(f.name for f in dataclasses.fields(Observation))


def _fields(obs: Observation) -> tuple[object, ...]:
    """``obs`` as a plain tuple (pickled 2-3× faster than the frozen dataclass)."""
    return tuple([getattr(obs, name) for name in _OBSERVATION_FIELDS])


def _dump(value: object) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _load(blob: bytes) -> Any:
    """Unpickle what :func:`_dump` wrote into this process's own private temporary database
    (never data from outside)."""
    return pickle.loads(blob)  # noqa: S301
