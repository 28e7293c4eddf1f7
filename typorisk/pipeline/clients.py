"""The clients a scan talks to the world through: one per protocol, in one bundle.

A scan opens no connection and no file of its own: every DNS query, RDAP lookup (over the HTTP
session), web page, WHOIS and SMTP conversation and every registration cache read goes through
the :class:`Clients` it is given, the way httpx sends every request through its one transport. A
library user passes their own (an HTTP session with a proxy, a cache in their own directory, an
in-memory world for tests); the commands pass :func:`default_clients`, built from the options at
the entry point (``typorisk.cli``, ``typorisk.feeds``).

Each slot is a factory, called inside the scan's event loop (sessions and sockets belong to the
loop that opens them), with what the scan alone knows at that time (its DNS lookup, its rate
buckets). A scan fills the slots left ``None`` that its options need with the defaults
(:func:`default_clients`); a stage that is on and finds no client raises
:class:`~typorisk.errors.ScanOptionError` naming the slot (:meth:`Clients.need`).

The defaults carry the outbound address policy (``options.address_policy()``): the RDAP session's
connector, the web fetcher's, the WHOIS client and the SMTP prober are all given it, so every
connection a default client opens is checked on the address actually connected to.
"""

from __future__ import annotations

import dataclasses
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from typorisk.errors import ScanOptionError
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import ServersClient, client_factory
from typorisk.resolve import DnsClient

if TYPE_CHECKING:
    import aiohttp

    from typorisk.kit.rate import ServerBuckets
    from typorisk.probe import ProbeResult
    from typorisk.register.cache import LookupCache
    from typorisk.register.rdap import RdapClient
    from typorisk.register.whois import WhoisClient
    from typorisk.web import Fetcher

CACHE_FILENAME = "registration.sqlite"
"""The registration cache's file in the user's cache directory (the default ``cache``)."""
SMTP_RATE = 1.0
"""Probes/s per MX host of the default prober."""
SMTP_CONCURRENCY = 8
"""Conversations in flight of the default prober."""

Lookup = Callable[[str], Awaitable[Sequence[str]]]
"""Host name → its addresses, through the scan's own DNS client."""
S = TypeVar("S")


class MailProbe(Protocol):
    """What the probe stage asks of its SMTP client (:class:`~typorisk.probe.Prober`)."""

    async def probe_many(
        self, items: Iterable[tuple[str, Sequence[str]]]
    ) -> dict[str, ProbeResult]:
        """Every (domain, mail hosts) → its result; a domain left out is not probed."""
        ...


DnsFactory = Callable[[], DnsClient]
"""Builds the scan's DNS client (closed by the scan: ``async with``)."""
HttpFactory = Callable[[], "aiohttp.ClientSession"]
"""Builds the HTTP session RDAP speaks over (domain and IP/ASN RDAP; closed by the scan)."""
RdapFactory = Callable[["aiohttp.ClientSession", "ServerBuckets"], "RdapClient"]
"""Builds the RDAP client over the scan's HTTP session and the registration rate buckets."""
WebFactory = Callable[[Lookup], "Fetcher"]
"""Builds the page fetcher of the web stage, given the scan's host lookup."""
WhoisFactory = Callable[["Lookup | None", "ServerBuckets"], "WhoisClient"]
"""Builds the WHOIS client, given the scan's host lookup and the registration rate buckets
(shared with RDAP: politeness holds per server across both)."""
SmtpFactory = Callable[["Lookup | None"], MailProbe]
"""Builds the SMTP prober, given the scan's host lookup."""
CacheFactory = Callable[[], "LookupCache"]
"""Opens the registration cache (``with``; closed by the scan)."""


@dataclass(frozen=True, slots=True)
class Clients:
    """The scan's clients, one per protocol (see the module docstring). Every slot is
    optional; :func:`default_clients` fills those the options need."""

    dns: DnsFactory | None = None
    http: HttpFactory | None = None
    rdap: RdapFactory | None = None
    web: WebFactory | None = None
    whois: WhoisFactory | None = None
    smtp: SmtpFactory | None = None
    cache: CacheFactory | None = None
    """Left ``None``, the scan fills it when ``options.registration_cache`` is on (the user's
    cache directory); turn that option off for a scan with no cache."""

    @property
    def resolves_from_options(self) -> bool:
        """The DNS client is the one the options name (:class:`ServersClient`): resolver
        processes and Dask workers may build theirs from the same options."""
        return isinstance(self.dns, ServersClient)

    def need(self, slot: str, factory: S | None) -> S:
        """``factory``, or :class:`ScanOptionError` when a stage that is on has no client."""
        if factory is None:
            raise ScanOptionError(
                f"clients.{slot}", f"clients.{slot}", "a stage that is on needs this client"
            )
        return factory


def default_clients(
    options: ScanOptions, *, cache_dir: Path | None = None, given: Clients | None = None
) -> Clients:
    """The clients ``options`` need, with the outbound address policy; ``given``'s slots win.

    ``cache_dir``: where the registration cache lives (default: the user's cache directory,
    ``$XDG_CACHE_HOME/typorisk``); no cache when ``options.registration_cache`` is off. Raises
    :class:`~typorisk.errors.ResolverConfigError` for unusable DNS options (before any work).
    Nothing is opened here: each factory opens its client when the scan calls it.
    """
    given = given or Clients()
    asks = options.rdap or options.whois
    wanted = {
        "dns": options.resolve,
        "http": asks,
        "rdap": options.rdap,
        "whois": options.whois,
        "smtp": options.probe_smtp,
        "web": options.web,
        "cache": options.registration_cache and asks,
    }
    filled: dict[str, object] = {}
    for slot, needed in wanted.items():
        if getattr(given, slot) is None and needed:
            filled[slot] = _DEFAULTS[slot](options, cache_dir)
    return dataclasses.replace(given, **filled)  # type: ignore[arg-type]


def _dns(options: ScanOptions, cache_dir: Path | None) -> DnsFactory:
    return client_factory(options)


def _http(options: ScanOptions, cache_dir: Path | None) -> HttpFactory:
    policy = options.address_policy()

    def http_session() -> aiohttp.ClientSession:
        from typorisk.register.http import policy_session  # noqa: PLC0415 - aiohttp

        return policy_session(policy, options.rdap_timeout)

    return http_session


def _rdap(options: ScanOptions, cache_dir: Path | None) -> RdapFactory:
    def rdap_client(session: aiohttp.ClientSession, buckets: ServerBuckets) -> RdapClient:
        from typorisk.register.bootstrap import load_bootstrap  # noqa: PLC0415
        from typorisk.register.rdap import RdapClient  # noqa: PLC0415

        return RdapClient(
            session,
            load_bootstrap(options.rdap_bootstrap),
            buckets,
            timeout=options.rdap_timeout,
            scheme="http" if options.rdap_insecure_http else "https",
        )

    return rdap_client


def _whois(options: ScanOptions, cache_dir: Path | None) -> WhoisFactory:
    policy = options.address_policy()

    def whois_client(lookup: Lookup | None, buckets: ServerBuckets) -> WhoisClient:
        from typorisk.register.bootstrap import load_whois_servers  # noqa: PLC0415
        from typorisk.register.whois import WhoisClient  # noqa: PLC0415

        return WhoisClient(
            load_whois_servers(),
            buckets,
            port=options.whois_port,
            timeout=options.rdap_timeout,
            resolve=lookup,
            policy=policy,
        )

    return whois_client


def _smtp(options: ScanOptions, cache_dir: Path | None) -> SmtpFactory:
    policy = options.address_policy()

    def prober(lookup: Lookup | None) -> MailProbe:
        from typorisk.probe import Prober  # noqa: PLC0415

        return Prober(
            helo=options.smtp_helo or socket.getfqdn(),
            mail_from=options.smtp_from,
            port=options.smtp_port,
            timeout=options.smtp_timeout,
            rate=SMTP_RATE,
            concurrency=SMTP_CONCURRENCY,
            resolve=lookup,
            policy=policy,
        )

    return prober


def _web(options: ScanOptions, cache_dir: Path | None) -> WebFactory:
    policy = options.address_policy()

    def fetcher(lookup: Lookup) -> Fetcher:
        from typorisk.web import Fetcher, FetchLimits  # noqa: PLC0415 - aiohttp

        limits = FetchLimits(
            user_agent=options.web_user_agent,
            connect_timeout=options.web_connect_timeout,
            read_timeout=options.web_read_timeout,
            max_bytes=options.web_max_bytes,
            redirects=options.web_redirects,
            rate=options.web_rate or None,
            concurrency=options.web_concurrency,
        )
        return Fetcher(limits, lookup, policy)

    return fetcher


def _cache(options: ScanOptions, cache_dir: Path | None) -> CacheFactory:
    """Opens the registration cache in ``cache_dir`` (default: the user's cache directory,
    looked up when the scan opens it)."""

    def opener() -> LookupCache:
        from typorisk.kit.paths import user_cache_dir  # noqa: PLC0415
        from typorisk.register.cache import LookupCache  # noqa: PLC0415

        return LookupCache((cache_dir or user_cache_dir()) / CACHE_FILENAME)

    return opener


_DEFAULTS: dict[str, Callable[[ScanOptions, Path | None], object]] = {
    "dns": _dns,
    "http": _http,
    "rdap": _rdap,
    "whois": _whois,
    "smtp": _smtp,
    "web": _web,
    "cache": _cache,
}
"""Slot → the builder of its default client (each takes the options and the cache directory)."""
