"""The register and probe stages of a scan, on the scan's own event loop.

Only names DNS found registered are looked up with RDAP/WHOIS (in zone-file mode every candidate
of a covered zone is decided by the files, read once before resolving). The SMTP probe runs only
for names with mail capability (``mail`` = ``mx`` or ``implicit``), and only when asked. Token
buckets, the disk cache and the HTTP session live as long as the scan, so politeness holds
across batches. Lookups, network owners and probes of a batch run side by side. Every connection
they open goes through the scan's :class:`~typorisk.pipeline.clients.Clients` (the HTTP
session, the WHOIS client, the prober, the cache), whose defaults obey the run's outbound
address policy. Neither stage imports the other: this module is where they meet.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from types import TracebackType

import dns.rdatatype

from typorisk.errors import DataFileError
from typorisk.kit.rate import ServerBuckets
from typorisk.pipeline.clients import Clients, MailProbe
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.record import ScanRecord
from typorisk.probe import ProbeResult, check_sender
from typorisk.register.lookups import Registrations
from typorisk.register.network import NetworkClient, NetworkOwner, load_network_bootstrap
from typorisk.register.records import Lookup, LookupStatus
from typorisk.register.zonefile import scan_zone_files
from typorisk.resolve import DnsClient, Mail, Registration
from typorisk.resolve import classify as dns_classify
from typorisk.resolve import wire as dns_wire

RDAP_CONCURRENCY = 16
"""Registration lookups in flight."""
BATCH = 64
"""Records needing registration or a probe, enriched together."""


def check_enrich_options(options: ScanOptions, protected: Iterable[str]) -> None:
    """Refuse unusable settings before any work: unreadable zone files, a probe sender at a
    protected domain. Raises :class:`~typorisk.errors.TyporiskError` subclasses."""
    if options.probe_smtp:
        check_sender(options.smtp_from, protected)
    if options.rdap and options.network_owners and options.rdap_network_bootstrap is not None:
        load_network_bootstrap(options.rdap_network_bootstrap)  # a bad directory: say so now
    for path in options.zone_files:
        try:
            with Path(path).open("rb"):
                pass
        except OSError as exc:
            raise DataFileError(f"cannot read zone file {path}: {exc.strerror or exc}") from exc


def mail_hosts(record: ScanRecord) -> list[str] | None:
    """The hosts a probe would talk to, or ``None`` when the name cannot receive mail."""
    res = record.resolution
    if res is None:
        return None
    if res.mail is Mail.IMPLICIT:
        return [record.candidate.domain]
    if res.mail is Mail.MX:
        return [m.host for m in res.records.mx if m.host]
    return None


async def host_addresses(client: DnsClient, host: str) -> list[str]:
    """``host``'s IPv4 addresses, else its IPv6 ones, asked through the scan's own client (the
    ``--nameserver`` servers); empty when it has none or the servers do not answer."""
    for qtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
        reply, _ = await client.query(host, qtype)
        if reply is None or reply.malformed or reply.rcode != dns_wire.RCODE_NOERROR:
            continue
        records = reply.records()
        found = dns_classify.addresses(records, host, qtype) if records is not None else ()
        if found:
            return list(found)
    return []


class Enricher:
    """Registration and probe facets for records, in batches (an async context manager).

    Every client comes from ``clients`` (the HTTP session, RDAP, WHOIS, the prober, the
    cache), opened on entry and closed on exit. ``client`` is the scan's DNS client: MX and
    WHOIS host names are resolved through it (the servers of the scan); without one, the
    clients' own lookup is used.
    """

    def __init__(
        self, options: ScanOptions, clients: Clients, client: DnsClient | None = None
    ) -> None:
        self.options = options
        self.clients = clients
        self.client = client
        resolve = (lambda host: host_addresses(client, host)) if client is not None else None
        self.buckets = ServerBuckets(options.rdap_rate)
        self.asks = options.rdap or options.whois
        self.zone: dict[str, Lookup] = {}
        self.lines: list[str] = []
        """Summary lines (zone files, registration outcomes, probe verdicts)."""
        self.verdicts: Counter[str] = Counter()
        """Probe verdict → how many names got it."""
        self.resolve = resolve
        self._stack = contextlib.AsyncExitStack()
        self.registrations = Registrations(concurrency=RDAP_CONCURRENCY)
        self.networks: NetworkClient | None = None
        self.prober: MailProbe | None = (
            clients.need("smtp", clients.smtp)(resolve) if options.probe_smtp else None
        )

    @property
    def active(self) -> bool:
        """Some facet will be added."""
        return self.options.registration or self.prober is not None

    async def __aenter__(self) -> Enricher:
        options, clients = self.options, self.clients
        if clients.cache is not None and self.asks:
            self.registrations.cache = self._stack.enter_context(clients.cache())
        if self.asks:
            session = clients.need("http", clients.http)()
            await self._stack.enter_async_context(session)
            if options.rdap:
                rdap = clients.need("rdap", clients.rdap)(session, self.buckets)
                self.registrations.rdap = rdap
                if options.network_owners:
                    boot = load_network_bootstrap(options.rdap_network_bootstrap)
                    self.networks = NetworkClient(rdap, boot, self.registrations.cache)
            if options.whois:
                whois = clients.need("whois", clients.whois)
                self.registrations.whois = whois(self.resolve, self.buckets)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.lines.extend(self._summary())
        await self._stack.aclose()

    async def over(self, records: AsyncIterator[ScanRecord]) -> AsyncIterator[ScanRecord]:
        """``records`` with their facets: those needing a lookup or a probe in batches of
        :data:`BATCH` (looked up side by side), the others at once (with the zone files'
        verdict, if any)."""
        pending: list[ScanRecord] = []
        async for record in records:
            if not self.active:
                yield record
            elif self.needs_work(record):
                pending.append(record)
                if len(pending) >= BATCH:
                    for done in await self.enrich(pending):
                        yield done
                    pending = []
            else:
                yield self.zone_only(record)
        for done in await self.enrich(pending) if pending else []:
            yield done

    async def read_zone_files(self, domains: Iterable[str]) -> None:
        """Decide ``domains`` from the zone files (once, in a worker thread: it is CPU work)."""
        if not self.options.zone_files:
            return
        scan = await asyncio.to_thread(scan_zone_files, self.options.zone_files, domains)
        self.zone = dict(scan.lookups)
        rate = scan.lines / scan.seconds if scan.seconds > 0 else 0.0
        self.lines.append(
            f"typorisk: zone files: {scan.lines:,} lines in {scan.seconds:.1f} s ({rate:,.0f}"
            f" lines/s); zones {', '.join(scan.zones)}; {len(self.zone)} candidates decided"
        )

    def needs_work(self, record: ScanRecord) -> bool:
        """The record gets a facet from a lookup or a probe (else it passes straight on)."""
        return self._wants_lookup(record) or (
            self.prober is not None and mail_hosts(record) is not None
        )

    def _wants_lookup(self, record: ScanRecord) -> bool:
        res = record.resolution
        return self.asks and res is not None and res.registration is Registration.REGISTERED

    def _first_address(self, record: ScanRecord) -> str | None:
        """The first A (else AAAA) of a name to look up, or None."""
        res = record.resolution
        if not self._wants_lookup(record) or res is None:
            return None
        found = (*res.records.a, *res.records.aaaa)
        return found[0] if found else None

    async def enrich(self, batch: list[ScanRecord]) -> list[ScanRecord]:
        """The batch with registration and probe facets set (same order)."""
        lookups, owners, probes = await asyncio.gather(
            self._lookups(batch), self._owners(batch), self._probes(batch)
        )
        out = []
        for record in batch:
            domain = record.candidate.domain
            chosen = _choose(lookups.get(domain), self.zone.get(domain))
            probe = probes.get(domain)
            if probe is not None:
                self.verdicts[probe.verdict.value] += 1
            network = owners.get(domain)
            out.append(
                dataclasses.replace(record, registration=chosen, network=network, probe=probe)
            )
        return out

    async def _lookups(self, batch: list[ScanRecord]) -> dict[str, Lookup]:
        names = [r.candidate.domain for r in batch if self._wants_lookup(r)]
        return await self.registrations.lookup_many(names) if names else {}

    async def _owners(self, batch: list[ScanRecord]) -> dict[str, NetworkOwner]:
        """Network owners by domain (asked alongside the lookups: a registry that makes its
        names wait never holds up the RIRs)."""
        if self.networks is None:
            return {}
        firsts = {r.candidate.domain: a for r in batch if (a := self._first_address(r))}
        found = await self.networks.owners(firsts.values())
        return {d: found[a] for d, a in firsts.items()}

    async def _probes(self, batch: list[ScanRecord]) -> dict[str, ProbeResult]:
        if self.prober is None:
            return {}
        items = [(r.candidate.domain, h) for r in batch if (h := mail_hosts(r)) is not None]
        return await self.prober.probe_many(items)

    def zone_only(self, record: ScanRecord) -> ScanRecord:
        """A record needing no lookup, with the zone file's verdict when there is one."""
        chosen = self.zone.get(record.candidate.domain)
        return dataclasses.replace(record, registration=chosen) if chosen else record

    def _summary(self) -> list[str]:
        lines = []
        reg = self.registrations.stats()
        if reg.names:
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(reg.by_outcome.items()))
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(reg.reasons.items()))
            lines.append(
                f"typorisk: registration: {reg.names} names ({outcomes}); {reg.cache_hits} from "
                "cache" + (f"; unknown because: {reasons}" if reasons else "")
            )
            if reg.partial:
                partial = ", ".join(f"{k} {v}" for k, v in sorted(reg.partial.items()))
                lines.append(f"typorisk: registration: found, registrar's part unknown: {partial}")
        if self.networks is not None and (self.networks.queries or self.networks.known):
            owners = {o.net_name or o.net_handle for o in self.networks.known}
            lines.append(
                f"typorisk: network owners: {len(owners)} networks named; "
                f"{self.networks.queries} IP/ASN RDAP queries, "
                f"{self.networks.cache_hits} from cache"
            )
        if self.verdicts:
            verdicts = ", ".join(f"{k} {v}" for k, v in sorted(self.verdicts.items()))
            lines.append(f"typorisk: smtp probe: {verdicts}")
        return lines


def _choose(asked: Lookup | None, zone: Lookup | None) -> Lookup | None:
    """A decided RDAP/WHOIS answer wins (richer facts); else the zone file's; else the unknown."""
    if asked is not None and asked.status is not LookupStatus.UNKNOWN:
        return asked
    return zone or asked
