"""The web stage of a scan: where :mod:`typorisk.web` meets the scan's DNS client.

Records whose name resolved to addresses (A/AAAA, wildcard answers excluded) are inspected in
batches; every other record passes through unchanged, and every record keeps its place in the
stream. Pages are fetched by the scan's web client (``Clients.web``, whose default obeys the
outbound address policy); redirect hosts and the targets themselves are looked up with the
scan's own :class:`~typorisk.resolve.DnsClient` (never the system resolver).
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import AsyncIterator, Sequence

import dns.rdatatype

from typorisk.errors import ScanOptionError
from typorisk.parse.names import is_ldh_name
from typorisk.pipeline.clients import Clients
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.record import ScanRecord
from typorisk.resolve import DnsClient
from typorisk.resolve.classify import addresses as answer_addresses
from typorisk.web import AddressLookup, Inspector, WebResult, load_parking
from typorisk.web.shot import Shooter, find_chromium

BATCH = 64
"""Records inspected together (at most ``web_concurrency`` pages in flight among them)."""


def dns_lookup(client: DnsClient) -> AddressLookup:
    """Host → its A and AAAA, asked through ``client`` (nothing for a name that is not an LDH
    A-label: a redirect's host comes from a stranger's server)."""

    async def lookup(host: str) -> Sequence[str]:
        found: list[str] = []
        if not is_ldh_name(host):
            return found
        for rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            reply, _ = await client.query(host, rdtype)
            records = None if reply is None or reply.malformed else reply.records()
            if records is not None:
                found.extend(answer_addresses(records, host, rdtype))
        return found

    return lookup


def shooter_of(options: ScanOptions) -> Shooter | None:
    """The screenshot taker ``options`` ask for; raises :class:`ScanOptionError` when
    screenshots are on and no Chromium is installed."""
    if not options.web_screenshots:
        return None
    binary = find_chromium()
    if binary is None:
        raise ScanOptionError(
            "--web-screenshots", "scan.web.screenshots", "needs Chromium (apt-get install chromium)"
        )
    return Shooter(binary, timeout=options.web_connect_timeout + 2 * options.web_read_timeout)


def web_addresses(record: ScanRecord) -> tuple[str, ...]:
    """The addresses to fetch ``record`` from; empty when it is not to be fetched."""
    res = record.resolution
    if res is None or res.wildcard:
        return ()
    return res.records.a + res.records.aaaa


class WebStage:
    """Adds web facets to a stream of records (an async context manager)."""

    def __init__(self, options: ScanOptions, clients: Clients, client: DnsClient) -> None:
        self.options = options
        self.fetcher = clients.need("web", clients.web)(dns_lookup(client))
        self.shooter = shooter_of(options)
        self.classes: Counter[str] = Counter()
        self.lines: list[str] = []
        self._started = 0.0
        self._inspector: Inspector | None = None

    async def __aenter__(self) -> WebStage:
        await self.fetcher.__aenter__()
        self._started = asyncio.get_running_loop().time()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.fetcher.__aexit__(*exc)
        if self._inspector is not None:
            self.lines.extend(f"typorisk: web: {p}" for p in self._inspector.target_problems())
        refused = self._inspector.refused if self._inspector is not None else 0
        if refused:
            self.lines.append(
                f"typorisk: web: {refused} sites refused by the outbound address policy "
                "(non-public addresses; see web_error)"
            )
        if self.classes:
            took = asyncio.get_running_loop().time() - self._started
            classes = ", ".join(f"{k} {v}" for k, v in sorted(self.classes.items()))
            self.lines.append(
                f"typorisk: web: {sum(self.classes.values())} sites ({classes}); "
                f"{self.fetcher.requests} requests in {took:.1f} s"
            )

    async def over(self, records: AsyncIterator[ScanRecord]) -> AsyncIterator[ScanRecord]:
        """``records`` with web facets on those that resolved to addresses."""
        now = dt.datetime.now(dt.UTC)
        inspector = self._inspector = Inspector(self.fetcher, load_parking(), now, self.shooter)
        pending: list[ScanRecord] = []
        async for record in records:
            if not web_addresses(record):
                yield record
                continue
            pending.append(record)
            if len(pending) >= BATCH:
                for done in await self._inspect(inspector, pending):
                    yield done
                pending = []
        for done in await self._inspect(inspector, pending) if pending else []:
            yield done

    async def _inspect(self, inspector: Inspector, batch: list[ScanRecord]) -> list[ScanRecord]:
        async with asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(
                    inspector.inspect(
                        r.candidate.target,
                        r.candidate.domain,
                        web_addresses(r),
                        r.resolution.records.ns if r.resolution else (),
                    )
                )
                for r in batch
            ]
        out = []
        for record, task in zip(batch, tasks, strict=True):
            result: WebResult = task.result()
            self.classes[result.web_class.value] += 1
            out.append(dataclasses.replace(record, web=result))
        return out
