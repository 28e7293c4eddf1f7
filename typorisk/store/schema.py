"""SQLite schema as a registry of migrations: each is applied once, in order, in a transaction.

``PRAGMA user_version`` holds the number of migrations applied, so opening an old store upgrades
it and opening a store written by a newer typorisk fails with a clear message.
"""

from __future__ import annotations

import sqlite3

from typorisk.errors import TyporiskError

MIGRATIONS: tuple[str, ...] = (
    # 1: runs, observations (one row per run, target and candidate), first/last seen, changes
    """
    CREATE TABLE runs (
        id        INTEGER PRIMARY KEY,
        feed      TEXT NOT NULL,
        started   TEXT NOT NULL,
        finished  TEXT,
        status    TEXT NOT NULL CHECK (status IN ('running', 'complete', 'incomplete')),
        settings  TEXT NOT NULL DEFAULT '{}',
        stats     TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE observations (
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
    CREATE INDEX observations_domain ON observations(domain);
    CREATE TABLE seen (
        target      TEXT NOT NULL,
        domain      TEXT NOT NULL,
        first_run   INTEGER NOT NULL,
        last_run    INTEGER NOT NULL,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        registered_since TEXT,
        PRIMARY KEY (target, domain)
    ) WITHOUT ROWID;
    CREATE TABLE changes (
        run_id  INTEGER NOT NULL REFERENCES runs(id),
        target  TEXT NOT NULL,
        domain  TEXT NOT NULL,
        field   TEXT NOT NULL,
        old     TEXT,
        new     TEXT,
        PRIMARY KEY (run_id, target, domain, field)
    ) WITHOUT ROWID;
    """,
)


def migrate(conn: sqlite3.Connection) -> int:
    """Apply pending migrations; returns the schema version now in force."""
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > len(MIGRATIONS):
        raise TyporiskError(
            f"the store has schema version {version}, newer than this typorisk knows "
            f"({len(MIGRATIONS)}); upgrade typorisk or use another --db"
        )
    for number in range(version, len(MIGRATIONS)):
        with conn:
            conn.executescript(f"BEGIN;\n{MIGRATIONS[number]}\nPRAGMA user_version = {number + 1};")
    return len(MIGRATIONS)
