"""Registration intelligence: who holds a name, since when (RDAP, WHOIS, zone files).

Public API::

    async with policy_session(PUBLIC_ONLY, connect_timeout=10.0) as session:
        rdap = RdapClient(session, load_bootstrap(), ServerBuckets(rate=1.0))
        whois = WhoisClient(load_whois_servers(), policy=PUBLIC_ONLY)
        with LookupCache(user_cache_dir() / "registration.sqlite") as cache:
            lookups = await Registrations(rdap, whois, cache).lookup_many(["exampel.com"])

    parse_rdap(doc) -> RegistrationFacts        # pure
    parse_whois(text) -> (status, facts, reason) # pure
    scan_zone_files(paths, candidates) -> ZoneScan

Layers: ``lookups`` (cache → RDAP → WHOIS) → ``rdap``/``whois`` clients → ``http`` (the only HTTP
I/O; redirect and size policy; :func:`policy_session` binds a session to the outbound address
policy, :class:`~typorisk.kit.outbound.AddressPolicy`) and ``politeness`` (``Retry-After``
within a query's budget); parsers, ``records`` and ``text`` are pure. Nothing here fetches at
import time.
"""

from __future__ import annotations

from typorisk.kit.paths import user_cache_dir
from typorisk.kit.rate import ServerBuckets, TokenBucket
from typorisk.register.bootstrap import (
    Bootstrap,
    load_bootstrap,
    load_whois_servers,
    parse_bootstrap,
)
from typorisk.register.cache import LookupCache
from typorisk.register.http import policy_session
from typorisk.register.lookups import RegisterStats, Registrations
from typorisk.register.politeness import parse_retry_after
from typorisk.register.rdap import RdapClient, parse_rdap
from typorisk.register.records import (
    Lookup,
    LookupStatus,
    RegistrationFacts,
    Source,
)
from typorisk.register.whois import WhoisClient, parse_whois
from typorisk.register.zonefile import ZoneScan, parse_zone_line, scan_zone_files

__all__ = [
    "Bootstrap",
    "Lookup",
    "LookupCache",
    "LookupStatus",
    "RdapClient",
    "RegisterStats",
    "RegistrationFacts",
    "Registrations",
    "ServerBuckets",
    "Source",
    "TokenBucket",
    "WhoisClient",
    "ZoneScan",
    "load_bootstrap",
    "load_whois_servers",
    "parse_bootstrap",
    "parse_rdap",
    "parse_retry_after",
    "parse_whois",
    "parse_zone_line",
    "policy_session",
    "scan_zone_files",
    "user_cache_dir",
]
