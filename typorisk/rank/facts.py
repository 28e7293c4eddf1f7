"""What ranking knows about a candidate: one flat, frozen observation per row.

Ranking must work from stored or piped results alone (no network), so it reads the flat rows that
``typorisk scan`` writes (JSON lines) and tolerates missing facets: a row from ``permute`` alone
(no DNS facts) still ranks, as ``unknown`` capture.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from typorisk.errors import RankInputError

MAX_CERT_NAMES = 100
"""Certificate names kept per observation (a certificate may list hundreds)."""


@dataclass(frozen=True, slots=True)
class Observation:
    """Facts about one candidate (or one protected target's own domain)."""

    target: str
    """The protected target's name (lowercase A-label)."""
    domain: str
    """The candidate's registrable domain (lowercase A-label)."""
    suffix: str
    """Public suffix of ``domain``."""
    likelihood: float = 0.0
    """Typo likelihood per typing, in [0, 1] (0 when unknown)."""
    kinds: tuple[str, ...] = ()
    registration: str = "unknown"
    """``registered``, ``unregistered`` or ``unknown``."""
    mail: str = "unknown"
    """``mx``, ``implicit``, ``null-mx``, ``none`` or ``unknown``."""
    mx: tuple[str, ...] = ()
    ns: tuple[str, ...] = ()
    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    wildcard: bool = False
    """Only a wildcard answers for this name."""
    zone_wildcard: bool = False
    """The name's parent zone or its suffix is wildcarded."""
    registrar: str | None = None
    created: dt.date | None = None
    smtp: str | None = None
    """SMTP probe classification (``accepts-any``, ``rejects-unknown``...), when probed."""
    weight: float = 1.0
    """Exposure of the target (sensitivity × mail volume), ≥ 0; 1 by default."""
    network_owner: str | None = None
    """Who holds the network of the first address (IP RDAP): ``AS64500 EXAMPLE-HOSTING`` when
    the origin AS is known, else the network's name."""
    web: str | None = None
    """Web class (``clone``, ``login``, ``parked``, ``redirect-target``...), when fetched."""
    web_similarity: float | None = None
    """Similarity of its page to the target's, in [0, 1]."""
    web_cert_age_days: int | None = None
    """Age of its TLS certificate in days."""
    block: str = ""
    """The name blocking outputs carry (the ``block`` column): ``domain``, or the typed name
    below it when the typo lies below someone else's domain; ``""`` when the row has none."""
    registrant: str | None = None
    """The registrant organisation (RDAP/WHOIS), when the registry shows one."""
    cert: str | None = None
    """SHA-256 fingerprint of its web server's TLS certificate (lowercase hex)."""
    cert_names: tuple[str, ...] = ()
    """DNS names of that certificate (lowercase)."""
    favicon: str | None = None
    """Favicon hash of its page (Shodan's ``http.favicon.hash``, as text)."""
    fuzzy: str | None = None
    """Fuzzy hash (TLSH) of its page."""


def _strings(value: object, field: str, domain: str) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        return tuple(x for x in value.split("|") if x)
    if isinstance(value, list | tuple) and all(isinstance(x, str) for x in value):
        return tuple(x.lower().rstrip(".") for x in value if x and x != ".")
    raise RankInputError(f"{domain}: '{field}' must be a list of strings, not {value!r}")


def _bool(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "yes", "1"))


def _date(value: object, domain: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise RankInputError(f"{domain}: 'created' must be an ISO date, not {value!r}") from exc


def observation_from_row(row: Mapping[str, object]) -> Observation:
    """Read one scan/permute row. Raises :class:`RankInputError` naming the problem."""
    return observation(
        target=row.get("target"),
        domain=row.get("domain"),
        suffix=row.get("suffix"),
        likelihood=row.get("likelihood"),
        weight=row.get("weight"),
        kinds=row.get("kinds"),
        registration=row.get("registration"),
        lookup=row.get("registration_lookup"),
        mail=row.get("mail"),
        mx=row.get("mx"),
        ns=row.get("ns"),
        a=row.get("a"),
        aaaa=row.get("aaaa"),
        wildcard=row.get("wildcard"),
        zone_wildcard=row.get("zone_wildcard"),
        registrar=row.get("registrar"),
        created=row.get("created"),
        smtp=row.get("smtp"),
        network_owner=network_owner(row),
        web=row.get("web"),
        web_similarity=row.get("web_similarity"),
        web_cert_age_days=row.get("web_cert_age_days"),
        block=row.get("block"),
        registrant=row.get("registrant_org"),
        cert=row.get("web_cert_sha256"),
        cert_names=row.get("web_cert_names"),
        favicon=row.get("web_favicon"),
        fuzzy=row.get("web_fuzzy"),
    )


def observation(
    *,
    target: object,
    domain: object,
    suffix: object = None,
    likelihood: object = None,
    weight: object = None,
    kinds: object = None,
    registration: object = None,
    lookup: object = None,
    mail: object = None,
    mx: object = None,
    ns: object = None,
    a: object = None,
    aaaa: object = None,
    wildcard: object = None,
    zone_wildcard: object = None,
    registrar: object = None,
    created: object = None,
    smtp: object = None,
    network_owner: str | None = None,
    web: object = None,
    web_similarity: object = None,
    web_cert_age_days: object = None,
    block: object = None,
    registrant: object = None,
    cert: object = None,
    cert_names: object = None,
    favicon: object = None,
    fuzzy: object = None,
) -> Observation:
    """An observation from its cells as a row holds them (``lookup``: the
    ``registration_lookup`` cell), each checked and cleaned: what a row and a scan record are
    both read through. Raises :class:`RankInputError` naming the problem."""
    if not isinstance(domain, str) or not domain:
        raise RankInputError("a row has no 'domain'; rank reads the JSON lines of typorisk scan")
    if not isinstance(target, str) or not target:
        raise RankInputError(f"{domain}: no 'target'; rank needs the protected target of each row")
    try:
        chance = float(likelihood or 0.0)  # type: ignore[arg-type]
        exposure = float(weight or 1.0)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise RankInputError(f"{domain}: 'likelihood' and 'weight' must be numbers") from exc
    if not 0.0 <= chance <= 1.0 or exposure < 0:
        raise RankInputError(f"{domain}: likelihood must be in [0, 1] and weight ≥ 0")
    held = str(registration or "unknown")
    if held != "registered" and lookup == "found":
        # RDAP, WHOIS or a zone file says the registry holds the name (on hold, or DNS could
        # not tell): registered, whatever DNS said
        held = "registered"
    return Observation(
        target=target.lower(),
        domain=domain.lower(),
        suffix=suffix if isinstance(suffix, str) and suffix else domain.partition(".")[2],
        likelihood=chance,
        kinds=_strings(kinds, "kinds", domain),
        registration=held,
        mail=str(mail or "unknown"),
        mx=_strings(mx, "mx", domain),
        ns=_strings(ns, "ns", domain),
        a=_strings(a, "a", domain),
        aaaa=_strings(aaaa, "aaaa", domain),
        wildcard=_bool(wildcard),
        zone_wildcard=_bool(zone_wildcard),
        registrar=str(registrar) if registrar else None,
        created=_date(created, domain),
        smtp=str(smtp) if smtp else None,
        weight=exposure,
        network_owner=network_owner,
        web=str(web) if web else None,
        web_similarity=_number(web_similarity),
        web_cert_age_days=_integer(web_cert_age_days),
        block=str(block or "").lower(),
        registrant=_short(registrant),
        cert=_short(cert),
        cert_names=_strings(cert_names, "web_cert_names", domain)[:MAX_CERT_NAMES],
        favicon=_short(favicon),
        fuzzy=_short(fuzzy),
    )


def network_owner(row: Mapping[str, object]) -> str | None:
    """The owner key of a row (:func:`owner_key` of its ``asn``, ``asn_name``, ``net_name``)."""
    return owner_key(row.get("asn"), row.get("asn_name"), row.get("net_name"))


def owner_key(asn: object, name: object, net: object) -> str | None:
    """The owner key of a network: ``AS<asn> <name>`` (or ``AS<asn>``) when the origin AS is
    known, else ``net``; None when IP RDAP named nobody."""
    if isinstance(asn, int) or (isinstance(asn, str) and asn.isdigit()):
        return f"AS{asn} {name}" if name else f"AS{asn}"
    return str(net) if net else None


def _short(value: object, limit: int = 200) -> str | None:
    """A text fact (a number is written as text), cut at ``limit`` characters; None when
    empty. The values come from strangers' servers: bounded here, cleaned by the writers."""
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, str | int):
        return str(value).strip()[:limit] or None
    return None


def _number(value: object) -> float | None:
    """A float from a JSON number or CSV text; ``None`` when empty or not a number."""
    try:
        return float(value) if value not in (None, "") else None  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


def _integer(value: object) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None
