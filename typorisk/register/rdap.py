"""RDAP (RFC 7480–7484, 9083, 9224): a pure parser and a polite async client.

:func:`parse_rdap` turns an RFC 9083 domain object into :class:`RegistrationFacts` without I/O.
:class:`RdapClient` asks the server the bootstrap names, over an injected
``aiohttp.ClientSession``, through a per-server token bucket. Outcomes, one per name:

- 200 with a domain object → found; 404 → not found *at that registry*;
- 429 → wait ``Retry-After`` when it ends within the query's budget and retry, else unknown
  ``rate-limited by server HOST`` at once (:meth:`RdapClient.get`);
- 5xx, timeouts, connection errors → retried with backoff, then unknown with the reason;
- malformed JSON, an oversized body, a refused redirect, an address the outbound policy refuses
  (``refused: private address 10.0.0.5 (RFC 1918 private)``) → unknown. Never "not registered".

Thin registries (``.com``) keep the contacts at the registrar: a found answer's ``related``
link (RFC 9083 §4.2, an RDAP URL of our scheme) is followed once, through the registrar
server's own token bucket, and the two answers are merged by :func:`merge_facts` (the
registrar's contacts win, the registry's dates and statuses stand). A referral that fails (a
timeout, a loop back to the registry, a redirect loop, a malformed answer or jCard) leaves the
lookup found with the registry's facts and a ``reason`` naming the part that is unknown.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from typorisk.errors import FetchError
from typorisk.kit.rate import ServerBuckets
from typorisk.register.bootstrap import Bootstrap
from typorisk.register.http import MAX_BYTES, HttpReply, fetch
from typorisk.register.politeness import MAX_RETRY_AFTER, parse_retry_after, polite_slot
from typorisk.register.records import (
    Lookup,
    LookupStatus,
    RegistrationFacts,
    Source,
    merge_facts,
    unknown,
)
from typorisk.register.text import clean, is_redacted, iso_date, rfc8056

__all__ = [
    "NO_SERVICE",
    "RdapClient",
    "abuse_contact",
    "jcard_problem",
    "merge_facts",
    "parse_rdap",
    "related_link",
]

NO_SERVICE = "no-rdap-service"
"""Reason of an unknown lookup whose suffix has no RDAP server (the WHOIS fallback's cue)."""


def _list(value: object) -> list[Any]:
    """``value`` when it is a JSON array, else empty (servers send odd shapes)."""
    return value if isinstance(value, list) else []


def _card_ok(card: object) -> bool:
    """True for a well-formed jCard (RFC 7095): ``["vcard", [[name, {params}, type, value]]]``."""
    return (
        isinstance(card, list)
        and len(card) == 2
        and card[0] == "vcard"
        and isinstance(card[1], list)
        and all(
            isinstance(item, list)
            and len(item) >= 4
            and isinstance(item[0], str)
            and isinstance(item[1], dict)
            and isinstance(item[2], str)
            for item in card[1]
        )
    )


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


def _tel(entity: dict[str, Any]) -> str | None:
    """The first telephone of a jCard; a ``tel:`` URI (``tel:+1.5555551234;ext=1``) loses its
    scheme and parameters."""
    value = _vcard(entity, "tel")
    if value and value.lower().startswith("tel:"):
        value = value[4:].split(";")[0]
    return value or None


def _email(entity: dict[str, Any]) -> str | None:
    value = _vcard(entity, "email")
    if value and value.lower().startswith("mailto:"):
        value = value[7:]
    return value.lower() if value and "@" in value and " " not in value else None


def _all_entities(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every entity of the document, top level and nested at any depth (at most 256)."""
    out: list[dict[str, Any]] = []
    todo = [e for e in _list(doc.get("entities")) if isinstance(e, dict)]
    while todo and len(out) < 256:
        entity = todo.pop(0)
        out.append(entity)
        todo += [n for n in _list(entity.get("entities")) if isinstance(n, dict)]
    return out


def abuse_contact(doc: dict[str, Any]) -> tuple[str | None, str | None]:
    """(email, phone) of the abuse contact: the entity with role ``abuse`` nested under the
    registrar entity (ICANN's RDAP profile), else any abuse entity of the document. Pure."""
    registrars = _entities(doc, "registrar")
    nested = [n for r in registrars for n in _list(r.get("entities")) if isinstance(n, dict)]
    for entity in nested + _all_entities(doc):
        roles = entity.get("roles")
        if isinstance(roles, list) and "abuse" in roles:
            email, phone = _email(entity), _tel(entity)
            if email or phone:
                return email, phone
    return None, None


def jcard_problem(doc: dict[str, Any]) -> str | None:
    """``malformed-jcard (ROLE)`` when an entity's ``vcardArray`` is not a jCard, else None."""
    for entity in _all_entities(doc):
        if "vcardArray" in entity and not _card_ok(entity["vcardArray"]):
            roles = entity.get("roles")
            role = roles[0] if isinstance(roles, list) and roles else "entity"
            return f"malformed-jcard ({role})"
    return None


def related_link(doc: dict[str, Any], scheme: str) -> str | None:
    """The registrar's RDAP URL: the first ``related`` link of ``scheme`` whose path names a
    domain (and whose type, when given, is RDAP JSON). Pure."""
    for link in _list(doc.get("links")):
        if not isinstance(link, dict) or link.get("rel") != "related":
            continue
        href, kind = link.get("href"), link.get("type")
        if not isinstance(href, str) or urlsplit(href).scheme != scheme:
            continue
        if kind not in (None, "application/rdap+json", "application/json"):
            continue
        if "/domain/" in urlsplit(href).path.lower():
            return href
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
    abuse_email, abuse_phone = abuse_contact(doc)
    return RegistrationFacts(
        abuse_email=abuse_email,
        abuse_phone=abuse_phone,
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
    ``budget`` the seconds one query may spend waiting out a server's ``Retry-After``
    (default ``timeout × (retries + 1)``, the time its attempts may take anyway),
    ``scheme`` the only URL scheme used and followed (``https``; tests pass ``http``);
    ``follow_related`` follows the registry's ``related`` link to the registrar (one hop).
    Where a connection may go is ``session``'s connector's decision
    (:func:`~typorisk.register.http.policy_session`: the outbound address policy).
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
        follow_related: bool = True,
        budget: float | None = None,
    ) -> None:
        self.session = session
        self.budget = timeout * (retries + 1) if budget is None else budget
        self.follow_related = follow_related
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
        url = f"{base}domain/{domain}"
        reply = await self.get(url)
        if isinstance(reply, str):
            return unknown(domain, reply, Source.RDAP, base)
        lookup, doc = _interpret(domain, base, reply.status, reply.body)
        if doc is None:
            return lookup
        problem = jcard_problem(doc)
        link = related_link(doc, self.scheme) if self.follow_related else None
        if link is None:
            return dataclasses.replace(lookup, reason=problem)
        facts, why = await self._registrar(link, {url, reply.url})
        merged = merge_facts(lookup.facts, facts) if facts is not None else lookup.facts
        return dataclasses.replace(lookup, facts=merged, reason=why or problem)

    async def _registrar(
        self, link: str, seen: set[str]
    ) -> tuple[RegistrationFacts | None, str | None]:
        """The registrar's facts from its RDAP answer at ``link``, or (None, why not)."""
        if link in seen or link.rstrip("/").lower() in {u.rstrip("/").lower() for u in seen}:
            return None, "registrar-rdap-loop"
        reply = await self.get(link)
        if isinstance(reply, str):
            return None, f"registrar-rdap-{reply}"
        if reply.url in seen:  # redirected back to the registry's own answer
            return None, "registrar-rdap-loop"
        if reply.status != 200:
            return None, f"registrar-rdap-http-{reply.status}"
        try:
            doc = json.loads(reply.body)
            facts = parse_rdap(doc)
        except (ValueError, RecursionError):
            return None, "registrar-rdap-malformed-response"
        return facts, jcard_problem(doc)

    async def get(self, url: str) -> HttpReply | str:
        """A final reply from ``url`` (200, 404, other 4xx), or the reason there is none.

        The server's token bucket paces every attempt; 5xx, timeouts and connection errors are
        retried ``retries`` times with doubling backoff. A 429 pauses the server's bucket for
        its ``Retry-After`` (at most :data:`MAX_RETRY_AFTER` seconds) and is retried after it
        only when the pause ends within this query's ``budget`` (seconds from the first
        attempt); otherwise, and whenever the server is already paused beyond the budget, the
        answer is ``rate-limited by server HOST:PORT`` at once, so a paused server holds up
        none of the queries to other servers and none of its own beyond their budget.
        """
        server = urlsplit(url).netloc
        bucket = self.buckets[server]
        limited = f"rate-limited by server {server}"
        deadline = time.monotonic() + self.budget
        reason = "no-answer"
        for attempt in range(self.retries + 1):
            if not await polite_slot(bucket, deadline):
                return limited
            try:
                reply = await fetch(
                    self.session, url, timeout=self.timeout, max_bytes=self.max_bytes
                )
            except FetchError as exc:
                if exc.reason not in ("timeout", "connection"):
                    return exc.reason
                reason = exc.reason
            else:
                if reply.status == 429:
                    wait = parse_retry_after(reply.headers.get("Retry-After"))
                    wait = self.backoff * 2**attempt if wait is None else wait
                    bucket.pause(min(wait, MAX_RETRY_AFTER))
                    reason = limited
                    if wait > deadline - time.monotonic():
                        return limited
                    continue  # the bucket's pause is the wait
                if reply.status < 500:
                    return reply
                reason = f"http-{reply.status}"
            if attempt < self.retries:
                await asyncio.sleep(self.backoff * 2**attempt)
        return reason


def _interpret(
    domain: str, base: str, status: int, body: bytes
) -> tuple[Lookup, dict[str, Any] | None]:
    """A final (non-retryable) reply → (lookup, the decoded document when found). Pure."""
    if status == 404:
        return Lookup(domain, LookupStatus.NOT_FOUND, Source.RDAP, base), None
    if status != 200:
        return unknown(domain, f"http-{status}", Source.RDAP, base), None
    try:
        doc = json.loads(body)
        facts = parse_rdap(doc)
    except (ValueError, RecursionError):
        return unknown(domain, "malformed-response", Source.RDAP, base), None
    return Lookup(domain, LookupStatus.FOUND, Source.RDAP, base, facts), doc
