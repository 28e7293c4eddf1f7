"""``typorisk scan``: permute protected domains, resolve every candidate, rank by risk.

Rows carry every facet: the candidate's (target, kinds, likelihood), the resolution's
(registration, mail, records, wildcard), the target's own MX/NS (``target_mx``, ``target_ns``, for
recognising defensive registrations) and the risk (risk, capture, reasons, contributions).
Ranking needs every result (graph signals), so rows are held and written riskiest first at the
end — also on Ctrl-C, for the names settled so far. ``--no-rank`` streams rows as they complete.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable, Iterator
from typing import Any

from typorisk.cli import rank as rank_cli
from typorisk.cli import resolve as resolve_cli
from typorisk.cli.common import (
    add_target_arguments,
    parse_params,
    target_texts_of,
    valid_targets,
)
from typorisk.cli.permute import candidate_row
from typorisk.errors import InvalidTargetError, TyporiskError
from typorisk.model import Candidate, Target
from typorisk.permute import permute
from typorisk.pipeline import own_records, scan_row
from typorisk.rank import RiskWeights
from typorisk.rank.rows import ranked_rows
from typorisk.register.enrich import (
    EnrichStats,
    add_enrich_arguments,
    enrich_rows,
    settings_from_args,
)
from typorisk.resolve import DnsClient, ScanStats
from typorisk.writers import Row, write_rows

NAME = "scan"
HELP = "permute protected domains, then resolve the candidates (registration, mail, wildcards)"

COLUMNS = (
    "target",
    "domain",
    "likelihood",
    "kinds",
    *(c for c in resolve_cli.COLUMNS if c != "domain"),
    "unicode",
    "fqdn",
    "suffix",
    "target_mx",
    "target_ns",
)
TABLE_COLUMNS = ("target", "domain", "likelihood", "registration", "mail", "mx", "error")
RANKED_TABLE_COLUMNS = ("target", "domain", "risk", "registration", "mail", "reasons")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk scan``: targets, --top, and the DNS flags of ``resolve``."""
    add_target_arguments(parser)
    parser.add_argument("--top", type=int, metavar="N", help="resolve the N most likely per target")
    parser.add_argument(
        "--no-rank",
        action="store_true",
        help="stream rows as names complete, without risk ranking",
    )
    rank_cli.add_rank_arguments(parser, top=False)
    resolve_cli.add_dns_arguments(parser)
    resolve_cli.add_scale_arguments(parser)
    add_enrich_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns 1 when some targets were rejected, else 0."""
    texts = target_texts_of(args)
    if args.top is not None and args.top < 1:
        raise TyporiskError("--top must be at least 1")
    factory = resolve_cli.make_client(args)
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    columns: tuple[str, ...] = TABLE_COLUMNS if fmt == "table" else COLUMNS
    if fmt == "list":
        columns = ("domain",)
    rejected: list[InvalidTargetError] = []

    targets = list(valid_targets(texts, rejected))
    enrich = settings_from_args(args, {t.registrable for t in targets})
    if fmt not in ("table", "list"):
        columns = (*columns, *enrich.columns())
    enrich_stats = EnrichStats()
    stats: list[ScanStats] = []
    options = resolve_cli.scan_options(args)
    own = _own_records(targets, factory, options)
    candidates: Iterator[Candidate] = permute(targets, top=args.top)
    progress = resolve_cli.Progress()

    try:
        rows = _rows(args, candidates, factory, own, options, stats=stats, progress=progress)
        enriched = enrich_rows(rows, enrich, enrich_stats)
        if args.no_rank:
            write_rows(enriched, fmt, sys.stdout, columns)
        else:
            _write_ranked(enriched, fmt, args, enrich.columns())
        sys.stdout.flush()
    finally:
        progress.close()
        if stats:
            resolve_cli.print_stats(stats[0])
        for line in enrich_stats.lines:
            print(line, file=sys.stderr)
    if rejected:
        print(f"typorisk: {len(rejected)} target(s) rejected", file=sys.stderr)
        return 1
    return 0


def _rows(
    args: argparse.Namespace,
    candidates: Iterator[Candidate],
    factory: Callable[[], DnsClient],
    own: dict[str, tuple[list[str], list[str]]],
    options: dict[str, Any],
    *,
    stats: list[ScanStats],
    progress: resolve_cli.Progress,
) -> Iterator[Row]:
    """Resolved candidate rows, in this process or (``--executor dask``) on Dask workers."""
    if args.executor == "dask":
        items = (dict(candidate_row(c)) for c in candidates)
        for row in resolve_cli.dask_rows(args, items):
            progress.tick()
            mx, ns = own.get(str(row["target"]), ([], []))
            yield {**row, "target_mx": mx, "target_ns": ns}
        return
    for candidate, resolution in resolve_cli.stream(candidates, factory, options, stats):
        progress.tick()
        yield scan_row(candidate, resolution, own)


def _own_records(
    targets: list[Target], factory: Callable[[], DnsClient], options: dict[str, Any]
) -> dict[str, tuple[list[str], list[str]]]:
    """Each target's own MX and NS (target fqdn → (MX hosts, NS)), via the pipeline's
    :func:`~typorisk.pipeline.own_records` on a short event loop of its own."""

    async def resolve() -> dict[str, tuple[list[str], list[str]]]:
        async with factory() as client:
            return await own_records(targets, client, **options)

    return asyncio.run(resolve())


def _write_ranked(
    rows: Iterator[Row], fmt: str, args: argparse.Namespace, extra: tuple[str, ...] = ()
) -> None:
    """Collect every row (keeping those settled before a Ctrl-C), rank, write riskiest first."""
    held: list[Row] = []
    interrupted = False
    try:
        held.extend(rows)
    except KeyboardInterrupt:
        interrupted = True
    weights = RiskWeights().with_overrides(parse_params(args.weight))
    ranked, result = ranked_rows(held, weights, args.today or dt.date.today())
    if fmt == "table":
        columns: tuple[str, ...] = RANKED_TABLE_COLUMNS
    elif fmt == "list":
        columns = ("domain",)
    else:
        columns = (*COLUMNS[:2], *rank_cli.EXTRA_COLUMNS, *COLUMNS[2:], *extra)
    write_rows(ranked, fmt, sys.stdout, columns)
    rank_cli.print_findings(result)
    if interrupted:
        raise KeyboardInterrupt
