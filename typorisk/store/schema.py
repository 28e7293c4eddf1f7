"""SQLite schema as a registry of migrations: each is applied once, in order, in a transaction.

``PRAGMA user_version`` holds the number of migrations applied, so opening an old store upgrades
it and opening a store written by a newer typorisk fails with a clear message.

Safe when several processes open one fresh path at once: migrations run inside
``BEGIN IMMEDIATE`` (the write lock is taken before the version is read, so a second process
waits for the first, then sees the new version and applies nothing), and every table and index
is created ``IF NOT EXISTS``.
"""

from __future__ import annotations

import sqlite3

from typorisk.errors import TyporiskError

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, observations (one row per run, target and candidate), first/last seen, changes
    """
    CREATE TABLE IF NOT EXISTS runs (
        id        INTEGER PRIMARY KEY,
        feed      TEXT NOT NULL,
        started   TEXT NOT NULL,
        finished  TEXT,
        status    TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete')),
        settings  TEXT NOT NULL DEFAULT '{}',
        stats     TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE IF NOT EXISTS observations (
        run_id       INTEGER NOT NULL REFERENCES runs(id),
        target       TEXT NOT NULL,
        domain       TEXT NOT NULL,
        registration TEXT NOT NULL,
        mail         TEXT NOT NULL,
        mx           TEXT NOT NULL,
        registrar    TEXT,
        smtp         TEXT,
        risk         REAL,
        likelihood   REAL NOT NULL,
        row          TEXT NOT NULL,
        PRIMARY KEY (run_id, target, domain)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS observations_domain ON observations(domain);
    CREATE TABLE IF NOT EXISTS seen (
        target      TEXT NOT NULL,
        domain      TEXT NOT NULL,
        first_run   INTEGER NOT NULL,
        last_run    INTEGER NOT NULL,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        registered_since TEXT,
        PRIMARY KEY (target, domain)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS changes (
        run_id  INTEGER NOT NULL REFERENCES runs(id),
        target  TEXT NOT NULL,
        domain  TEXT NOT NULL,
        field   TEXT NOT NULL,
        old     TEXT,
        new     TEXT,
        PRIMARY KEY (run_id, target, domain, field)
    ) WITHOUT ROWID;
    """,
    # 2: watch sources' resumable state, and the look-alikes they found
    """
    CREATE TABLE IF NOT EXISTS watch_state (
        source   TEXT PRIMARY KEY,
        state    TEXT NOT NULL,
        updated  TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS watch_hits (
        domain       TEXT NOT NULL,
        target       TEXT NOT NULL,
        name         TEXT NOT NULL,
        rule         TEXT NOT NULL,
        score        REAL NOT NULL,
        other_suffix INTEGER NOT NULL,
        detail       TEXT NOT NULL,
        source       TEXT NOT NULL,
        first_seen   TEXT NOT NULL,
        last_seen    TEXT NOT NULL,
        PRIMARY KEY (domain, target)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS watch_hits_first_seen ON watch_hits(first_seen);
    """,
)


def statements(script: str) -> list[str]:
    """The SQL statements of a migration script, split where :func:`sqlite3.complete_statement`
    says one ends (so a ``;`` inside a string literal does not split)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def _version(conn: sqlite3.Connection) -> int:
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise TyporiskError(
            f"the store has schema version {version}, newer than this typorisk knows "
            f"({len(MIGRATIONS)}); upgrade typorisk or use another --db"
        )
    return version


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations in one ``BEGIN IMMEDIATE`` transaction (waiting for another
    process's lock up to the connection's busy timeout); returns the schema version now in
    force. Raises :class:`TyporiskError` for a store newer than this typorisk."""
    if _version(conn) == len(MIGRATIONS):
        return len(MIGRATIONS)  # the common case: no lock taken
    conn.execute("BEGIN IMMEDIATE")
    try:
        for number in range(_version(conn), len(MIGRATIONS)):  # re-read under the lock
            for statement in statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
    except BaseException:
        conn.rollback()
        raise
    conn.commit()
    return len(MIGRATIONS)
