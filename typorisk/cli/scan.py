"""``typorisk scan``: permute protected domains, then resolve every candidate.

Rows carry both facets: the candidate's (target, kinds, likelihood) and the resolution's
(registration, mail, records, wildcard), in completion order.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator

from typorisk.cli import resolve as resolve_cli
from typorisk.cli.common import check_readable, target_texts
from typorisk.domains import iter_targets
from typorisk.errors import InvalidTargetError, TyporiskError
from typorisk.model import Candidate, Target
from typorisk.permute import permute
from typorisk.resolve import ScanStats
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
)
TABLE_COLUMNS = ("target", "domain", "likelihood", "registration", "mail", "mx", "error")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk scan``: targets, --top, and the DNS flags of ``resolve``."""
    parser.add_argument("targets", nargs="*", metavar="TARGET", help="domain to protect")
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="read targets from PATH, one a line ('-' for stdin); repeatable",
    )
    parser.add_argument("--top", type=int, metavar="N", help="resolve the N most likely per target")
    resolve_cli.add_dns_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run the command; returns 1 when some targets were rejected, else 0."""
    if not args.targets and not args.file:
        raise TyporiskError("no targets: give TARGET arguments or --file PATH (see --help)")
    if args.top is not None and args.top < 1:
        raise TyporiskError("--top must be at least 1")
    check_readable(args.file)
    factory = resolve_cli.make_client(args)
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    columns: tuple[str, ...] = TABLE_COLUMNS if fmt == "table" else COLUMNS
    if fmt == "list":
        columns = ("domain",)
    rejected: list[InvalidTargetError] = []

    def good_targets() -> Iterator[Target]:
        for item in iter_targets(target_texts(args.targets, args.file)):
            if isinstance(item, InvalidTargetError):
                rejected.append(item)
                print(f"typorisk: skipped: {item}", file=sys.stderr)
            else:
                yield item

    candidates: Iterator[Candidate] = permute(good_targets(), top=args.top)
    stats: list[ScanStats] = []
    progress = resolve_cli.Progress()
    options = resolve_cli.scan_options(args)

    def rows() -> Iterator[Row]:
        for candidate, resolution in resolve_cli.stream(candidates, factory, options, stats):
            progress.tick()
            row = dict(resolve_cli.resolution_row(resolution))
            row.update(
                target=candidate.target,
                likelihood=candidate.likelihood,
                kinds=list(candidate.kinds),
                unicode=candidate.unicode,
                fqdn=candidate.fqdn,
                suffix=candidate.suffix,
            )
            yield row

    try:
        write_rows(rows(), fmt, sys.stdout, columns)
        sys.stdout.flush()
    finally:
        progress.close()
        if stats:
            resolve_cli.print_stats(stats[0])
    if rejected:
        print(f"typorisk: {len(rejected)} target(s) rejected", file=sys.stderr)
        return 1
    return 0
