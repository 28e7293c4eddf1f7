"""Network owners: who holds the address a typo domain points at, and its origin AS (RDAP).

IANA's bootstrap registries for numbers (RFC 9224: ``ipv4.json``, ``ipv6.json``, ``asn.json``)
name the RIR serving each prefix and AS range; :func:`load_network_bootstrap` reads them in the
documented order (an explicit directory → the user cache written by ``typorisk update-data``,
file by file when it parses → the snapshots shipped in ``typorisk/data``). Nothing is fetched
here but the lookups themselves.

:func:`parse_ip_network` and :func:`parse_autnum` are pure. :class:`NetworkClient` asks the RIR
through an :class:`~typorisk.register.rdap.RdapClient` (same session, token buckets, retries
and Retry-After handling as domain lookups) and remembers every answer **per network**: an
address inside a network already answered (in this run, or in the disk cache within its TTL)
costs no query, and two addresses of one /24 (/48) asked at once share one query. The origin AS
comes from the IP answer where the registry gives it (ARIN's ``arin_originas0_originautnums``,
or an ``origin: ASn`` remark); otherwise the ASN lookup is skipped. An AS name is asked once.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from typorisk.errors import DataFileError
from typorisk.kit.net import network_of
from typorisk.kit.paths import user_cache_dir
from typorisk.register.rdap import RdapClient, abuse_contact
from typorisk.register.records import LookupStatus
from typorisk.register.text import clean

IP_FILES = {4: "ipv4.json", 6: "ipv6.json"}
ASN_FILE = "asn.json"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_ORIGIN = re.compile(r"\borigin(?:as)?\s*:\s*AS(\d{1,10})\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class NetworkBootstrap:
    """Prefix → RIR RDAP base URLs (each ending in ``/``), and AS range → base URLs."""

    prefixes: tuple[tuple[Network, tuple[str, ...]], ...]
    """Longest prefix first, so the first match is the most specific."""
    asns: tuple[tuple[int, int, tuple[str, ...]], ...]
    """(first AS, last AS, base URLs), inclusive ranges."""
    origin: str = "<memory>"

    def ip_urls(self, address: str, scheme: str = "https") -> tuple[str, ...]:
        """Base URLs serving ``address`` with ``scheme`` (empty when none, or not an address)."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return ()
        for network, urls in self.prefixes:
            if ip.version == network.version and ip in network:
                return tuple(u for u in urls if u.startswith(f"{scheme}://"))
        return ()

    def asn_urls(self, asn: int, scheme: str = "https") -> tuple[str, ...]:
        """Base URLs serving AS ``asn`` with ``scheme``."""
        for first, last, urls in self.asns:
            if first <= asn <= last:
                return tuple(u for u in urls if u.startswith(f"{scheme}://"))
        return ()


def _services(doc: Any, origin: str) -> list[tuple[list[str], tuple[str, ...]]]:
    entries = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise DataFileError(f"{origin}: not an RDAP bootstrap file (no 'services' list)")
    out = []
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[0], list)):
            raise DataFileError(f"{origin}: malformed service entry {entry!r:.80}")
        keys, urls = entry[0], entry[1]
        if not all(isinstance(x, str) for x in [*keys, *urls]):
            raise DataFileError(f"{origin}: non-string entry in {entry!r:.80}")
        out.append((keys, tuple(u if u.endswith("/") else u + "/" for u in urls)))
    return out


def parse_ip_bootstrap(doc: Any, origin: str = "<memory>") -> list[tuple[Network, tuple[str, ...]]]:
    """An ``ipv4.json``/``ipv6.json`` document → (network, URLs) pairs. Pure. Raises
    :class:`DataFileError` for a wrong shape or a prefix that does not parse."""
    pairs: list[tuple[Network, tuple[str, ...]]] = []
    for prefixes, urls in _services(doc, origin):
        for prefix in prefixes:
            try:
                pairs.append((ipaddress.ip_network(prefix, strict=False), urls))
            except ValueError as exc:
                raise DataFileError(f"{origin}: bad prefix {prefix!r}: {exc}") from exc
    return pairs


def parse_asn_bootstrap(
    doc: Any, origin: str = "<memory>"
) -> list[tuple[int, int, tuple[str, ...]]]:
    """An ``asn.json`` document → (first, last, URLs). Pure. Ranges are ``"N-M"`` or ``"N"``."""
    out: list[tuple[int, int, tuple[str, ...]]] = []
    for ranges, urls in _services(doc, origin):
        for text in ranges:
            first, _, last = text.partition("-")
            if not (first.isdigit() and (not last or last.isdigit())):
                raise DataFileError(f"{origin}: bad AS range {text!r}")
            out.append((int(first), int(last or first), urls))
    return out


def _read(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(
            f"cannot read the RDAP bootstrap {path}: {exc}; run `typorisk update-data` or "
            "delete the file to fall back to the shipped snapshot"
        ) from exc


def _pick(name: str, directory: Path | None) -> tuple[Path, Any]:
    """The file ``name``: from ``directory`` when given (errors raise), else the user cache
    when it reads, else the shipped snapshot."""
    if directory is not None:
        try:
            return directory / name, _read(directory / name)
        except DataFileError as exc:
            raise DataFileError(
                f"--rdap-network-bootstrap {directory}: cannot read {name} ({exc.__cause__}); "
                "give a directory holding ipv4.json, ipv6.json and asn.json (RFC 9224 files)"
            ) from exc
    cached = user_cache_dir() / name
    if cached.is_file():
        try:
            return cached, _read(cached)
        except DataFileError:
            pass  # a damaged cache never stops a scan; update-data rewrites it
    shipped = Path(str(resources.files("typorisk.data").joinpath(name)))
    return shipped, _read(shipped)


def load_network_bootstrap(directory: Path | str | None = None) -> NetworkBootstrap:
    """The three number bootstraps in the documented order (module docstring). Raises
    :class:`DataFileError` naming the file that does not parse."""
    directory = Path(directory) if directory is not None else None
    prefixes: list[tuple[Network, tuple[str, ...]]] = []
    for name in IP_FILES.values():
        path, doc = _pick(name, directory)
        prefixes += parse_ip_bootstrap(doc, str(path))
    path, doc = _pick(ASN_FILE, directory)
    asns = parse_asn_bootstrap(doc, str(path))
    prefixes.sort(key=lambda p: -p[0].prefixlen)
    origin = str(directory) if directory else "shipped/cached snapshots"
    return NetworkBootstrap(tuple(prefixes), tuple(asns), origin)


@dataclass(frozen=True, slots=True)
class NetworkOwner:
    """The owner of the network holding one address (IP RDAP), and its origin AS."""

    address: str
    """The address asked (text form)."""
    status: LookupStatus
    networks: tuple[str, ...] = ()
    """The answer's range as CIDR blocks (``198.51.100.0/24``); what the answer is cached for."""
    net_name: str | None = None
    net_handle: str | None = None
    net_country: str | None = None
    """ISO 3166 alpha-2, as the registry gives it."""
    net_abuse: str | None = None
    """Abuse contact e-mail (entity with role ``abuse``, at any depth), lowercase."""
    asn: int | None = None
    """Origin AS, only where the registry states it."""
    asn_name: str | None = None
    server: str | None = None
    """The RDAP base URL asked."""
    reason: str | None = None
    """Why the status is UNKNOWN (``no-rdap-service``, ``timeout``...), or why the AS name is
    missing on a found answer (``asn-rdap-timeout``)."""

    def to_json(self) -> dict[str, Any]:
        """A JSON-compatible mapping (the disk cache); inverse of :meth:`from_json`."""
        out = dataclasses.asdict(self)
        out["status"] = self.status.value
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> NetworkOwner:
        """Rebuild from :meth:`to_json` output. Raises KeyError/TypeError/ValueError."""
        fields = dict(data)
        fields["status"] = LookupStatus(fields["status"])
        fields["networks"] = tuple(fields.get("networks") or ())
        return cls(**fields)

    def covers(self, address: str) -> bool:
        """True when ``address`` lies in one of :attr:`networks`."""
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(n) for n in self.networks)


def _cidrs(doc: dict[str, Any]) -> tuple[str, ...]:
    """The answer's range as CIDR blocks: ``startAddress``–``endAddress``, else ``cidr0_cidrs``."""
    start, end = doc.get("startAddress"), doc.get("endAddress")
    try:
        first, last = ipaddress.ip_address(str(start)), ipaddress.ip_address(str(end))
        blocks = ipaddress.summarize_address_range(first, last)
        return tuple(str(b) for b in blocks)[:64]
    except (ValueError, TypeError):
        pass
    out = []
    for item in doc.get("cidr0_cidrs") or []:
        if isinstance(item, dict):
            prefix = item.get("v4prefix") or item.get("v6prefix")
            with contextlib.suppress(ValueError, TypeError):
                out.append(str(ipaddress.ip_network(f"{prefix}/{item.get('length')}")))
    return tuple(out)


def _origin_as(doc: dict[str, Any]) -> int | None:
    """The origin AS an IP answer states: ARIN's ``arin_originas0_originautnums`` (first), or
    an ``origin: ASn`` line of the remarks (RIPE-style)."""
    numbers = doc.get("arin_originas0_originautnums")
    if isinstance(numbers, list):
        for n in numbers:
            if isinstance(n, int) and 0 < n < 2**32:
                return n
            if isinstance(n, str) and n.removeprefix("AS").isdigit():
                return int(n.removeprefix("AS"))
    for remark in doc.get("remarks") or []:
        lines = remark.get("description") if isinstance(remark, dict) else None
        for line in lines if isinstance(lines, list) else []:
            match = _ORIGIN.search(str(line))
            if match and 0 < int(match.group(1)) < 2**32:
                return int(match.group(1))
    return None


def parse_ip_network(doc: Any, address: str) -> NetworkOwner:
    """An RFC 9083 ``ip network`` object → a found :class:`NetworkOwner` for ``address``. Pure.
    Raises ``ValueError`` when ``doc`` is not an IP network object."""
    if not isinstance(doc, dict) or (
        doc.get("objectClassName") != "ip network" and "startAddress" not in doc
    ):
        raise ValueError("not an RDAP ip network object")
    country = clean(doc.get("country"))
    email, _phone = abuse_contact(doc)
    return NetworkOwner(
        address=address,
        status=LookupStatus.FOUND,
        networks=_cidrs(doc),
        net_name=clean(doc.get("name")),
        net_handle=clean(doc.get("handle")),
        net_country=country.upper()[:2] if country else None,
        net_abuse=email,
        asn=_origin_as(doc),
    )


def parse_autnum(doc: Any) -> str | None:
    """An RFC 9083 ``autnum`` object → its name (``EXAMPLE-HOSTING``), else its handle. Pure.
    Raises ``ValueError`` when ``doc`` is not an autnum object."""
    if not isinstance(doc, dict) or (
        doc.get("objectClassName") != "autnum" and "startAutnum" not in doc
    ):
        raise ValueError("not an RDAP autnum object")
    return clean(doc.get("name")) or clean(doc.get("handle"))


class NetworkCache(Protocol):
    """Where owners are remembered across runs (:class:`~typorisk.register.cache.LookupCache`)."""

    def get_network(self, address: str) -> NetworkOwner | None:
        """The fresh owner of the most specific network holding ``address``, or None."""

    def put_network(self, owner: NetworkOwner) -> None:
        """Remember a found owner for each of its networks."""


class NetworkClient:
    """Owners of addresses, asked with ``rdap`` (its session, buckets, retries, scheme) at the
    RIRs that ``bootstrap`` names; answers remembered per network (see the module docstring).
    ``cache`` is an optional disk cache (:class:`~typorisk.register.cache.LookupCache`)."""

    def __init__(
        self, rdap: RdapClient, bootstrap: NetworkBootstrap, cache: NetworkCache | None = None
    ) -> None:
        self.rdap = rdap
        self.bootstrap = bootstrap
        self.cache = cache
        self.known: list[NetworkOwner] = []
        """Found answers of this run."""
        self.queries = 0
        """IP and ASN RDAP queries sent (retries not counted)."""
        self.cache_hits = 0
        self._pending: dict[str, asyncio.Task[NetworkOwner]] = {}
        self._asn: dict[int, asyncio.Task[tuple[str | None, str | None]]] = {}

    async def owner(self, address: str) -> NetworkOwner:
        """The owner of ``address`` (never raises for network trouble)."""
        for known in self.known:
            if known.covers(address):
                return dataclasses.replace(known, address=address)
        cached = self.cache.get_network(address) if self.cache is not None else None
        if cached is not None:
            self.cache_hits += 1
            self.known.append(cached)
            return dataclasses.replace(cached, address=address)
        key = network_of(address) or address  # addresses asked at once share one query
        task = self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(self._ask(address))
            self._pending[key] = task
        answer = await task
        if answer.status is LookupStatus.FOUND and not answer.covers(address):
            return await self._ask(address)  # a smaller network than the /24: ask for this one
        return dataclasses.replace(answer, address=address)

    async def owners(self, addresses: Iterable[str]) -> dict[str, NetworkOwner]:
        """Every distinct address → its owner."""
        wanted = list(dict.fromkeys(addresses))
        found = await asyncio.gather(*(self.owner(a) for a in wanted))
        return dict(zip(wanted, found, strict=True))

    async def _ask(self, address: str) -> NetworkOwner:
        scheme = self.rdap.scheme
        bases = self.bootstrap.ip_urls(address, scheme)
        if not bases:
            return NetworkOwner(address, LookupStatus.UNKNOWN, reason="no-rdap-service")
        self.queries += 1
        reply = await self.rdap.get(f"{bases[0]}ip/{address}")
        if isinstance(reply, str):
            return NetworkOwner(address, LookupStatus.UNKNOWN, server=bases[0], reason=reply)
        if reply.status == 404:
            return NetworkOwner(address, LookupStatus.NOT_FOUND, server=bases[0])
        try:
            if reply.status != 200:
                raise ValueError(f"http-{reply.status}")
            owner = parse_ip_network(json.loads(reply.body), address)
        except (ValueError, RecursionError) as exc:
            why = str(exc) if str(exc).startswith("http-") else "malformed-response"
            return NetworkOwner(address, LookupStatus.UNKNOWN, server=bases[0], reason=why)
        owner = dataclasses.replace(owner, server=bases[0])
        if owner.asn is not None:
            name, missing = await self._asn_name(owner.asn)
            owner = dataclasses.replace(owner, asn_name=name, reason=missing)
        if not owner.networks:  # no usable range: remember the address alone
            owner = dataclasses.replace(owner, networks=(str(ipaddress.ip_network(address)),))
        self.known.append(owner)
        if self.cache is not None and owner.reason is None:
            self.cache.put_network(owner)
        return owner

    async def _asn_name(self, asn: int) -> tuple[str | None, str | None]:
        task = self._asn.get(asn)
        if task is None:
            task = asyncio.ensure_future(self._ask_asn(asn))
            self._asn[asn] = task
        return await task

    async def _ask_asn(self, asn: int) -> tuple[str | None, str | None]:
        bases = self.bootstrap.asn_urls(asn, self.rdap.scheme)
        if not bases:
            return None, "asn-no-rdap-service"
        self.queries += 1
        reply = await self.rdap.get(f"{bases[0]}autnum/{asn}")
        if isinstance(reply, str):
            return None, f"asn-rdap-{reply}"
        if reply.status != 200:
            return None, f"asn-rdap-http-{reply.status}"
        try:
            return parse_autnum(json.loads(reply.body)), None
        except (ValueError, RecursionError):
            return None, "asn-rdap-malformed-response"
