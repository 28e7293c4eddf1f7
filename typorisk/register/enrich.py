"""Add registration facts (RDAP, WHOIS, zone files) and SMTP probe results to scan rows.

``typorisk scan`` calls :func:`enrich_rows` on its row stream. Rows that need nothing pass
straight through; the others are enriched in batches, each batch on a short-lived event loop in
this thread (token buckets and the disk cache outlive the batches, so politeness holds across
them). Only names DNS found registered are looked up with RDAP/WHOIS; in zone-file mode every
candidate is decided by the zone files, so the rows are held until the files have been read.
The SMTP probe runs only for names with mail capability (``mail`` = ``mx`` or ``implicit``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from typorisk.errors import DataFileError
from typorisk.kit.paths import user_cache_dir
from typorisk.probe import SMTP_COLUMNS, Prober, ProbeResult, check_sender, probe_row
from typorisk.register.bootstrap import load_bootstrap, load_whois_servers
from typorisk.register.cache import LookupCache
from typorisk.register.engine import Registrations
from typorisk.register.politeness import ServerBuckets
from typorisk.register.rdap import RdapClient
from typorisk.register.records import REGISTRATION_COLUMNS, Lookup, LookupStatus, registration_row
from typorisk.register.whois import WhoisClient
from typorisk.register.zonefile import scan_zone_files

Row = Mapping[str, object]
CACHE_FILENAME = "registration.sqlite"


@dataclass(frozen=True, slots=True)
class EnrichSettings:
    """What to add to rows, and how politely. Times in seconds, rates in queries/s per server."""

    rdap: bool = False
    whois: bool = False
    zone_files: tuple[Path, ...] = ()
    probe_smtp: bool = False
    rate: float = 1.0
    """RDAP/WHOIS queries/s per server."""
    timeout: float = 10.0
    concurrency: int = 16
    """Registration lookups in flight."""
    cache: bool = True
    bootstrap: Path | None = None
    scheme: str = "https"
    whois_port: int = 43
    smtp_helo: str = "localhost"
    smtp_from: str = ""
    smtp_port: int = 25
    smtp_rate: float = 1.0
    """Probes/s per MX host."""
    smtp_timeout: float = 15.0
    smtp_concurrency: int = 8
    batch: int = 64
    """Rows needing work per batch."""

    @property
    def registration(self) -> bool:
        """Some registration source is on."""
        return self.rdap or self.whois or bool(self.zone_files)

    def columns(self) -> tuple[str, ...]:
        """Columns these settings add to rows."""
        return (REGISTRATION_COLUMNS if self.registration else ()) + (
            SMTP_COLUMNS if self.probe_smtp else ()
        )


@dataclass(slots=True)
class EnrichStats:
    """Totals of one enrichment run, for the statistics lines on stderr."""

    lines: list[str] = field(default_factory=list)


def _wants_lookup(row: Row, settings: EnrichSettings) -> bool:
    return (settings.rdap or settings.whois) and row.get("registration") == "registered"


def _mail_hosts(row: Row) -> list[str] | None:
    mail = row.get("mail")
    if mail == "implicit":
        return [str(row["domain"])]
    mx = row.get("mx")
    if mail == "mx" and isinstance(mx, list):
        return [str(h) for h in mx if h and h != "."]
    return None


def _needs_work(row: Row, settings: EnrichSettings) -> bool:
    return _wants_lookup(row, settings) or (settings.probe_smtp and _mail_hosts(row) is not None)


class _Enricher:
    """State that outlives batches: buckets, the cache, counters."""

    def __init__(self, settings: EnrichSettings, cache: LookupCache | None) -> None:
        self.settings = settings
        self.buckets = ServerBuckets(settings.rate)
        self.bootstrap = load_bootstrap(settings.bootstrap) if settings.rdap else None
        self.whois_servers = load_whois_servers() if settings.whois else {}
        self.registrations = Registrations(cache=cache, concurrency=settings.concurrency)
        self.prober = (
            Prober(
                helo=settings.smtp_helo,
                mail_from=settings.smtp_from,
                port=settings.smtp_port,
                timeout=settings.smtp_timeout,
                rate=settings.smtp_rate,
                concurrency=settings.smtp_concurrency,
            )
            if settings.probe_smtp
            else None
        )
        self.verdicts: dict[str, int] = {}

    async def run(self, batch: list[Row], zone: Mapping[str, Lookup]) -> list[dict[str, object]]:
        """Enrich one batch (on the caller's event loop)."""
        names = [str(r["domain"]) for r in batch if _wants_lookup(r, self.settings)]
        lookups: dict[str, Lookup] = {}
        probes: dict[str, ProbeResult] = {}
        if names:
            lookups = await self._lookups(names)
        if self.prober is not None:
            items = [(str(r["domain"]), h) for r in batch if (h := _mail_hosts(r)) is not None]
            probes = await self.prober.probe_many(items)
        out: list[dict[str, object]] = []
        for row in batch:
            new = dict(row)
            domain = str(row["domain"])
            chosen = _choose(lookups.get(domain), zone.get(domain))
            if self.settings.registration:
                new.update(registration_row(chosen) if chosen else _no_lookup())
            if self.prober is not None:
                result = probes.get(domain)
                new.update(probe_row(result) if result else dict.fromkeys(SMTP_COLUMNS))
                if result:
                    key = result.verdict.value
                    self.verdicts[key] = self.verdicts.get(key, 0) + 1
            out.append(new)
        return out

    async def _lookups(self, names: list[str]) -> dict[str, Lookup]:
        settings = self.settings
        timeout = aiohttp.ClientTimeout(total=None, sock_connect=settings.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            if self.bootstrap is not None:
                self.registrations.rdap = RdapClient(
                    session,
                    self.bootstrap,
                    self.buckets,
                    timeout=settings.timeout,
                    scheme=settings.scheme,
                )
            if settings.whois:
                self.registrations.whois = WhoisClient(
                    self.whois_servers,
                    self.buckets,
                    port=settings.whois_port,
                    timeout=settings.timeout,
                )
            return await self.registrations.lookup_many(names)


def _choose(asked: Lookup | None, zone: Lookup | None) -> Lookup | None:
    """A decided RDAP/WHOIS answer wins (richer facts); else the zone file's; else the unknown."""
    if asked is not None and asked.status is not LookupStatus.UNKNOWN:
        return asked
    return zone or asked


def _no_lookup() -> dict[str, object]:
    return {k: ([] if k == "status" else None) for k in REGISTRATION_COLUMNS}


def enrich_rows(
    rows: Iterable[Row], settings: EnrichSettings, stats: EnrichStats | None = None
) -> Iterator[Row]:
    """Rows with registration and SMTP columns added (per ``settings``), streamed.

    On Ctrl-C the rows of the batch in progress are yielded unenriched before the
    ``KeyboardInterrupt`` propagates, so nothing already resolved is lost.
    """
    if not (settings.registration or settings.probe_smtp):
        yield from rows
        return
    stats = stats if stats is not None else EnrichStats()
    with contextlib.ExitStack() as stack:
        cache = None
        if settings.cache and (settings.rdap or settings.whois):
            cache = stack.enter_context(LookupCache(user_cache_dir() / CACHE_FILENAME))
        enricher = _Enricher(settings, cache)
        try:
            yield from _batches(rows, settings, enricher, stats)
        finally:
            stats.lines.extend(_summary(enricher))


def _batches(
    rows: Iterable[Row], settings: EnrichSettings, enricher: _Enricher, stats: EnrichStats
) -> Iterator[Row]:
    zone: dict[str, Lookup] = {}
    if settings.zone_files:
        held = list(rows)  # zone-file mode decides every candidate: read the files once
        scan = scan_zone_files(settings.zone_files, (str(r["domain"]) for r in held))
        zone = scan.lookups
        rate = scan.lines / scan.seconds if scan.seconds > 0 else 0.0
        stats.lines.append(
            f"typorisk: zone files: {scan.lines:,} lines in {scan.seconds:.1f} s ({rate:,.0f}"
            f" lines/s); zones {', '.join(scan.zones)}; {len(zone)} candidates decided"
        )
        rows = held
    pending: list[Row] = []
    for row in rows:
        if settings.zone_files or _needs_work(row, settings):
            pending.append(row)
            if len(pending) >= settings.batch:
                yield from _run(pending, enricher, zone)
                pending = []
        else:
            yield _plain(row, settings)
    yield from _run(pending, enricher, zone)


def _plain(row: Row, settings: EnrichSettings) -> dict[str, object]:
    new = dict(row)
    new.update(dict.fromkeys(settings.columns()))
    if settings.registration:
        new["status"] = []
    return new


def _run(batch: list[Row], enricher: _Enricher, zone: Mapping[str, Lookup]) -> Iterator[Row]:
    if not batch:
        return
    try:
        done = asyncio.run(enricher.run(batch, zone))
    except KeyboardInterrupt:
        yield from batch
        raise
    yield from done


def _summary(enricher: _Enricher) -> list[str]:
    lines = []
    reg = enricher.registrations.stats()
    if reg.names:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(reg.by_outcome.items()))
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(reg.reasons.items()))
        lines.append(
            f"typorisk: registration: {reg.names} names ({outcomes}); {reg.cache_hits} from cache"
            + (f"; unknown because: {reasons}" if reasons else "")
        )
    if enricher.verdicts:
        verdicts = ", ".join(f"{k} {v}" for k, v in sorted(enricher.verdicts.items()))
        lines.append(f"typorisk: smtp probe: {verdicts}")
    return lines


def add_enrich_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``scan`` flags of this stage; each maps to one :class:`EnrichSettings` field."""
    reg = parser.add_argument_group("registration (RDAP, WHOIS, zone files)")
    reg.add_argument("--rdap", action="store_true", help="look registered names up with RDAP")
    reg.add_argument(
        "--whois", action="store_true", help="WHOIS (TCP 43) for suffixes without RDAP"
    )
    reg.add_argument(
        "--zone-file",
        action="append",
        default=[],
        metavar="PATH",
        help="registry zone file (CZDS 'name TTL class type rdata', plain or gzip): decides "
        "every candidate of that zone offline; repeatable",
    )
    reg.add_argument(
        "--rdap-rate",
        type=float,
        default=1.0,
        metavar="Q",
        help="RDAP/WHOIS queries/s per server (default 1)",
    )
    reg.add_argument(
        "--no-registration-cache",
        action="store_true",
        help="ask again even when the user cache holds a fresh answer",
    )
    # For local test servers only: a bootstrap naming http://127.0.0.1 servers, a WHOIS port.
    reg.add_argument("--rdap-bootstrap", metavar="PATH", help=argparse.SUPPRESS)
    reg.add_argument("--rdap-insecure-http", action="store_true", help=argparse.SUPPRESS)
    reg.add_argument("--whois-port", type=int, default=43, help=argparse.SUPPRESS)
    smtp = parser.add_argument_group("SMTP probe (active probing: connects to third-party servers)")
    smtp.add_argument(
        "--probe-smtp",
        action="store_true",
        help="RCPT TO a random address at each candidate with mail (never DATA)",
    )
    smtp.add_argument(
        "--smtp-helo",
        default=socket.getfqdn(),
        metavar="NAME",
        help="EHLO name (default: this host's FQDN)",
    )
    smtp.add_argument(
        "--smtp-from",
        default="",
        metavar="ADDR",
        help="neutral MAIL FROM address (default: the null sender <>)",
    )
    smtp.add_argument(
        "--smtp-timeout", type=float, default=15.0, metavar="S", help="seconds per reply"
    )
    smtp.add_argument("--smtp-port", type=int, default=25, help=argparse.SUPPRESS)


def settings_from_args(args: Any, protected: Iterable[str]) -> EnrichSettings:
    """Settings from ``typorisk scan`` flags, validated before any work (readable zone files,
    rates, a probe sender that is not at a protected domain)."""
    if args.probe_smtp:
        check_sender(args.smtp_from or "", protected)
    for path in args.zone_file:
        try:
            with Path(path).open("rb"):
                pass
        except OSError as exc:
            raise DataFileError(f"cannot read zone file {path}: {exc.strerror or exc}") from exc
    ServerBuckets(args.rdap_rate)  # raises for a rate <= 0
    return EnrichSettings(
        rdap=args.rdap,
        whois=args.whois,
        zone_files=tuple(Path(p) for p in args.zone_file),
        probe_smtp=args.probe_smtp,
        rate=args.rdap_rate,
        cache=not args.no_registration_cache,
        bootstrap=Path(args.rdap_bootstrap) if args.rdap_bootstrap else None,
        scheme="http" if args.rdap_insecure_http else "https",
        whois_port=args.whois_port,
        smtp_helo=args.smtp_helo,
        smtp_from=args.smtp_from or "",
        smtp_port=args.smtp_port,
        smtp_timeout=args.smtp_timeout,
    )
