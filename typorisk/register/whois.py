"""WHOIS over TCP port 43 (RFC 3912) for suffixes without RDAP: a pure parser and a client.

The server of each TLD comes from the shipped IANA map (``typorisk/data/whois_servers.json``);
a TLD missing there is ``unknown`` (``no-whois-server``), never guessed. WHOIS has no standard
format: :func:`parse_whois` reads the common ``Key: value`` fields (ICANN gTLD format, DENIC,
AFNIC/RIPE-style ``key: value`` lowercase) and says *unknown* when the text is neither a record
nor a recognised "no match" answer, or when it is about another domain.

The server's answer is attacker input (a look-alike may sit at a registrar that runs a hostile
WHOIS server, and a thin registry's ``Registrar WHOIS Server:`` referral names any host), so:

- every connection, referrals included, goes to an address the outbound policy allows
  (:class:`~typorisk.kit.outbound.AddressPolicy`; the host is resolved once and the numeric
  address connected to), else the answer is ``unknown`` with the policy's reason;
- one exchange (connect, query, read to EOF) has one time cap, ``timeout`` seconds;
- an answer is read up to :data:`MAX_BYTES`; one that goes on is cut there and is ``unknown``
  (``answer cut at 256 KiB``), never found: the end of a record may be missing and its start
  may be about anything;
- a found answer must name the asked domain.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

import idna

from typorisk.kit.outbound import PUBLIC_ONLY, AddressPolicy, open_connection, refusal_of
from typorisk.kit.rate import ServerBuckets
from typorisk.register.politeness import polite_slot
from typorisk.register.records import (
    Lookup,
    LookupStatus,
    RegistrationFacts,
    Source,
    merge_facts,
    unknown,
)
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
    "referral": ("registrar whois server", "whois server"),
}
_KEY_OF = {alias: key for key, aliases in _FIELDS.items() for alias in aliases}
_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9 ./_-]{0,48}?)\s*:\s*(.*?)\s*$")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{1,63}$")


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


def _alabel(name: str) -> str:
    """``name`` as a lowercase A-label without the trailing dot (as given when not IDNA)."""
    name = name.lower().rstrip(".")
    if name.isascii():
        return name
    try:
        return idna.encode(name, uts46=True).decode("ascii")
    except idna.IDNAError:
        return name


def _names(text: str, domain: str) -> bool:
    """True when ``text`` holds ``domain`` as a whole name (any case; not as a part of a longer
    name such as ``x.domain`` or ``domain.evil``)."""
    pattern = rf"(?<![a-z0-9.-]){re.escape(domain)}(?!\.?[a-z0-9-])"
    return re.search(pattern, text, re.IGNORECASE) is not None


def parse_whois(
    text: str, domain: str | None = None
) -> tuple[LookupStatus, RegistrationFacts, str | None]:
    """A WHOIS answer → (status, facts, reason when unknown). Pure.

    Found needs a record: a domain, creation date, registrar or registry status line. A
    recognised "no match" line is not found; a quota message or anything else is unknown.
    With ``domain`` (the lowercase A-label asked), an answer whose domain line names another
    domain is unknown (``answer is about other.example, not asked.example``), and so is a
    record that does not name ``domain`` anywhere.
    """
    pairs = _pairs(text)
    named = [_alabel(v.split()[0]) for v in pairs.get("domain", []) if v.split()]
    if domain is not None and named and domain not in named:
        return (
            LookupStatus.UNKNOWN,
            RegistrationFacts(),
            f"answer is about {named[0]:.80}, not {domain}",
        )
    record = any(k in pairs for k in ("domain", "created", "registrar", "expires"))
    if _NOT_FOUND.search(text) and not ("created" in pairs or "registrar" in pairs):
        return LookupStatus.NOT_FOUND, RegistrationFacts(), None
    if record and domain is not None and not named and not _names(text, domain):
        return LookupStatus.UNKNOWN, RegistrationFacts(), f"answer does not name {domain}"
    if record:
        return LookupStatus.FOUND, _facts(pairs), None
    if _LIMITED.search(text):
        return LookupStatus.UNKNOWN, RegistrationFacts(), "rate-limited"
    return LookupStatus.UNKNOWN, RegistrationFacts(), "unrecognised-answer"


def referral_of(text: str) -> str | None:
    """The registrar's WHOIS host a thin registry's answer names (``Registrar WHOIS Server:``),
    lowercase, when it is a dotted host name or an IP address; else None. Pure."""
    for value in _pairs(text).get("referral", []):
        host = value.split()[0].lower().rstrip(".").removeprefix("whois://")
        if _HOST.match(host) or _is_ip(host):
            return host
    return None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class WhoisAnswer:
    """What one WHOIS exchange read."""

    text: str
    """The answer (UTF-8, else Latin-1), at most ``max_bytes`` bytes of it."""
    cut: bool
    """The server sent more than ``max_bytes``: ``text`` is only its beginning."""


async def whois_query(
    host: str,
    port: int,
    query: str,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
    *,
    policy: AddressPolicy = PUBLIC_ONLY,
    resolve: Resolve | None = None,
) -> WhoisAnswer:
    """Send ``query`` CRLF to ``host:port`` and read the answer until EOF, or until more than
    ``max_bytes`` arrived (then the rest is never read: :attr:`WhoisAnswer.cut`).

    ``timeout`` seconds cap the whole exchange, connecting included. ``host`` is resolved once
    (with ``resolve`` when given, else the system's resolver) and only an address ``policy``
    allows is connected to. Raises ``OSError`` (:class:`~typorisk.kit.outbound.AddressRefused`
    for a refused address) or ``TimeoutError``.
    """
    async with asyncio.timeout(timeout):
        reader, writer = await _connect(host, port, policy, resolve)
        try:
            writer.write(query.encode("ascii") + b"\r\n")
            await writer.drain()
            chunks: list[bytes] = []
            size = 0
            while size <= max_bytes and (data := await reader.read(max_bytes + 1 - size)):
                chunks.append(data)
                size += len(data)
        finally:
            writer.close()
    body = b"".join(chunks)[:max_bytes]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")  # older ccTLD servers; every byte maps to a character
    return WhoisAnswer(text, size > max_bytes)


async def _connect(
    host: str, port: int, policy: AddressPolicy, resolve: Resolve | None
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to an address of ``host`` that ``policy`` allows (numeric, looked up once)."""
    if resolve is None or _is_ip(host):
        return await open_connection(host, port, policy)
    addresses = list(await resolve(host))
    if not addresses:
        raise _NoAddress(f"{host} has no address")
    return await asyncio.open_connection(policy.permitted(addresses)[0], port)


class _NoAddress(OSError):
    """The WHOIS host's name has no address (in the scan's DNS)."""


def _failure(exc: OSError) -> str:
    """The reason of a failed exchange: the policy's refusal, a host without an address,
    else ``connection`` (the only one worth a retry)."""
    if isinstance(exc, _NoAddress):
        return "whois-host-has-no-address"
    return refusal_of(exc) or "connection"


class WhoisClient:
    """Asks the TLD's WHOIS server (from ``servers``: TLD → host) about domains, politely.

    ``timeout`` is seconds per exchange; ``port`` is 43 except in tests. ``resolve`` turns a
    server's host name into addresses (the scan passes its own DNS client, so WHOIS hosts are
    found through the scan's servers); without it the operating system's resolver is used.
    ``policy`` is the outbound address policy every connection obeys (default: public
    addresses only). ``follow_referral`` follows a thin registry's ``Registrar WHOIS Server:``
    once (same port, its own token bucket); the registrar's contacts are merged into the
    registry's facts, and a referral that fails leaves the registry's facts with a reason
    (``registrar-whois-refused: private address 10.0.0.5 (RFC 1918 private)``).
    A server paused (a quota message) for longer than ``timeout × (retries + 1)`` seconds
    answers ``rate-limited by server HOST`` at once instead of holding the lookup.
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
        policy: AddressPolicy = PUBLIC_ONLY,
        max_bytes: int = MAX_BYTES,
        follow_referral: bool = True,
    ) -> None:
        self.servers = servers
        self.resolve = resolve
        self.buckets = buckets or ServerBuckets()
        self.port = port
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.policy = policy
        self.max_bytes = max_bytes
        self.follow_referral = follow_referral

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
        answer = await self._ask(host, domain, self.retries)
        if isinstance(answer, str):
            return unknown(domain, answer, Source.WHOIS, host)
        status, facts, why = parse_whois(answer.text, domain)
        if why == "rate-limited":
            self.buckets[host].pause(60.0)  # WHOIS quotas carry no Retry-After; back off a minute
            return unknown(domain, f"rate-limited by server {host}", Source.WHOIS, host)
        lookup = Lookup(domain, status, Source.WHOIS, host, facts, why)
        referral = referral_of(answer.text) if self.follow_referral else None
        if status is not LookupStatus.FOUND or referral is None or referral == host.lower():
            return lookup
        more, missing = await self._registrar(referral, domain)
        merged = merge_facts(facts, more) if more is not None else facts
        return Lookup(domain, status, Source.WHOIS, host, merged, missing)

    async def _registrar(
        self, host: str, domain: str
    ) -> tuple[RegistrationFacts | None, str | None]:
        """The registrar's facts from its WHOIS server ``host``, or (None, why not)."""
        answer = await self._ask(host, domain, 0)
        if isinstance(answer, str):
            return None, f"registrar-whois-{answer}"
        status, facts, why = parse_whois(answer.text, domain)
        if status is not LookupStatus.FOUND:
            return None, f"registrar-whois-{why or status.value}"
        return facts, None

    async def _ask(self, host: str, domain: str, retries: int) -> str | WhoisAnswer:
        """The complete answer of ``host`` about ``domain``, or why there is none."""
        bucket = self.buckets[host]
        deadline = time.monotonic() + self.timeout * (retries + 1)
        reason = "no-answer"
        for attempt in range(retries + 1):
            if not await polite_slot(bucket, deadline):
                return f"rate-limited by server {host}"
            try:
                answer = await whois_query(
                    host, self.port, domain, self.timeout, self.max_bytes,
                    policy=self.policy, resolve=self.resolve,
                )  # fmt: skip
            except TimeoutError:
                reason = "timeout"
            except OSError as exc:
                reason = _failure(exc)
                if reason != "connection":
                    return reason  # refused, or no address: asking again changes nothing
            else:
                if answer.cut:
                    return f"answer cut at {self.max_bytes // 1024} KiB"
                return answer
            if attempt < retries:
                await asyncio.sleep(self.backoff * 2**attempt)
        return reason
