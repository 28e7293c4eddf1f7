"""``typorisk rank``: re-rank stored or piped scan results (JSON lines) without any network."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from typing import TextIO

from typorisk.cli.common import check_readable, parse_params, read_json_lines
from typorisk.errors import TyporiskError
from typorisk.pipeline.rows import columns_of
from typorisk.rank import RankResult, RiskWeights
from typorisk.rank.rows import ranked_rows
from typorisk.writers import ROW_FORMATS, Row, write_rows

NAME = "rank"
HELP = "rank scan results (JSON lines) by explainable risk, offline"

EXTRA_COLUMNS = columns_of("rank")
"""The columns ranking adds (risk, capture, defensive, reasons, contrib_*)."""
TABLE_COLUMNS = ("target", "domain", "risk", "capture", "reasons")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk rank``; each maps to an argument of :func:`typorisk.rank.rank`."""
    parser.add_argument(
        "inputs",
        nargs="*",
        default=["-"],
        metavar="FILE",
        help="JSON lines from 'typorisk scan --format jsonl' ('-': stdin)",
    )
    add_rank_arguments(parser)
    parser.add_argument(
        "--format",
        choices=sorted(ROW_FORMATS),
        default=None,
        help="output format (default: table on a terminal, jsonl otherwise)",
    )


def add_rank_arguments(parser: argparse.ArgumentParser, *, top: bool = True) -> None:
    """Ranking flags (``scan`` shares them, except ``--top``, which it uses for permutation)."""
    parser.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a risk weight (docs: guide/rank.md), e.g. w_graph=0.3",
    )
    if top:
        parser.add_argument("--top", type=int, metavar="N", help="print only the N riskiest rows")
    parser.add_argument(
        "--today",
        type=dt.date.fromisoformat,
        default=None,
        metavar="DATE",
        help="date 'recently registered' is measured from (default: today)",
    )


def print_findings(result: RankResult, err: TextIO | None = None) -> None:
    """A short summary of the findings on stderr."""
    stream = err or sys.stderr
    for op in result.operations[:5]:
        print(
            f"typorisk: operation {op.label}: {len(op.members)} look-alikes of "
            f"{len(op.targets)} targets, {op.mail_capable} can receive mail",
            file=stream,
        )
    for cluster in result.clusters[:5]:
        print(
            f"typorisk: cluster: {cluster.kind.upper()} {cluster.name} serves "
            f"{len(cluster.members)} typo domains of {len(cluster.targets)} targets",
            file=stream,
        )
    for suffix, members in result.wildcard_suffixes.items():
        print(
            f"typorisk: wildcarded suffix .{suffix}: {len(members)} typo domains land in it",
            file=stream,
        )
    if result.defensive:
        names = ", ".join(r.obs.domain for r in result.defensive[:5])
        print(
            f"typorisk: {len(result.defensive)} likely defensive registrations to confirm: "
            f"{names}{' ...' if len(result.defensive) > 5 else ''}",
            file=stream,
        )


def read_rows(paths: Sequence[str]) -> list[Row]:
    """Parse JSON lines; a bad line is an error naming the file and line (nothing is ranked)."""
    return list(read_json_lines(paths))


def output_columns(fmt: str, first: Row | None) -> tuple[str, ...]:
    """Columns for ``fmt``: the table view, or every input column followed by the risk facets."""
    if fmt == "table":
        return TABLE_COLUMNS
    if fmt == "list":
        return ("domain",)
    base = [c for c in (first or {}) if c not in EXTRA_COLUMNS]
    return (*base[:2], *EXTRA_COLUMNS, *base[2:])


def run(args: argparse.Namespace) -> int:
    """Run the command."""
    if args.top is not None and args.top < 1:
        raise TyporiskError("--top must be at least 1")
    check_readable(args.inputs)
    weights = RiskWeights().with_overrides(parse_params(args.weight))
    rows, result = ranked_rows(read_rows(args.inputs), weights, args.today or dt.date.today())
    if args.top is not None:
        rows = rows[: args.top]
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    write_rows(rows, fmt, sys.stdout, output_columns(fmt, rows[0] if rows else None))
    sys.stdout.flush()
    print_findings(result)
    return 0
