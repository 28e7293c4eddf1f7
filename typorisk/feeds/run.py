"""Run a feed definition: permute → (resolve → rank) → thresholds → allowlist → every output.

All outputs of a run are staged and replaced together
(:class:`~typorisk.writers.atomic.AtomicFiles`):
a consumer never sees half a file, and a run that fails leaves every previous file in place.
Offline feeds stream: rows are regenerated for each output (permutation is deterministic), so
memory does not grow with the feed. Feeds that resolve hold the rows (ranking needs them all).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typorisk.feeds.spec import FeedSpec, FeedTarget, Output
from typorisk.kit.atomic import AtomicFiles
from typorisk.model import Candidate, Target
from typorisk.parse.targets import parse_target
from typorisk.permute import permute
from typorisk.pipeline import own_records, scan_row
from typorisk.rank.rows import ranked_rows
from typorisk.resolve import DnsClient, NameServer, ResolveScan, ScanStats
from typorisk.writers.entries import Row, UnsafeNameError, WriterOptions, candidate_row
from typorisk.writers.formats import FORMATS
from typorisk.writers.intel import misp_event_uuid, misp_manifest, write_misp_hashes

_SERIAL = re.compile(rb"^@ SOA \S+ \S+ (\d{1,10}) ", re.MULTILINE)
ClientFactory = Callable[[], DnsClient]


@dataclass(frozen=True, slots=True)
class Written:
    """One output of a run."""

    output: Output
    entries: int
    """Entries written (names, or rows for data formats)."""


@dataclass(slots=True)
class RunReport:
    """What a run did."""

    feed: str
    written: list[Written] = field(default_factory=list)
    allowlisted: set[str] = field(default_factory=set)
    """Names left out because an allowlisted name covers them (the name or a parent)."""
    refused: list[str] = field(default_factory=list)
    """Why rows were refused at the writer boundary (unsafe names), one message each."""
    stats: ScanStats | None = None
    """DNS statistics when the feed resolves."""


def run_feed(
    spec: FeedSpec,
    *,
    now: dt.datetime | None = None,
    client_factory: ClientFactory | None = None,
) -> RunReport:
    """Produce every output of ``spec``; returns what was written.

    ``now`` (UTC, default: the clock) dates the files and sets the RPZ serial;
    ``client_factory`` builds the DNS client for feeds that resolve (default: the definition's
    name servers, or the system resolver). Raises :class:`~typorisk.errors.TyporiskError` when
    an output cannot be written (then no output is replaced).
    """
    now = now or dt.datetime.now(dt.UTC)
    report = RunReport(spec.name)
    targets = [(t, parse_target(t.domain)) for t in spec.targets]
    if spec.resolve is None:

        def source() -> Iterator[Row]:
            return _filtered(spec, _offline_rows(spec, targets), report)

    else:
        held = list(_filtered(spec, _resolved_rows(spec, targets, client_factory, report), report))

        def source() -> Iterator[Row]:
            return iter(held)

    def refuse(row: Row, exc: UnsafeNameError) -> None:
        report.refused.append(str(exc))

    with AtomicFiles() as files:
        for output in spec.outputs:
            options = WriterOptions(
                now=now, feed=spec.name, on_invalid=refuse, settings=_settings(spec, output)
            )
            count = _write(files, output, source, options)
            report.written.append(Written(output, count))
    return report


def _write(
    files: AtomicFiles, output: Output, source: Callable[[], Iterator[Row]], options: WriterOptions
) -> int:
    spec = FORMATS[output.format]
    if not spec.directory:
        return spec.write(source(), files.open(output.path), options)
    event = misp_event_uuid(options)
    count = spec.write(source(), files.open(output.path / f"{event}.json"), options)
    write_misp_hashes(source(), files.open(output.path / "hashes.csv"), options)
    manifest = files.open(output.path / "manifest.json")
    manifest.write(json.dumps(misp_manifest(options), indent=1) + "\n")
    return count


def _settings(spec: FeedSpec, output: Output) -> dict[str, object]:
    """The output's settings, plus what the runner knows: the previous RPZ serial in the file it
    replaces, and the allowlist as RPZ passthru entries."""
    settings = dict(output.settings)
    if output.format == "rpz":
        settings.setdefault("passthru", list(spec.allowlist))
        previous = _previous_serial(output.path)
        given = settings.get("previous_serial")
        if previous is not None and not (isinstance(given, int) and given >= previous):
            settings["previous_serial"] = previous
    return settings


def _previous_serial(path: Path) -> int | None:
    """The SOA serial of an RPZ file this module wrote before (``None``: none or unreadable)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    match = _SERIAL.search(head)
    return int(match.group(1)) if match else None


def _offline_rows(spec: FeedSpec, targets: list[tuple[FeedTarget, Target]]) -> Iterator[Row]:
    for feed_target, target in targets:
        for candidate in permute(
            [target],
            kinds=spec.kinds or None,
            exclude_kinds=spec.exclude_kinds or None,
            top=feed_target.top or spec.top,
        ):
            row = candidate_row(candidate)
            row["weight"] = feed_target.weight
            yield row


def _resolved_rows(
    spec: FeedSpec,
    targets: list[tuple[FeedTarget, Target]],
    client_factory: ClientFactory | None,
    report: RunReport,
) -> list[Row]:
    """Resolve every candidate (one event loop, one client), then rank: rows riskiest first."""
    settings = spec.resolve
    assert settings is not None
    if client_factory is None:
        servers = [NameServer.parse(s) for s in settings.nameservers] or _system_servers()

        def client_factory() -> DnsClient:
            return DnsClient(
                servers,
                timeout=settings.timeout,
                retries=settings.retries,
                rate=settings.rate or None,
            )

    options: dict[str, Any] = {
        "concurrency": settings.concurrency,
        "budget": settings.budget,
        "authoritative": settings.authoritative,
        "wildcards": settings.wildcards,
    }
    weights = {t.fqdn: ft.weight for ft, t in targets}

    async def scan() -> list[dict[str, object]]:
        async with client_factory() as client:
            own = await own_records([t for _, t in targets], client, **options)
            resolve = ResolveScan(client, **options)
            rows = []
            async for cand, res in resolve.run(_candidates(spec, targets)):
                row = scan_row(cand, res, own)
                row["weight"] = weights.get(cand.target, 1.0)
                rows.append(row)
            report.stats = resolve.stats()
            return rows

    ranked, _ = ranked_rows(asyncio.run(scan()), spec.risk, dt.date.today())
    return list(ranked)


def _candidates(spec: FeedSpec, targets: list[tuple[FeedTarget, Target]]) -> Iterator[Candidate]:
    for feed_target, target in targets:
        yield from permute(
            [target],
            kinds=spec.kinds or None,
            exclude_kinds=spec.exclude_kinds or None,
            top=feed_target.top or spec.top,
        )


def _system_servers() -> list[NameServer]:
    import dns.resolver  # noqa: PLC0415 - only a feed that resolves reads resolv.conf

    system = dns.resolver.Resolver()
    return [NameServer.parse(str(s), system.port) for s in system.nameservers]


def _filtered(spec: FeedSpec, rows: Iterable[Row], report: RunReport) -> Iterator[Row]:
    """Rows that pass the thresholds (likelihood and risk scaled by the target's weight) and
    that no allowlisted name covers (the name itself or a parent)."""
    allowed = set(spec.allowlist)
    for row in rows:
        weight = float(row.get("weight", 1.0))  # type: ignore[arg-type]
        if not _passes(spec, row, weight):
            continue
        domain = str(row.get("domain", ""))
        labels = domain.split(".")
        if allowed and any(".".join(labels[i:]) in allowed for i in range(len(labels))):
            report.allowlisted.add(domain)
            continue
        yield row


def _passes(spec: FeedSpec, row: Row, weight: float) -> bool:
    likelihood = row.get("likelihood")
    if isinstance(likelihood, float) and likelihood * weight < spec.min_likelihood:
        return False
    if spec.resolve is None:
        return True
    registration = row.get("registration")
    if registration == "unregistered" and not spec.include_unregistered:
        return False
    if registration == "unknown" and not spec.include_unknown:
        return False
    risk = row.get("risk")
    return not (
        spec.min_risk is not None
        and isinstance(risk, float)
        and min(1.0, risk * weight) < spec.min_risk
    )
