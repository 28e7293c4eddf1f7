"""WHOIS over TCP port 43 (RFC 3912) for suffixes without RDAP: a pure parser and a client.

The server of each TLD comes from the shipped IANA map (``typorisk/data/whois_servers.json``);
a TLD missing there is ``unknown`` (``no-whois-server``), never guessed. WHOIS has no standard
format: :func:`parse_whois` reads the common ``Key: value`` fields (ICANN gTLD format, DENIC,
AFNIC/RIPE-style ``key: value`` lowercase) and says *unknown* when the text is neither a record
nor a recognised "no match" answer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence

from typorisk.kit.rate import ServerBuckets
from typorisk.register.records import Lookup, LookupStatus, RegistrationFacts, Source, unknown
from typorisk.register.text import clean, is_redacted, iso_date, rfc8056

Resolve = Callable[[str], Awaitable[Sequence[str]]]
"""Host name → its addresses (text); empty when it has none."""
MAX_BYTES = 256 * 1024
"""Cap on one WHOIS answer, in bytes (answers are a few KiB)."""

_NOT_FOUND = re.compile(
    r"^[\s%#]*(no match|not found|no data found|no entries found|no object found|"
    r"domain not found|object does not exist|nothing found|status:\s*(free|available)|"
    r"the queried object does not exist|no matching record)",
    re.IGNORECASE | re.MULTILINE,
)
_LIMITED = re.compile(
    r"limit exceeded|quota exceeded|too many (queries|requests)|query rate|try again later|"
    r"access denied|blacklisted",
    re.IGNORECASE,
)
_FIELDS: dict[str, tuple[str, ...]] = {
    "created": (
        "creation date",
        "created",
        "created on",
        "registered",
        "registered on",
        "registration time",
        "domain registration date",
        "registration date",
    ),
    "expires": (
        "registry expiry date",
        "registrar registration expiration date",
        "expiration date",
        "expiry date",
        "expires",
        "expires on",
        "paid-till",
        "expire date",
        "renewal date",
    ),
    "last_changed": (
        "updated date",
        "last updated",
        "changed",
        "last modified",
        "modified",
        "last-update",
        "last update",
    ),
    "registrar": ("registrar", "sponsoring registrar", "registrar name", "registrar organization"),
    "registrar_iana": ("registrar iana id",),
    "status": ("domain status", "status", "state"),
    "nameservers": ("name server", "nserver", "nameserver", "name servers", "nameservers"),
    "registrant_org": ("registrant organization", "registrant organisation"),
    "domain": ("domain name", "domain", "domainname"),
}
_KEY_OF = {alias: key for key, aliases in _FIELDS.items() for alias in aliases}
_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ./_-]{0,48}?)\s*:\s*(.*?)\s*$")


def _pairs(text: str) -> dict[str, list[str]]:
    """``Key: value`` lines grouped by our field name (values in order, empty ones dropped)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.lstrip().startswith(("%", "#", ">>>")):
            continue
        match = _LINE.match(line)
        if not match:
            continue
        key = _KEY_OF.get(match.group(1).lower())
        value = clean(match.group(2))
        if key and value:
            out.setdefault(key, []).append(value)
    return out


def _facts(pairs: dict[str, list[str]]) -> RegistrationFacts:
    def first(key: str) -> str | None:
        return pairs.get(key, [None])[0]

    iana = first("registrar_iana")
    statuses = {s for s in (rfc8056(v) for v in pairs.get("status", [])) if s}
    servers = {v.split()[0].lower().rstrip(".") for v in pairs.get("nameservers", [])}
    org = first("registrant_org")
    return RegistrationFacts(
        created=iso_date(first("created")),
        expires=iso_date(first("expires")),
        last_changed=iso_date(first("last_changed")),
        registrar=first("registrar"),
        registrar_iana=int(iana) if iana and iana.isdigit() and int(iana) > 0 else None,
        status=tuple(sorted(statuses)),
        nameservers=tuple(sorted(servers)),
        registrant_org=None if is_redacted(org) else org,
    )


def parse_whois(text: str) -> tuple[LookupStatus, RegistrationFacts, str | None]:
    """A WHOIS answer → (status, facts, reason when unknown). Pure.

    Found needs a record: a domain, creation date, registrar or registry status line. A
    recognised "no match" line is not found; a quota message or anything else is unknown.
    """
    pairs = _pairs(text)
    record = any(k in pairs for k in ("domain", "created", "registrar", "expires"))
    if _NOT_FOUND.search(text) and not ("created" in pairs or "registrar" in pairs):
        return LookupStatus.NOT_FOUND, RegistrationFacts(), None
    if record:
        return LookupStatus.FOUND, _facts(pairs), None
    if _LIMITED.search(text):
        return LookupStatus.UNKNOWN, RegistrationFacts(), "rate-limited"
    return LookupStatus.UNKNOWN, RegistrationFacts(), "unrecognised-answer"


async def whois_query(
    host: str, port: int, query: str, timeout: float = 10.0, max_bytes: int = MAX_BYTES
) -> str:
    """Send ``query`` CRLF to ``host:port`` and read the answer until EOF (``timeout`` seconds
    for the whole exchange; at most ``max_bytes``). Raises ``OSError``/``TimeoutError``."""
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(query.encode("ascii") + b"\r\n")
            await writer.drain()
            data = await reader.read(max_bytes + 1)
            chunks = [data]
            size = len(data)
            while data and size <= max_bytes:
                data = await reader.read(max_bytes + 1 - size)
                chunks.append(data)
                size += len(data)
        finally:
            writer.close()
    body = b"".join(chunks)[:max_bytes]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")  # older ccTLD servers; every byte maps to a character


class WhoisClient:
    """Asks the TLD's WHOIS server (from ``servers``: TLD → host) about domains, politely.

    ``timeout`` is seconds per exchange; ``port`` is 43 except in tests. ``resolve`` turns the
    server's host name into addresses (the scan passes its own DNS client, so WHOIS hosts are
    found through the scan's servers); without it the operating system's resolver is used.
    """

    def __init__(
        self,
        servers: Mapping[str, str],
        buckets: ServerBuckets | None = None,
        *,
        port: int = 43,
        timeout: float = 10.0,
        retries: int = 1,
        backoff: float = 1.0,
        resolve: Resolve | None = None,
    ) -> None:
        self.servers = servers
        self.resolve = resolve
        self.buckets = buckets or ServerBuckets()
        self.port = port
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff

    def server_for(self, domain: str) -> str | None:
        """The WHOIS host of ``domain``'s suffix (longest match), or None."""
        labels = domain.split(".")
        for i in range(1, len(labels)):
            host = self.servers.get(".".join(labels[i:]))
            if host:
                return host
        return None

    async def lookup(self, domain: str) -> Lookup:
        """One name → one :class:`Lookup` (never raises for network trouble)."""
        host = self.server_for(domain)
        if host is None:
            return unknown(domain, "no-whois-server", Source.WHOIS)
        bucket = self.buckets[host]
        address = host
        if self.resolve is not None:
            addresses = await self.resolve(host)
            if not addresses:
                return unknown(domain, "whois-host-has-no-address", Source.WHOIS, host)
            address = addresses[0]
        reason = "no-answer"
        for attempt in range(self.retries + 1):
            await bucket.acquire()
            try:
                text = await whois_query(address, self.port, domain, self.timeout)
            except TimeoutError:
                reason = "timeout"
            except OSError:
                reason = "connection"
            else:
                status, facts, why = parse_whois(text)
                if why != "rate-limited":
                    return Lookup(domain, status, Source.WHOIS, host, facts, why)
                bucket.pause(60.0)  # WHOIS quotas carry no Retry-After; back off a minute
                return unknown(domain, "rate-limited", Source.WHOIS, host)
            if attempt < self.retries:
                await asyncio.sleep(self.backoff * 2**attempt)
        return unknown(domain, reason, Source.WHOIS, host)
