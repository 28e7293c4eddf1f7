"""What the register stage produces: one frozen :class:`Lookup` per name, facts when found.

Invariants: domains are lowercase A-labels without a trailing dot; dates are ISO ``YYYY-MM-DD``
strings (UTC calendar days) or ``None`` when the source does not say — never guessed. A failure
to look one name up is data (``status=UNKNOWN`` with a ``reason``), never an exception.
"""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class LookupStatus(enum.Enum):
    """What the registration source said about one name."""

    FOUND = "found"
    """The source holds a registration record for the name."""
    NOT_FOUND = "not-found"
    """The authoritative source says it holds no such name (RDAP 404, WHOIS "no match", absent
    from a zone file). Names on hold are absent from zone files: a zone says "not delegated"."""
    UNKNOWN = "unknown"
    """No answer that decides: timeout, rate limit, malformed reply, no service for the suffix."""


class Source(enum.Enum):
    """Where a registration fact came from."""

    RDAP = "rdap"
    WHOIS = "whois"
    ZONE_FILE = "zone-file"


@dataclass(frozen=True, slots=True)
class RegistrationFacts:
    """Registration facts of one domain, as a registry (or registrar) states them."""

    created: str | None = None
    """Registration date, ISO ``YYYY-MM-DD`` (UTC)."""
    expires: str | None = None
    """Expiration date, ISO ``YYYY-MM-DD`` (UTC)."""
    last_changed: str | None = None
    """Date of the last change of the record, ISO ``YYYY-MM-DD`` (UTC)."""
    registrar: str | None = None
    """Sponsoring registrar's name, as published."""
    registrar_iana: int | None = None
    """The registrar's IANA id (positive integer), when published."""
    status: tuple[str, ...] = ()
    """Status values in RFC 8056 spelling (``client transfer prohibited``), sorted, unique."""
    nameservers: tuple[str, ...] = ()
    """Delegated name servers, lowercase A-labels, sorted, unique."""
    registrant_org: str | None = None
    """Registrant organisation, only when published and not redacted."""
    abuse_email: str | None = None
    """The registrar's abuse contact e-mail (RFC 9083 entity with role ``abuse``), lowercase."""
    abuse_phone: str | None = None
    """The registrar's abuse contact telephone, as published (``+1.5555551234``)."""


@dataclass(frozen=True, slots=True)
class Lookup:
    """The answer for one name from one source (or the reason there is none)."""

    domain: str
    """The name asked (lowercase A-label)."""
    status: LookupStatus
    source: Source | None = None
    """The source that answered (or failed); ``None`` when no source serves the suffix."""
    server: str | None = None
    """The server asked: RDAP base URL, WHOIS host, or zone file path."""
    facts: RegistrationFacts = field(default_factory=RegistrationFacts)
    """Facts when ``status`` is FOUND; empty otherwise."""
    reason: str | None = None
    """Why the status is UNKNOWN (``timeout``, ``rate-limited``, ``http 503``...). On a FOUND
    lookup: why part of the facts is unknown (``registrar-rdap-timeout``, ``malformed-jcard``):
    the registry's facts stand, the registrar's are missing. Else None."""

    @property
    def partial(self) -> bool:
        """Found, but part of the facts could not be read (``reason`` says why)."""
        return self.status is LookupStatus.FOUND and self.reason is not None

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible mapping (for the disk cache); inverse of :meth:`from_json`."""
        out = asdict(self)
        out["status"] = self.status.value
        out["source"] = self.source.value if self.source else None
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Lookup:
        """Rebuild a lookup from :meth:`to_json` output. Raises KeyError/ValueError if invalid."""
        facts = dict(data["facts"])
        facts["status"] = tuple(facts.get("status") or ())
        facts["nameservers"] = tuple(facts.get("nameservers") or ())
        return cls(
            domain=str(data["domain"]),
            status=LookupStatus(data["status"]),
            source=Source(data["source"]) if data.get("source") else None,
            server=data.get("server"),
            facts=RegistrationFacts(**facts),
            reason=data.get("reason"),
        )


def unknown(
    domain: str, reason: str, source: Source | None = None, server: str | None = None
) -> Lookup:
    """Shorthand for an UNKNOWN lookup with its reason."""
    return Lookup(domain, LookupStatus.UNKNOWN, source, server, reason=reason)


def merge_facts(registry: RegistrationFacts, registrar: RegistrationFacts) -> RegistrationFacts:
    """One set of facts from the registry's and the registrar's answers. Pure.

    The registrar's contacts win (abuse e-mail and phone, registrant organisation): it holds
    them. The registry is authoritative for the rest (dates, statuses, name servers, the
    sponsoring registrar); the registrar's values only fill what the registry left empty.
    """
    return RegistrationFacts(
        created=registry.created or registrar.created,
        expires=registry.expires or registrar.expires,
        last_changed=registry.last_changed or registrar.last_changed,
        registrar=registry.registrar or registrar.registrar,
        registrar_iana=registry.registrar_iana or registrar.registrar_iana,
        status=registry.status or registrar.status,
        nameservers=registry.nameservers or registrar.nameservers,
        registrant_org=registrar.registrant_org or registry.registrant_org,
        abuse_email=registrar.abuse_email or registry.abuse_email,
        abuse_phone=registrar.abuse_phone or registry.abuse_phone,
    )
