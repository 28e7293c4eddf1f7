"""SQLite history of runs: every run, every observation, first/last seen, and what changed.

Write-ahead logging, and one transaction per batch of rows, so a process killed mid-run leaves the
store consistent: the run stays ``running`` (shown as incomplete) with the batches it committed,
and ``resume`` continues it — rows are keyed by (run, target, domain), so nothing is doubled.

Several processes may open one store at once, even a fresh path: each waits up to
:data:`BUSY_SECONDS` for the write lock, and the schema is created under ``BEGIN IMMEDIATE``
(see :func:`~typorisk.store.schema.migrate`). A write that fails (a full disk, a read-only file)
is one :class:`TyporiskError` naming the store; the failed batch is rolled back and everything
committed before is kept. Rows are checked before they are stored (:func:`row_problem`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from typorisk.errors import OutputWriteError, TyporiskError
from typorisk.pipeline.rows import row_problem as schema_problem
from typorisk.store.diff import Key, field_changes, text
from typorisk.store.schema import migrate
from typorisk.store.watch import WatchTables
from typorisk.writers import Row

BATCH = 1000
BUSY_SECONDS = 60.0
"""How long a writer waits for another process's write lock, in seconds."""
T = TypeVar("T")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def row_problem(row: Mapping[str, object]) -> str | None:
    """What is wrong with a scan row's fields, as ``FIELD: expected ..., got ...``; None when it
    can be stored. Pure. ``target`` and ``domain`` are non-empty strings; every other known
    column is checked against the one row schema (:func:`typorisk.pipeline.rows.row_problem`)."""
    for name in ("target", "domain"):
        value = row.get(name)
        if not isinstance(value, str) or not value:
            return f"{name}: expected a non-empty string, got {_shown(value)}"
    return schema_problem(row)


@dataclass(frozen=True, slots=True)
class Run:
    """One recorded run."""

    id: int
    feed: str
    started: str
    """ISO 8601 UTC."""
    finished: str | None
    status: str
    """``complete``, ``incomplete`` or ``running`` (a running run that no process finishes is
    incomplete: a crash, a kill or Ctrl-C)."""
    settings: Mapping[str, object]
    stats: Mapping[str, object]


def utcnow() -> str:
    """The current time as ISO 8601 UTC, seconds precision."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _until_unlocked(action: Callable[[], object]) -> None:
    """Run ``action``, again while SQLite says "database is locked", for up to
    :data:`BUSY_SECONDS`. Switching a fresh file to WAL takes an exclusive lock for which SQLite
    does not always call the busy handler, so two processes creating one store at once could
    see the error at once despite the busy timeout."""
    deadline = time.monotonic() + BUSY_SECONDS
    delay = 0.01
    while True:
        try:
            action()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
        time.sleep(delay)
        delay = min(delay * 2, 0.5)


class Store(WatchTables):
    """A typorisk history database. Use as a context manager; see the module docstring (and
    :mod:`typorisk.store.watch` for the watch sources' state and hits)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if self.path.is_dir():
            raise TyporiskError(
                f"cannot open the store {self.path}: it is a directory; give a file"
            )
        try:
            self.conn = sqlite3.connect(self.path, timeout=BUSY_SECONDS)
        except sqlite3.Error as exc:
            raise TyporiskError(f"cannot open the store {self.path}: {exc}") from exc
        self.conn.row_factory = sqlite3.Row
        try:
            self.conn.execute(f"PRAGMA busy_timeout = {int(BUSY_SECONDS * 1000)}")
            _until_unlocked(lambda: self.conn.execute("PRAGMA journal_mode=WAL"))
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            _until_unlocked(lambda: migrate(self.conn))
        except sqlite3.OperationalError as exc:
            self.conn.close()
            raise self._error(exc, "open") from exc
        except sqlite3.DatabaseError as exc:
            self.conn.close()
            raise TyporiskError(f"{self.path} is not a typorisk store ({exc})") from exc
        except TyporiskError:
            self.conn.close()
            raise

    def _error(self, exc: sqlite3.Error, doing: str = "write") -> OutputWriteError:
        """One line for a failed store operation: the store, the cause, what is kept."""
        text = str(exc)
        if "unable to open" in text or "readonly" in text:
            hint = "check the file's and its directory's permissions"
        elif "full" in text or "disk I/O" in text:
            hint = "free some disk space"
        else:
            hint = "another process may hold it; try again"
        return OutputWriteError(
            f"the store {self.path}",
            f"{doing} failed: {text} ({hint})",
            "the runs and batches recorded before are kept",
        )

    def _write(self, action: Callable[[], T]) -> T:
        """Run ``action`` in one transaction; a failure rolls it back and is one error."""
        try:
            with self.conn:
                return action()
        except sqlite3.OperationalError as exc:
            raise self._error(exc) from exc

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (committed batches are already on disk)."""
        self.conn.close()

    # runs ---------------------------------------------------------------------------------

    def begin_run(self, feed: str, settings: Mapping[str, object], now: str | None = None) -> int:
        """Record the start of a run; returns its id."""
        cur = self._write(
            lambda: self.conn.execute(
                "INSERT INTO runs (feed, started, status, settings) VALUES (?, ?, 'running', ?)",
                (feed, now or utcnow(), json.dumps(dict(settings), sort_keys=True, default=str)),
            )
        )
        return int(cur.lastrowid or 0)

    def finish_run(
        self,
        run_id: int,
        stats: Mapping[str, object],
        *,
        complete: bool = True,
        now: str | None = None,
    ) -> None:
        """Mark a run complete (or incomplete, e.g. after Ctrl-C) with its statistics."""
        self._write(
            lambda: self.conn.execute(
                "UPDATE runs SET finished = ?, status = ?, stats = ? WHERE id = ?",
                (
                    now or utcnow(),
                    "complete" if complete else "incomplete",
                    json.dumps(dict(stats), sort_keys=True, default=str),
                    run_id,
                ),
            )
        )

    def runs(self, feed: str | None = None) -> list[Run]:
        """Every run, oldest first (of one feed when given)."""
        if feed:
            rows = self.conn.execute("SELECT * FROM runs WHERE feed = ? ORDER BY id", (feed,))
        else:
            rows = self.conn.execute("SELECT * FROM runs ORDER BY id")
        return [_run(r) for r in rows]

    def run(self, run_id: int) -> Run:
        """One run by id; a clear error when there is none."""
        row = self.conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise TyporiskError(
                f"no run {run_id} in {self.path}; 'typorisk diff --list' shows them"
            )
        return _run(row)

    def latest(self, feed: str | None = None, *, before: int | None = None) -> Run | None:
        """The newest complete run (of ``feed``; older than run id ``before`` when given)."""
        complete = [r for r in self.runs(feed) if r.status == "complete"]
        if before is not None:
            complete = [r for r in complete if r.id < before]
        return complete[-1] if complete else None

    def resumable(self, feed: str) -> Run | None:
        """The newest unfinished run of ``feed`` newer than its last complete run, if any."""
        runs = self.runs(feed)
        return runs[-1] if runs and runs[-1].status != "complete" else None

    # observations -------------------------------------------------------------------------

    def done(self, run_id: int) -> set[Key]:
        """(target, domain) pairs already recorded for a run (what ``--resume`` skips)."""
        rows = self.conn.execute(
            "SELECT target, domain FROM observations WHERE run_id = ?", (run_id,)
        )
        return {(r["target"], r["domain"]) for r in rows}

    def count(self, run_id: int) -> int:
        """How many (target, domain) pairs a run has recorded (without loading them)."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM observations WHERE run_id = ?", (run_id,)
        ).fetchone()
        return int(row[0])

    def add(self, run_id: int, rows: Iterable[Row], now: str | None = None) -> int:
        """Record rows for a run in committed batches; returns the number recorded.

        Re-adding a row of the same run replaces it (idempotent, so a resumed run never doubles).
        Changes are computed against the run's baseline: the feed's previous complete run.
        Raises :class:`TyporiskError` for a row with a wrongly typed field (:func:`row_problem`;
        the batches before it are kept) or when the store cannot be written.
        """
        run = self.run(run_id)
        base = self.latest(run.feed, before=run_id)
        baseline = base.id if base else None
        stamp = now or utcnow()
        count = 0
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            for row in batch:
                if problem := row_problem(row):
                    raise TyporiskError(f"row {row.get('domain')!r}: {problem}")

            def store(batch: list[Row] = batch) -> None:
                for row in batch:
                    self._add_one(run_id, baseline, row, stamp)

            self._write(store)
            count += len(batch)
        return count

    def _add_one(self, run_id: int, baseline: int | None, row: Row, now: str) -> None:
        target, domain = str(row["target"]), str(row["domain"])
        risk, likelihood = row.get("risk"), row.get("likelihood")
        self.conn.execute(
            "INSERT OR REPLACE INTO observations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                run_id,
                target,
                domain,
                str(row.get("registration") or "unknown"),
                str(row.get("mail") or "unknown"),
                text(row.get("mx")) or "",
                text(row.get("registrar")),
                text(row.get("smtp")),
                float(risk) if isinstance(risk, int | float) else None,
                float(likelihood) if isinstance(likelihood, int | float) else 0.0,
                json.dumps(dict(row), sort_keys=True, default=str),
            ),
        )
        registered = now if row.get("registration") == "registered" else None
        self.conn.execute(
            """INSERT INTO seen VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (target, domain) DO UPDATE SET
                 last_run = excluded.last_run, last_seen = excluded.last_seen,
                 registered_since = CASE
                   WHEN excluded.registered_since IS NULL THEN NULL
                   ELSE coalesce(seen.registered_since, excluded.registered_since) END""",
            (target, domain, run_id, run_id, now, now, registered),
        )
        old = self.observation(baseline, target, domain) if baseline is not None else None
        for change in field_changes((target, domain), old, row):
            self.conn.execute(
                "INSERT OR REPLACE INTO changes VALUES (?, ?, ?, ?, ?, ?)",
                (run_id, target, domain, change.field, change.old, change.new),
            )

    def observation(self, run_id: int, target: str, domain: str) -> Row | None:
        """The row recorded for (target, domain) in a run, or None."""
        found = self.conn.execute(
            "SELECT row FROM observations WHERE run_id = ? AND target = ? AND domain = ?",
            (run_id, target, domain),
        ).fetchone()
        return _row(found["row"]) if found else None

    def observations(self, run_id: int) -> dict[Key, Row]:
        """Every row of a run, keyed by (target, domain)."""
        rows = self.conn.execute("SELECT row FROM observations WHERE run_id = ?", (run_id,))
        out: dict[Key, Row] = {}
        for r in rows:
            row = _row(r["row"])
            out[(str(row["target"]), str(row["domain"]))] = row
        return out

    def history(self, domain: str) -> Iterator[tuple[Run, Row]]:
        """Every observation of ``domain`` (any target), oldest run first."""
        rows = self.conn.execute(
            "SELECT run_id, row FROM observations WHERE domain = ? ORDER BY run_id, target",
            (domain,),
        ).fetchall()
        for r in rows:
            yield self.run(int(r["run_id"])), _row(r["row"])

    def seen(self, domain: str) -> list[Mapping[str, object]]:
        """First/last seen records of ``domain`` (one per target)."""
        rows = self.conn.execute("SELECT * FROM seen WHERE domain = ? ORDER BY target", (domain,))
        return [dict(r) for r in rows]


def _row(raw: str) -> Row:
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise TyporiskError("the store holds a malformed observation; it may be corrupted")
    return value


def _run(row: sqlite3.Row) -> Run:
    return Run(
        id=int(row["id"]),
        feed=row["feed"],
        started=row["started"],
        finished=row["finished"],
        status=row["status"] if row["status"] != "running" else "incomplete",
        settings=json.loads(row["settings"]),
        stats=json.loads(row["stats"]),
    )
