"""RDAP (RFC 7480–7484, 9083, 9224): a pure parser and a polite async client.

:func:`parse_rdap` turns an RFC 9083 domain object into :class:`RegistrationFacts` without I/O.
:class:`RdapClient` asks the server the bootstrap names, over an injected
``aiohttp.ClientSession``, through a per-server token bucket. Outcomes, one per name:

- 200 with a domain object → found; 404 → not found *at that registry*;
- 429 → wait ``Retry-After`` (at most 120 s, then unknown ``rate-limited``) and retry;
- 5xx, timeouts, connection errors → retried with backoff, then unknown with the reason;
- malformed JSON, an oversized body, a refused redirect → unknown. Never "not registered".
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from typorisk.errors import FetchError
from typorisk.kit.rate import ServerBuckets
from typorisk.register.bootstrap import Bootstrap
from typorisk.register.http import MAX_BYTES, fetch
from typorisk.register.politeness import MAX_RETRY_AFTER, parse_retry_after
from typorisk.register.records import Lookup, LookupStatus, RegistrationFacts, Source, unknown
from typorisk.register.text import clean, is_redacted, iso_date, rfc8056

NO_SERVICE = "no-rdap-service"
"""Reason of an unknown lookup whose suffix has no RDAP server (the WHOIS fallback's cue)."""


def _list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else empty (servers send odd shapes)."""
    return value if isinstance(value, list) else []


def _vcard(entity: dict[str, Any], prop: str) -> str | None:
    """A property's text value from an entity's jCard (RFC 7095), e.g. ``fn`` or ``org``."""
    card = entity.get("vcardArray")
    if not (isinstance(card, list) and len(card) == 2 and isinstance(card[1], list)):
        return None
    for item in card[1]:
        if isinstance(item, list) and len(item) >= 4 and item[0] == prop:
            value = item[3]
            if isinstance(value, list):  # structured values (org units): join the parts
                value = " ".join(str(v) for v in value if v)
            return clean(value)
    return None


def _entities(doc: dict[str, Any], role: str) -> list[dict[str, Any]]:
    """Entities with ``role``, top level first, then one level of nested entities."""
    found: list[dict[str, Any]] = []
    top = [e for e in _list(doc.get("entities")) if isinstance(e, dict)]
    for entity in top + [n for e in top for n in _list(e.get("entities")) if isinstance(n, dict)]:
        roles = entity.get("roles")
        if isinstance(roles, list) and role in roles:
            found.append(entity)
    return found


def _iana_id(entity: dict[str, Any]) -> int | None:
    for public_id in _list(entity.get("publicIds")):
        if isinstance(public_id, dict) and "iana" in str(public_id.get("type", "")).lower():
            ident = str(public_id.get("identifier", "")).strip()
            if ident.isdigit() and int(ident) > 0:
                return int(ident)
    return None


def _events(doc: dict[str, Any]) -> dict[str, str]:
    dates: dict[str, str] = {}
    for event in _list(doc.get("events")):
        if not isinstance(event, dict):
            continue
        action = str(event.get("eventAction", "")).lower()
        date = iso_date(event.get("eventDate"))
        if date and action not in dates:
            dates[action] = date
    return dates


def _redacted_names(doc: dict[str, Any]) -> set[str]:
    """Field names listed as redacted (RFC 9537), lowercase."""
    names: set[str] = set()
    for item in _list(doc.get("redacted")):
        name = item.get("name") if isinstance(item, dict) else None
        if isinstance(name, dict):
            names.update(str(v).lower() for v in name.values())
    return names


def _registrant_org(doc: dict[str, Any]) -> str | None:
    if "registrant organization" in _redacted_names(doc):
        return None
    for entity in _entities(doc, "registrant"):
        org = _vcard(entity, "org")
        if org and not is_redacted(org):
            return org
    return None


def parse_rdap(doc: Any) -> RegistrationFacts:
    """Registration facts of an RFC 9083 domain object (JSON-decoded). Pure.

    Missing members give empty facts; redacted contacts give no registrant. Raises
    ``ValueError`` when ``doc`` is not a domain object (no ``objectClassName`` ``domain``
    and no ``ldhName``).
    """
    if not isinstance(doc, dict) or (
        doc.get("objectClassName") != "domain" and "ldhName" not in doc
    ):
        raise ValueError("not an RDAP domain object")
    events = _events(doc)
    registrars = _entities(doc, "registrar")
    registrar = registrars[0] if registrars else {}
    statuses = {
        s for s in (rfc8056(x) for x in _list(doc.get("status")) if isinstance(x, str)) if s
    }
    servers = {
        str(ns["ldhName"]).lower().rstrip(".")
        for ns in _list(doc.get("nameservers"))
        if isinstance(ns, dict) and isinstance(ns.get("ldhName"), str)
    }
    return RegistrationFacts(
        created=events.get("registration"),
        expires=events.get("expiration"),
        last_changed=events.get("last changed"),
        registrar=_vcard(registrar, "fn") if registrar else None,
        registrar_iana=_iana_id(registrar) if registrar else None,
        status=tuple(sorted(statuses)),
        nameservers=tuple(sorted(s for s in servers if clean(s) == s)),
        registrant_org=_registrant_org(doc),
    )


class RdapClient:
    """Asks RDAP servers about domains, politely. I/O only through ``session``.

    ``timeout`` is seconds per exchange, ``backoff`` the first retry delay in seconds (doubling),
    ``scheme`` the only URL scheme used and followed (``https``; tests pass ``http``).
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        bootstrap: Bootstrap,
        buckets: ServerBuckets | None = None,
        *,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 1.0,
        max_bytes: int = MAX_BYTES,
        scheme: str = "https",
    ) -> None:
        self.session = session
        self.bootstrap = bootstrap
        self.buckets = buckets or ServerBuckets()
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_bytes = max_bytes
        self.scheme = scheme

    def serves(self, domain: str) -> bool:
        """True when the bootstrap names an RDAP server (of our scheme) for ``domain``."""
        return bool(self.bootstrap.base_urls(domain, self.scheme))

    async def lookup(self, domain: str) -> Lookup:
        """One name → one :class:`Lookup` (never raises for network trouble)."""
        bases = self.bootstrap.base_urls(domain, self.scheme)
        if not bases:
            return unknown(domain, NO_SERVICE, Source.RDAP)
        base = bases[0]
        bucket = self.buckets[urlsplit(base).netloc]
        reason = "no-answer"
        for attempt in range(self.retries + 1):
            await bucket.acquire()
            try:
                reply = await fetch(
                    self.session,
                    f"{base}domain/{domain}",
                    timeout=self.timeout,
                    max_bytes=self.max_bytes,
                )
            except FetchError as exc:
                if exc.reason not in ("timeout", "connection"):
                    return unknown(domain, exc.reason, Source.RDAP, base)
                reason = exc.reason
            else:
                if reply.status == 429:
                    wait = parse_retry_after(reply.headers.get("Retry-After"))
                    wait = self.backoff * 2**attempt if wait is None else wait
                    bucket.pause(min(wait, MAX_RETRY_AFTER))
                    if wait > MAX_RETRY_AFTER:
                        return unknown(domain, "rate-limited", Source.RDAP, base)
                    reason = "rate-limited"
                    continue  # the bucket's pause is the wait
                if reply.status < 500:
                    return _interpret(domain, base, reply.status, reply.body)
                reason = f"http-{reply.status}"
            if attempt < self.retries:
                await asyncio.sleep(self.backoff * 2**attempt)
        return unknown(domain, reason, Source.RDAP, base)


def _interpret(domain: str, base: str, status: int, body: bytes) -> Lookup:
    """A final (non-retryable) reply → lookup. Pure."""
    if status == 404:
        return Lookup(domain, LookupStatus.NOT_FOUND, Source.RDAP, base)
    if status != 200:
        return unknown(domain, f"http-{status}", Source.RDAP, base)
    try:
        facts = parse_rdap(json.loads(body))
    except (ValueError, RecursionError):
        return unknown(domain, "malformed-response", Source.RDAP, base)
    return Lookup(domain, LookupStatus.FOUND, Source.RDAP, base, facts)
