"""Run the whole pipeline against the synthetic world: two weekly scans, history, review.

Everything listens on 127.0.0.1 and lives in this process; nothing reaches the Internet and no
privilege is needed. The output directory receives the history database, last week's and this
week's ranked scan (JSON lines) and the review (Markdown and HTML).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from typorisk.demo.dnsserver import DemoDnsServer
from typorisk.demo.rdap import DemoRdapServer
from typorisk.demo.smtp import CatchAllServer
from typorisk.demo.world import COLLECTOR, TOP, WEIGHTS, build_world, targets
from typorisk.kit.atomic import atomic_write_text
from typorisk.kit.outbound import AddressPolicy
from typorisk.pipeline import AsyncScan, ScanOptions, ScanRecord, ScanTarget, to_row
from typorisk.pipeline.clients import Clients, default_clients
from typorisk.pipeline.rows import scan_columns
from typorisk.probe import Prober, ProbeResult
from typorisk.rank import RankResult
from typorisk.report import Review, build_review, render_html, render_markdown
from typorisk.store import Store
from typorisk.writers.entries import WriterOptions
from typorisk.writers.formats import FEED_FORMATS, write_candidates


@dataclass(frozen=True, slots=True)
class DemoResult:
    """Where the demo wrote its outputs, and what it found this week."""

    out: Path
    db: Path
    scan: Path
    review_html: Path
    review_md: Path
    rows: list[dict[str, object]]
    findings: RankResult
    review: Review
    smtp_commands: tuple[str, ...]
    """What the catch-all server was sent (RCPT, never DATA)."""
    feeds: tuple[Path, ...]
    """One blocklist per consumer format."""


COLUMNS = (*scan_columns(rank=True, registration=True, probe=True), "weight")
"""The columns of the demo's scan files."""
FEED_MIN_RISK = 0.4
"""Risk from which the demo lists a candidate in its blocklists."""


def write_feeds(rows: list[dict[str, object]], where: Path) -> tuple[Path, ...]:
    """Write the rows at or above :data:`FEED_MIN_RISK` in every single-file feed format."""
    listed = [r for r in rows if float(str(r.get("risk") or 0)) >= FEED_MIN_RISK]
    written = []
    for name, spec in FEED_FORMATS.items():
        if spec.directory:
            continue
        buffer = io.StringIO()
        # data formats carry the scan's columns (risk, registration, mail...), like `run`'s
        settings = {"columns": list(COLUMNS)} if "columns" in spec.settings else {}
        write_candidates(listed, name, buffer, WriterOptions(feed="demo", settings=settings))
        path = where / f"typo-domains-{name}.{spec.extension.lstrip('.')}"
        atomic_write_text(path, buffer.getvalue())
        written.append(path)
    return tuple(written)


async def scan_week(week: int, smtp_port: int, today: dt.date) -> ScanWeek:
    """Scan the demo targets (through the one pipeline, as every command does) against the
    world of ``week`` served by in-process servers (DNS; RDAP at registry, registrar and RIR
    levels; SMTP, probed without DATA where the world puts a mail host on loopback), ranked."""
    world = build_world(week)
    async with DemoDnsServer(world.zones) as server, DemoRdapServer(world, today) as rdap:
        with tempfile.TemporaryDirectory(prefix="typorisk-demo-") as where:
            dns_boot, numbers = rdap.write_bootstraps(Path(where))
            options = ScanOptions(
                top=TOP,
                nameservers=(f"127.0.0.1:{server.port}",),
                timeout=1.0,
                retries=1,
                today=today,
                rdap=True,
                rdap_bootstrap=dns_boot,
                rdap_network_bootstrap=numbers,
                rdap_insecure_http=True,  # the demo's server is http://127.0.0.1 only
                registration_cache=False,  # the world is synthetic: never mix it with real answers
                rdap_rate=1000.0,
                rdap_timeout=3.0,
                probe_smtp=True,
                allow_private_network=("127.0.0.0/8",),  # the demo's world is on loopback
            )
            smtp = LoopbackProbe({COLLECTOR: "127.0.0.1"}, smtp_port)
            clients = default_clients(options, given=Clients(smtp=lambda lookup: smtp))
            targets_ = [ScanTarget(t, weight=WEIGHTS[t.fqdn]) for t in targets()]
            scan = AsyncScan(targets_, options, clients=clients)
            records = [record async for record in scan]
    assert scan.summary.findings is not None
    return ScanWeek(records, scan.summary.findings)


@dataclass(frozen=True, slots=True)
class ScanWeek:
    """One week's ranked records and findings."""

    records: list[ScanRecord]
    findings: RankResult


class LoopbackProbe:
    """The demo's SMTP client: probes only the names whose mail hosts ``addresses`` (host →
    address) puts on loopback, at that address; the demo never connects anywhere else."""

    def __init__(self, addresses: dict[str, str], port: int) -> None:
        self.addresses = addresses
        self.prober = Prober(
            helo="typorisk-demo.invalid",
            port=port,
            timeout=3.0,
            rate=None,
            policy=AddressPolicy.of(["127.0.0.0/8"]),  # the demo's world, and nothing else
        )

    async def probe_many(
        self, items: Iterable[tuple[str, Sequence[str]]]
    ) -> dict[str, ProbeResult]:
        """Every (domain, mail hosts) whose hosts are all known and on loopback → its result;
        the others are not probed."""
        chosen: list[tuple[str, Sequence[str]]] = []
        for domain, hosts in items:
            known = [self.addresses[h] for h in hosts if h in self.addresses]
            if known and all(ip.startswith("127.") for ip in known):
                chosen.append((domain, known))
        return await self.prober.probe_many(chosen)


def run_demo(out: Path, today: dt.date | None = None) -> DemoResult:
    """Two weekly runs into a fresh store under ``out``, then a review of what is new."""
    day = today or dt.date.today()
    out.mkdir(parents=True, exist_ok=True)
    db = out / "typorisk.db"
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    rows: list[dict[str, object]] = []
    with Store(db) as store, CatchAllServer(names=(COLLECTOR,)) as smtp:
        for week, when in ((1, day - dt.timedelta(days=7)), (2, day)):
            week_scan = asyncio.run(scan_week(week, smtp.port, day))
            findings = week_scan.findings
            rows = [to_row(r, COLUMNS) for r in week_scan.records]
            stamp = dt.datetime.combine(when, dt.time(3, 0), dt.UTC).isoformat()
            run = store.begin_run("demo", {"targets": list(WEIGHTS), "top": TOP}, now=stamp)
            store.add(run, rows, now=stamp)
            store.finish_run(run, {"rows": len(rows)}, now=stamp)
            scan = out / f"scan-week{week}.jsonl"
            atomic_write_text(scan, "".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
        review = build_review(store, today=day)
    feeds = write_feeds(rows, out / "feeds")
    html, md = out / "review.html", out / "review.md"
    atomic_write_text(html, render_html(review))
    atomic_write_text(md, render_markdown(review))
    return DemoResult(
        out, db, scan, html, md, rows, findings, review, tuple(smtp.handler.commands), feeds
    )
