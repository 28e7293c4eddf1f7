"""The outbound address policy: which addresses typorisk may connect to.

Everything typorisk connects to on the outside is chosen, directly or not, by someone else: a
look-alike's A records and redirects, an RDAP answer's links, a WHOIS referral, an MX host, a CT
log list. An attacker who registers a typo of your domain can point any of them at your internal
network, and the scanner runs inside it on a schedule. So every connection goes through one
:class:`AddressPolicy`, checked on the **address actually connected to**, after resolution:
callers resolve a name once, filter the addresses with :meth:`AddressPolicy.permitted`, and connect
to those numeric addresses only (no second lookup, so DNS rebinding between check and connect
cannot work).

By default no non-public address is allowed (:data:`BLOCKED`, a table of named ranges): loopback,
RFC 1918, CGNAT, link-local (the cloud metadata address 169.254.169.254 among them), unspecified,
multicast, reserved, documentation and benchmarking ranges, IPv6 unique-local and site-local.
IPv6 forms that carry an IPv4 address (IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible
``::a.b.c.d``, 6to4 ``2002:AABB:CCDD::/48``, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``) are
judged by the IPv4 address they carry as well as by their own. Teredo (``2001::/32``) is refused:
its server and client addresses are encodings that no policy can vouch for.

An explicit opt-in names the networks it opens (``--allow-private-network CIDR``, repeatable;
the feed key ``scan.allow_private_network``). Only those networks open: allowing ``127.0.0.0/8``
opens loopback and nothing else (RFC 1918, link-local and the metadata address stay closed).

A refusal is :class:`AddressRefused` (an ``OSError``, so every client already treats it as a
connection failure) whose text says which address and which range, e.g.
``refused: private address 10.0.0.5 (RFC 1918 private)``.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp.abc import ResolveResult

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

BLOCKED: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "unspecified / this network"),
    ("10.0.0.0/8", "RFC 1918 private"),
    ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (cloud metadata)"),
    ("172.16.0.0/12", "RFC 1918 private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "RFC 1918 private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("255.255.255.255/32", "broadcast"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "IPv4-compatible"),
    ("::ffff:0:0/96", "IPv4-mapped"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo"),
    ("2001:db8::/32", "documentation"),
    ("2001:10::/28", "ORCHID"),
    ("2001:20::/28", "ORCHIDv2"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast"),
)
"""Every range refused by default, with the name given in a refusal. IPv4-mapped and
IPv4-compatible addresses are listed so that they are refused when they carry a non-public IPv4
address; a mapped public address (``::ffff:8.8.8.8``) is judged by that address and allowed."""

_BLOCKED_NETS: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ipaddress.ip_network(cidr), name) for cidr, name in BLOCKED
)
_CARRIERS = ("::ffff:0:0/96", "::/96")
"""Ranges whose addresses are judged by the IPv4 address they carry, not by the range itself."""
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_SIXTOFOUR = ipaddress.ip_network("2002::/16")
WEB_PORTS = frozenset({80, 443})
"""Ports a web fetch may reach unless configured otherwise."""


class AddressRefused(OSError):
    """A connection the outbound policy does not allow (its text is the reason, one line)."""


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64), if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    packed = ip.packed
    if any(ip in net for net in _NAT64) or (
        packed[:12] == bytes(12) and int.from_bytes(packed[12:], "big") > 1
    ):
        return ipaddress.IPv4Address(packed[12:])
    return None


def _range_of(ip: IPAddress) -> str | None:
    """The name of the first non-carrier blocked range holding ``ip``."""
    for net, name in _BLOCKED_NETS:
        if ip.version == net.version and ip in net and str(net) not in _CARRIERS:
            return name
    return None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses and ports outbound connections may use (immutable; share one per run).

    Invariant: an address is allowed when it is public, or when it (or the IPv4 address it
    carries) lies in one of :attr:`allowed`.
    """

    allowed: tuple[IPNetwork, ...] = ()
    """Networks opened by the user's explicit opt-in (empty: public addresses only)."""
    web_ports: frozenset[int] = field(default=WEB_PORTS)
    """Ports a web fetch (and its redirects) may reach."""

    @classmethod
    def of(cls, networks: Iterable[str] = (), web_ports: Iterable[int] = WEB_PORTS) -> AddressPolicy:
        """A policy opening ``networks`` (CIDR text, or a bare address for one host).
        Raises ``ValueError`` naming the text that is not a network."""
        nets: list[IPNetwork] = []
        for text in networks:
            try:
                nets.append(ipaddress.ip_network(text.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"{text!r} is not a network: give CIDR, e.g. 127.0.0.0/8 or 10.20.0.0/16"
                ) from None
        return cls(tuple(nets), frozenset(web_ports))

    @property
    def opened(self) -> str:
        """The opted-in networks as text (for the run's summary); empty when none."""
        return ", ".join(str(n) for n in self.allowed)

    def _opened(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.allowed)

    def refusal(self, address: str) -> str | None:
        """Why ``address`` may not be connected to, or ``None`` when it may. A text that is
        not an IP address is refused (callers pass numeric addresses only)."""
        try:
            ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
        except ValueError:
            return f"refused: {address[:80]!r} is not an IP address"
        if self._opened(ip):
            return None
        carried = embedded_ipv4(ip)
        if carried is not None and self._opened(carried):
            return None
        name = _range_of(ip)
        if name is None and carried is not None:
            inner = _range_of(carried)
            name = f"{inner}, carried in {ip}" if inner else None
        if name is None:
            return None
        return f"refused: private address {address} ({name})"

    def allows(self, address: str) -> bool:
        """True when ``address`` may be connected to."""
        return self.refusal(address) is None

    def permitted(self, addresses: Sequence[str]) -> list[str]:
        """The addresses of ``addresses`` that may be connected to, in order. Raises
        :class:`AddressRefused` (the first refusal's reason) when none may."""
        kept = [a for a in addresses if self.refusal(a) is None]
        if addresses and not kept:
            raise AddressRefused(self.refusal(addresses[0]))
        return kept

    def port_refusal(self, port: int | None) -> str | None:
        """Why a web fetch may not go to ``port``, or ``None``."""
        if port is None or port in self.web_ports:
            return None
        allowed = ", ".join(str(p) for p in sorted(self.web_ports))
        return f"refused: port {port} (web fetches go to ports {allowed})"


PUBLIC_ONLY = AddressPolicy()
"""The default: public addresses only, web on ports 80 and 443."""


async def resolve_permitted(
    host: str, port: int, policy: AddressPolicy, *, family: int = socket.AF_UNSPEC
) -> list[tuple[int, str]]:
    """``host``'s addresses (a name through the system resolver, or a literal) that ``policy``
    allows, as ``(family, address)``; raises :class:`AddressRefused` when it has some but none
    is allowed, ``OSError`` when it has none."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, family=family, type=socket.SOCK_STREAM)
    seen: list[tuple[int, str]] = []
    for fam, _type, _proto, _canon, sockaddr in infos:
        pair = (int(fam), str(sockaddr[0]))
        if pair not in seen:
            seen.append(pair)
    kept = set(policy.permitted([addr for _fam, addr in seen]))
    return [(fam, addr) for fam, addr in seen if addr in kept]


async def open_connection(
    host: str,
    port: int,
    policy: AddressPolicy,
    *,
    limit: int = 2**16,
    **kwargs: object,
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """:func:`asyncio.open_connection` to ``host`` through ``policy``: the name is resolved
    once, refused addresses dropped, and the connection opened to a kept numeric address (the
    next one on failure). TLS (``ssl=...``) keeps ``host`` as the server name."""
    addresses = await resolve_permitted(host, port, policy)
    if kwargs.get("ssl") and "server_hostname" not in kwargs:
        kwargs["server_hostname"] = host
    last: OSError | None = None
    for _fam, address in addresses:
        try:
            return await asyncio.open_connection(address, port, limit=limit, **kwargs)  # type: ignore[arg-type]
        except OSError as exc:
            last = exc
    raise last or OSError(f"{host} has no address")


class PolicyConnector(aiohttp.TCPConnector):
    """An aiohttp connector that connects only where ``policy`` allows.

    aiohttp connects to exactly the addresses ``_resolve_host`` returns (names through its
    resolver, IP literals as they are), so filtering them there is the check on the address
    actually connected to: no second lookup follows. A host with no allowed address fails
    with :class:`AddressRefused`, which aiohttp reports as a connection error (its ``os_error``).
    """

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Any] | None = None
    ) -> list[ResolveResult]:
        found = await super()._resolve_host(host, port, traces)  # type: ignore[arg-type]
        kept = set(self.policy.permitted([str(r["host"]) for r in found]))
        return [r for r in found if str(r["host"]) in kept]


def refusal_of(exc: BaseException) -> str | None:
    """The policy's reason when ``exc`` is (or wraps) an :class:`AddressRefused`."""
    seen: BaseException | None = exc
    for _ in range(4):
        if seen is None:
            return None
        if isinstance(seen, AddressRefused):
            return str(seen)
        inner = getattr(seen, "os_error", None)
        seen = inner if isinstance(inner, BaseException) else seen.__cause__ or seen.__context__
    return None
