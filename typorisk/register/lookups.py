"""Look many names up: the cache first, then RDAP, then WHOIS for suffixes without RDAP.

Bounded: at most ``concurrency`` lookups in flight **per server** (so names waiting on one slow
or rate-limited server never hold the places of names bound for another); each server has its
own token bucket (inside the clients). Every name gets exactly one :class:`Lookup`; network
trouble is an ``unknown`` lookup with its reason, never an exception.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from typorisk.register.cache import LookupCache
from typorisk.register.rdap import NO_SERVICE, RdapClient
from typorisk.register.records import Lookup, LookupStatus, unknown
from typorisk.register.whois import WhoisClient


@dataclass(frozen=True, slots=True)
class RegisterStats:
    """Totals of the registration lookups of one run."""

    names: int
    """Names looked up (cache hits included)."""
    cache_hits: int
    by_outcome: dict[str, int]
    """Names by ``source/status`` (``rdap/found``, ``whois/unknown``, ``-/unknown``...)."""
    reasons: dict[str, int]
    """Unknown lookups by reason (``timeout``, ``rate-limited``...)."""
    partial: dict[str, int] = field(default_factory=dict)
    """Found lookups missing the registrar's part, by reason (``registrar-rdap-timeout``...)."""


class Registrations:
    """cache → RDAP → WHOIS, for one name or many. Either client may be None (disabled)."""

    def __init__(
        self,
        rdap: RdapClient | None = None,
        whois: WhoisClient | None = None,
        cache: LookupCache | None = None,
        concurrency: int = 16,
    ) -> None:
        self.rdap = rdap
        self.whois = whois
        self.cache = cache
        self.concurrency = max(1, concurrency)
        self._outcomes: Counter[str] = Counter()
        self._reasons: Counter[str] = Counter()
        self._partial: Counter[str] = Counter()
        self._hits = 0

    async def lookup(self, domain: str) -> Lookup:
        """The registration of one name (lowercase A-label)."""
        cached = self.cache.get(domain) if self.cache else None
        if cached is not None:
            self._hits += 1
            self._count(cached)
            return cached
        result = await self._ask(domain)
        if self.cache:
            self.cache.put(result)
        self._count(result)
        return result

    async def _ask(self, domain: str) -> Lookup:
        if self.rdap is not None and self.rdap.serves(domain):
            return await self.rdap.lookup(domain)
        if self.whois is not None and self.whois.server_for(domain):
            return await self.whois.lookup(domain)
        suffix = domain.partition(".")[2]
        if self.rdap is not None and self.whois is None:
            return unknown(domain, f"{NO_SERVICE} (.{suffix}; try --whois)")
        return unknown(domain, f"no-service (.{suffix})")

    def server_of(self, domain: str) -> str:
        """The server a lookup of ``domain`` goes to first (``host:port`` of its RDAP base
        URL, or its WHOIS host); empty when none serves it."""
        if self.rdap is not None:
            bases = self.rdap.bootstrap.base_urls(domain, self.rdap.scheme)
            if bases:
                return urlsplit(bases[0]).netloc
        if self.whois is not None:
            return self.whois.server_for(domain) or ""
        return ""

    async def lookup_many(self, domains: Iterable[str]) -> dict[str, Lookup]:
        """Every distinct name → its lookup; at most ``concurrency`` in flight per server."""
        names = list(dict.fromkeys(domains))
        results: dict[str, Lookup] = {}
        gates: dict[str, asyncio.Semaphore] = {}

        async def one(name: str) -> None:
            server = self.server_of(name)
            gate = gates.setdefault(server, asyncio.Semaphore(self.concurrency))
            async with gate:
                results[name] = await self.lookup(name)

        async with asyncio.TaskGroup() as group:
            for name in names:
                group.create_task(one(name))
        return results

    def _count(self, lookup: Lookup) -> None:
        source = lookup.source.value if lookup.source else "-"
        self._outcomes[f"{source}/{lookup.status.value}"] += 1
        kind = lookup.reason.split(" ")[0].rstrip(":") if lookup.reason else None
        if kind and lookup.status is LookupStatus.UNKNOWN:
            self._reasons[kind] += 1
        elif kind:
            self._partial[kind] += 1

    def stats(self) -> RegisterStats:
        """Totals so far."""
        return RegisterStats(
            names=sum(self._outcomes.values()),
            cache_hits=self._hits,
            by_outcome=dict(self._outcomes),
            reasons=dict(self._reasons),
            partial=dict(self._partial),
        )
