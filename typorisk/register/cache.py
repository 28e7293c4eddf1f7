"""The user cache: where ``update-data`` writes refreshed data and lookups are remembered.

Location: ``$XDG_CACHE_HOME/typorisk`` (default ``~/.cache/typorisk``). Nothing is written there
at import time. :class:`LookupCache` keeps registration lookups in SQLite (stdlib) with a time to
live, so a periodic run does not ask a registry again about a name it asked yesterday. Only
decided lookups (found, not found) are kept: an unknown one is asked again next time.
"""

from __future__ import annotations

import ipaddress
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from typorisk.errors import DataFileError
from typorisk.register.network import NetworkOwner
from typorisk.register.records import Lookup, LookupStatus

FOUND_TTL = 7 * 86400.0
"""Seconds a found registration is reused (7 days: registrations rarely change owner faster)."""
NOT_FOUND_TTL = 86400.0
"""Seconds a not-found answer is reused (1 day: a free name can be bought any minute)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lookups (
    domain TEXT PRIMARY KEY,
    stored REAL NOT NULL,
    status TEXT NOT NULL,
    body   TEXT NOT NULL
)
"""
_NETWORKS = """
CREATE TABLE IF NOT EXISTS networks (
    cidr   TEXT PRIMARY KEY,
    first  TEXT NOT NULL,
    last   TEXT NOT NULL,
    stored REAL NOT NULL,
    body   TEXT NOT NULL
)
"""
"""Network owners by CIDR block; ``first``/``last`` are the block's bounds as 33 hex digits
(IP version, then the address as a 128-bit number), so text order is address order."""


def _key(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    return f"{ip.version}{int(ip):032x}"


class LookupCache:
    """Registration lookups on disk, keyed by domain, each kept for its TTL (seconds).

    Use as a context manager; the database file is created on open.
    Raises :class:`DataFileError` when the file cannot be opened or is not a cache database.
    """

    def __init__(
        self,
        path: Path,
        found_ttl: float = FOUND_TTL,
        not_found_ttl: float = NOT_FOUND_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.ttl = {LookupStatus.FOUND: found_ttl, LookupStatus.NOT_FOUND: not_found_ttl}
        self._clock = clock
        self._db: sqlite3.Connection | None = None
        self.hits = 0
        """Lookups answered from the cache since it was opened."""

    def __enter__(self) -> LookupCache:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute(_SCHEMA)
            self._db.execute(_NETWORKS)
        except (OSError, sqlite3.Error) as exc:
            raise DataFileError(
                f"cannot use the lookup cache {self.path}: {exc}; delete it, set XDG_CACHE_HOME "
                "to a writable directory, or pass --no-registration-cache"
            ) from exc
        return self

    def __exit__(self, *exc: object) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def get(self, domain: str) -> Lookup | None:
        """The cached lookup of ``domain`` if still fresh, else None."""
        assert self._db is not None, "use LookupCache as a context manager"
        row = self._db.execute(
            "SELECT stored, status, body FROM lookups WHERE domain = ?", (domain,)
        ).fetchone()
        if row is None:
            return None
        stored, status, body = row
        ttl = self.ttl.get(LookupStatus(status), 0.0)
        if self._clock() - stored > ttl:
            return None
        try:
            lookup = Lookup.from_json(json.loads(body))
        except (KeyError, TypeError, ValueError):
            return None  # written by another version: ask again
        self.hits += 1
        return lookup

    def put(self, lookup: Lookup) -> None:
        """Remember a decided lookup; unknown and partial ones (found, but the registrar's RDAP
        did not answer) are not kept: they are asked again next time."""
        assert self._db is not None, "use LookupCache as a context manager"
        if lookup.status is LookupStatus.UNKNOWN or lookup.partial:
            return
        self._db.execute(
            "INSERT OR REPLACE INTO lookups VALUES (?, ?, ?, ?)",
            (lookup.domain, self._clock(), lookup.status.value, json.dumps(lookup.to_json())),
        )

    def get_network(self, address: str) -> NetworkOwner | None:
        """The cached owner of the most specific network holding ``address``, if fresh."""
        assert self._db is not None, "use LookupCache as a context manager"
        try:
            key = _key(ipaddress.ip_address(address))
        except ValueError:
            return None
        row = self._db.execute(
            "SELECT stored, body FROM networks WHERE first <= ? AND last >= ? "
            "ORDER BY first DESC LIMIT 1",
            (key, key),
        ).fetchone()
        if row is None or self._clock() - row[0] > self.ttl[LookupStatus.FOUND]:
            return None
        try:
            owner = NetworkOwner.from_json(json.loads(row[1]))
        except (KeyError, TypeError, ValueError):
            return None  # written by another version: ask again
        self.hits += 1
        return owner

    def put_network(self, owner: NetworkOwner) -> None:
        """Remember a found owner for each of its networks (kept :data:`FOUND_TTL`)."""
        assert self._db is not None, "use LookupCache as a context manager"
        if owner.status is not LookupStatus.FOUND:
            return
        body = json.dumps(owner.to_json())
        for cidr in owner.networks:
            net = ipaddress.ip_network(cidr)
            self._db.execute(
                "INSERT OR REPLACE INTO networks VALUES (?, ?, ?, ?, ?)",
                (cidr, _key(net.network_address), _key(net.broadcast_address), self._clock(), body),
            )
