"""``typorisk scan``: permute protected domains, resolve every candidate, rank by risk.

Flags → :class:`~typorisk.pipeline.ScanOptions` → :func:`typorisk.scan` → rows. Ranking needs
every result (graph signals), so rows are written riskiest first at the end (also on Ctrl-C, for
the names settled so far); until then they wait in the ranker's temporary SQLite file, not in
memory. ``--no-rank`` streams rows as they complete.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping

from typorisk.cli import rank as rank_cli
from typorisk.cli.common import add_target_arguments, target_texts_of
from typorisk.cli.options import add_scan_options, options_from_args
from typorisk.cli.progress import print_summary, write_progressing
from typorisk.errors import TyporiskError
from typorisk.pipeline import ScanOptions, scan
from typorisk.pipeline.clients import default_clients
from typorisk.pipeline.core import candidates
from typorisk.pipeline.rows import scan_columns_of
from typorisk.writers import ROW_FORMATS

NAME = "scan"
HELP = "permute protected domains, then resolve the candidates (registration, mail, wildcards)"
TABLE_COLUMNS = ("target", "domain", "likelihood", "registration", "mail", "mx", "error")
RANKED_TABLE_COLUMNS = ("target", "domain", "risk", "registration", "mail", "reasons")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk scan``: targets, every scan option, --format."""
    add_target_arguments(parser)
    parser.add_argument(
        "--format",
        choices=sorted(ROW_FORMATS),
        default=None,
        help="output format (default: table on a terminal, jsonl otherwise)",
    )
    parser.add_argument(
        "--drop-unregistered",
        "--registered-only",
        dest="drop_unregistered",
        action="store_true",
        help="leave out the candidates DNS shows not registered; registered ones and those "
        "whose registration is unknown (a wildcard TLD such as .ml, a timeout) are written "
        "(needs DNS; ranking still sees every candidate). --registered-only is the old name "
        "of this flag and does the same: it keeps unknown",
    )
    add_scan_options(parser)


def is_free(row: Mapping[str, object]) -> bool:
    """True when DNS shows the candidate not registered and no registry lookup found it:
    the only rows ``--drop-unregistered`` leaves out (unknown is never dropped)."""
    return row.get("registration") == "unregistered" and row.get("registration_lookup") != "found"


def columns_for(fmt: str, options: ScanOptions) -> tuple[str, ...]:
    """The columns ``scan`` writes in ``fmt`` with ``options``."""
    if fmt == "list":
        return ("domain",)
    if fmt == "table":
        return RANKED_TABLE_COLUMNS if options.rank else TABLE_COLUMNS
    return scan_columns_of(options)


def run(args: argparse.Namespace) -> int:
    """Run the command; the exit code says how it ended (see ``typorisk --help``)."""
    options = options_from_args(args)
    if args.drop_unregistered and not options.resolve:
        raise TyporiskError(
            "--drop-unregistered/--registered-only needs DNS facts: drop --no-resolve"
        )
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    columns = columns_for(fmt, options)
    result = scan(target_texts_of(args), options, clients=default_clients(options))
    for rejected in result.summary.rejected:
        print(f"typorisk: skipped: {rejected}", file=sys.stderr)
    rows: Iterable[dict[str, object]] = result.rows(columns)
    if args.drop_unregistered:
        rows = ({c: row.get(c) for c in columns} for row in result.rows() if not is_free(row))
    total = None
    if sys.stderr.isatty():  # the progress total: permutation is cheap next to DNS
        total = sum(1 for _ in candidates(result.targets, options))
    write_progressing(rows, fmt, columns, total=total, poll=lambda: result.summary.records)
    if result.summary.findings is not None:
        rank_cli.print_findings(result.summary.findings)
    return print_summary(result.summary)
