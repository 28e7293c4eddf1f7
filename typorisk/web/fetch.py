"""Fetch one page over HTTP(S) from the addresses the scan resolved, never the system resolver.

The only network I/O of the web stage. A :class:`Fetcher` owns one ``aiohttp.ClientSession``
whose connector resolves through :class:`ScanResolver`: a host name maps to the A/AAAA the
scan's own resolver found (the candidate's records, or for a redirect target a lookup through
the injected :data:`AddressLookup`). aiohttp sets the Host header and the TLS SNI from the URL,
so the server sees the candidate's name while the socket goes to the resolved address.

Limits, per page (a page is one URL with its redirects):

- ``connect_timeout`` seconds to open each connection, ``read_timeout`` seconds for each hop's
  headers and body together (a tarpit that trickles a byte a second is cut there);
- ``max_bytes`` of body (default 2 MiB, after decompression); reading stops beyond it;
- ``redirects`` hops at most, followed by hand (``allow_redirects=False``) so every hop's URL
  is recorded and every new host is resolved by typorisk; a URL seen twice is a loop;
- at most ``rate`` requests/s per address (one token bucket per IP: parking farms put thousands
  of names on one address) and ``concurrency`` pages in flight.

Where a fetch may go is the outbound :class:`~typorisk.kit.outbound.AddressPolicy` (default:
public addresses only, ports 80 and 443). The connector applies it to the addresses aiohttp is
about to connect to (names through :class:`ScanResolver`, IP literals as they are), on the first
request and on every redirect hop alike, so a look-alike whose A record, redirect or meta refresh
points at ``127.0.0.1``, ``10.0.0.5`` or ``169.254.169.254`` (in any IPv6 form) is refused
before a packet is sent to it. A refusal is a :class:`Page` with ``error`` ``refused: ...``.

TLS is not verified (a phishing site's certificate is evidence, not a reason to stop); the leaf
certificate's DER is kept for :mod:`typorisk.web.tls`. Nothing is executed: the body is bytes.
A fault is a :class:`Page` with ``error`` set, never an exception.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from ipaddress import ip_address
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.client_proto import ResponseHandler
from aiohttp.client_reqrep import ClientRequest
from yarl import URL

from typorisk.kit.about import __version__
from typorisk.kit.outbound import PUBLIC_ONLY, AddressPolicy, AddressRefused, refusal_of
from typorisk.kit.outbound_http import PolicyConnector
from typorisk.kit.rate import ServerBuckets

AddressLookup = Callable[[str], Awaitable[Sequence[str]]]
"""A host name (lowercase A-label) → its A/AAAA addresses, through typorisk's resolver; empty
when it has none."""
MIB = 1024 * 1024
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
DEFAULT_USER_AGENT = f"typorisk/{__version__} (typo-domain risk scan; web evidence)"


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How one page is fetched (units in the module docstring)."""

    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 5.0
    """Seconds to open a connection (TCP and TLS)."""
    read_timeout: float = 10.0
    """Seconds for one hop's headers and body."""
    max_bytes: int = 2 * MIB
    """Body bytes kept; reading stops beyond."""
    redirects: int = 5
    """Hops followed after the first request."""
    rate: float | None = 2.0
    """Requests/s per address (``None``: no limit)."""
    concurrency: int = 16
    """Pages in flight."""


@dataclass(frozen=True, slots=True)
class Page:
    """What one URL gave, redirects followed."""

    url: str
    """The URL asked first."""
    chain: tuple[str, ...] = ()
    """Every URL requested, in order (the first included; the last is :attr:`final_url`)."""
    status: int | None = None
    """HTTP status of the last hop; ``None`` when no hop answered."""
    content_type: str = ""
    body: bytes = b""
    """At most ``max_bytes``."""
    truncated: bool = False
    """The body went on beyond ``max_bytes`` (the rest was not read)."""
    cert: bytes | None = None
    """DER of the leaf certificate of the last https hop."""
    error: str | None = None
    """Why the page is incomplete or failed (a loop, a reset, a timeout...)."""
    unreachable: bool = False
    """No connection could be opened at all (refused, timed out, no address)."""
    refused: bool = False
    """The outbound address policy refused a hop (its reason is :attr:`error`)."""
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def final_url(self) -> str | None:
        """The last URL requested."""
        return self.chain[-1] if self.chain else None

    @property
    def ok(self) -> bool:
        """A hop answered and nothing failed."""
        return self.status is not None and self.error is None


class ScanResolver(AbstractResolver):
    """aiohttp's resolver, answering only from addresses typorisk's resolver found.

    :meth:`learn` records a host's addresses; an unknown host raises ``OSError`` (aiohttp turns
    it into a connection error), so the system resolver is never consulted."""

    def __init__(self) -> None:
        self.known: dict[str, tuple[str, ...]] = {}

    def learn(self, host: str, addresses: Sequence[str]) -> None:
        """Remember ``host``'s addresses (lowercase A-label; IPv4/IPv6 literals)."""
        self.known[host.lower().rstrip(".")] = tuple(addresses)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        name = host.lower().rstrip(".")
        addresses = self.known.get(name)
        if addresses is None:
            addresses = (name,) if _is_ip(name) else ()
        if not addresses:
            raise OSError(f"{name} has no address from typorisk's resolver")
        out: list[ResolveResult] = []
        for addr in addresses:
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            out.append(
                {"hostname": name, "host": addr, "port": port, "family": fam, "proto": 0,
                 "flags": socket.AI_NUMERICHOST | socket.AI_NUMERICSERV}
            )  # fmt: skip
        return out

    async def close(self) -> None:
        """Nothing to release."""


def _is_ip(text: str) -> bool:
    try:
        ip_address(text.strip("[]"))
    except ValueError:
        return False
    return True


class _CertConnector(PolicyConnector):
    """A connector that keeps each TLS connection's leaf certificate (DER), by request URL.

    aiohttp releases a connection as soon as a short body is in its buffer, before the caller
    can look at the transport, so the certificate is taken when the connection is made (one
    connection per request: ``force_close``)."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(policy, **kwargs)
        self.certs: dict[str, bytes] = {}

    async def _create_connection(
        self, req: ClientRequest, traces: list[Any], timeout: aiohttp.ClientTimeout
    ) -> ResponseHandler:
        proto = await super()._create_connection(req, traces, timeout)
        transport = proto.transport
        ssl_object: Any = transport.get_extra_info("ssl_object") if transport else None
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        if der:
            self.certs[str(req.url)] = bytes(der)
        return proto


Transport = Callable[[AbstractResolver], aiohttp.BaseConnector]
"""Builds the connector pages are fetched through, given the resolver that knows the hosts'
addresses (the default: a connector obeying the outbound address policy that keeps each TLS
certificate)."""


class Fetcher:
    """Fetches pages (an async context manager holding the session).

    ``transport`` builds the session's connector (default: through the network, under
    ``policy``; tests and embedders give their own, e.g. in memory). ``policy`` is checked on
    every hop's resolved address and port before the connector is asked, whatever it is."""

    def __init__(
        self,
        limits: FetchLimits,
        lookup: AddressLookup,
        policy: AddressPolicy = PUBLIC_ONLY,
        *,
        transport: Transport | None = None,
    ) -> None:
        self.limits = limits
        self.lookup = lookup
        self.policy = policy
        """Where connections may go (checked on every hop's resolved address and port)."""
        self.transport = transport
        self.resolver = ScanResolver()
        self.buckets = ServerBuckets(limits.rate)
        self.gate = asyncio.Semaphore(max(1, limits.concurrency))
        self.requests = 0
        """Requests sent (every hop, favicons included)."""
        self._session: aiohttp.ClientSession | None = None
        self._connector: aiohttp.BaseConnector | None = None

    async def __aenter__(self) -> Fetcher:
        connector = self._connector = (
            self.transport(self.resolver)
            if self.transport is not None
            else _CertConnector(
                self.policy,
                resolver=self.resolver,
                use_dns_cache=False,
                ssl=False,
                force_close=True,
                limit=0,
            )
        )
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=self.limits.connect_timeout,
            sock_read=self.limits.read_timeout,
        )
        headers = {
            "User-Agent": self.limits.user_agent,
            "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=timeout,
            headers=headers,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def page(self, domain: str, addresses: Sequence[str]) -> Page:
        """``domain``'s home page: https first, then http when https cannot connect."""
        self.resolver.learn(domain, addresses)
        async with self.gate:
            first = await self.fetch(f"https://{domain}/")
            if not first.unreachable or first.refused:
                return first
            second = await self.fetch(f"http://{domain}/")
            if second.unreachable:
                why = f"https: {first.error}; http: {second.error}"
                return Page(second.url, error=why, unreachable=True)
            return second

    async def fetch(self, url: str) -> Page:
        """``url`` with its redirects (its host's addresses learnt beforehand)."""
        chain: list[str] = []
        current = URL(url)
        first = (current.raw_host or "").lower()
        if first and first not in self.resolver.known and not _is_ip(first):
            self.resolver.learn(first, await self.lookup(first))
        reached = False
        for _ in range(self.limits.redirects + 1):
            if str(current) in chain:
                return Page(url, tuple(chain), error=f"redirect loop back to {current}")
            chain.append(str(current))
            hop = await self._hop(current)
            reached = reached or not hop.unreachable
            if hop.location is None or hop.page.error is not None:
                return _finish(url, chain, hop.page, reached)
            try:
                target = current.join(URL(hop.location))
            except ValueError:  # a stranger's header: "http://[::1" and worse
                return _finish(url, chain, hop.page, reached, f"bad redirect {hop.location[:80]!r}")
            host = (target.raw_host or "").lower()  # the A-label (``.host`` is Unicode)
            if target.scheme not in ("http", "https") or not host:
                return _finish(url, chain, hop.page, reached, f"redirect to {hop.location[:80]}")
            if host not in self.resolver.known and not _is_ip(host):
                self.resolver.learn(host, await self.lookup(host))
            current = target
        return Page(url, tuple(chain), error=f"more than {self.limits.redirects} redirects")

    async def raw(self, url: str) -> Page:
        """One request, no redirects (favicons): host learnt beforehand."""
        return (await self._hop(URL(url))).page

    async def _hop(self, url: URL) -> _Hop:
        assert self._session is not None, "use Fetcher as an async context manager"
        host = (url.raw_host or "").lower()
        refused = self.policy.port_refusal(url.port)
        if refused is None:
            literal = (host.strip("[]"),) if _is_ip(host) else ()
            try:
                kept = self.policy.permitted(self.resolver.known.get(host, literal))
            except AddressRefused as exc:
                refused = str(exc)
            else:
                for addr in kept[:1]:  # the connector uses the first allowed address
                    await self.buckets[addr].acquire()
        if refused is not None:
            return _Hop(Page(str(url), (str(url),), error=refused, unreachable=True, refused=True))
        self.requests += 1
        budget = self.limits.connect_timeout + self.limits.read_timeout
        try:
            async with asyncio.timeout(budget):
                return await self._exchange(url)
        except TimeoutError:
            return _Hop(Page(str(url), error=f"no complete answer within {budget:g} s"))
        except aiohttp.ClientConnectorError as exc:
            why = refusal_of(exc)
            return _Hop(
                Page(str(url), error=why or _why(exc), unreachable=True, refused=why is not None)
            )
        except (aiohttp.ClientError, OSError, ValueError) as exc:
            return _Hop(Page(str(url), error=_why(exc)))

    async def _exchange(self, url: URL) -> _Hop:
        assert self._session is not None
        async with self._session.get(url, allow_redirects=False) as resp:
            certs = self._connector.certs if isinstance(self._connector, _CertConnector) else {}
            cert = certs.pop(str(resp.request_info.url), None)
            location = resp.headers.get("Location") if resp.status in REDIRECT_CODES else None
            body, truncated = await _read_capped(resp, self.limits.max_bytes)
            page = Page(
                str(url),
                (str(url),),
                resp.status,
                resp.headers.get("Content-Type", ""),
                body,
                truncated,
                cert,
                headers=tuple((k, v) for k, v in list(resp.headers.items())[:64]),
            )
        return _Hop(page, location)


@dataclass(frozen=True, slots=True)
class _Hop:
    page: Page
    location: str | None = None

    @property
    def unreachable(self) -> bool:
        return self.page.unreachable


def _finish(
    url: str, chain: list[str], last: Page, reached: bool, error: str | None = None
) -> Page:
    return Page(
        url,
        tuple(chain),
        last.status,
        last.content_type,
        last.body,
        last.truncated,
        last.cert,
        error or last.error,
        unreachable=not reached,
        refused=last.refused,
        headers=last.headers,
    )


async def _read_capped(resp: aiohttp.ClientResponse, cap: int) -> tuple[bytes, bool]:
    """At most ``cap`` bytes of the body; True when more was coming (the rest is not read)."""
    parts: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        parts.append(chunk)
        size += len(chunk)
        if size > cap:
            return b"".join(parts)[:cap], True
    return b"".join(parts), False


def _why(exc: BaseException) -> str:
    """A short reason for a failed exchange."""
    if isinstance(exc, aiohttp.ClientConnectorError):
        inner = exc.os_error
        if isinstance(inner, ConnectionRefusedError):
            return "connection refused"
        text = str(inner) or type(inner).__name__
        return f"cannot connect: {text}"[:160]
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "server closed the connection without an answer"
    if isinstance(exc, aiohttp.ClientOSError | OSError) and "reset" in str(exc).lower():
        return "connection reset by the server"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:160]
