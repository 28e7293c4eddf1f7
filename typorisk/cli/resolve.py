"""``typorisk resolve``: registration, mail capability and wildcards of names, one a line.

Flags → :class:`~typorisk.pipeline.ScanOptions` (the DNS and executor options) →
:class:`~typorisk.pipeline.core.ResolveNames` → rows, written as they arrive. Ctrl-C cancels the
resolution; the rows already written stay written.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator

import idna

from typorisk.cli.common import check_readable, read_lines
from typorisk.cli.options import add_scan_options, options_from_args
from typorisk.cli.progress import print_summary, write_progressing
from typorisk.pipeline.clients import default_clients
from typorisk.pipeline.names import ResolveNames
from typorisk.pipeline.rows import columns_of, resolution_row
from typorisk.writers.formats import ROW_FORMATS

NAME = "resolve"
HELP = "resolve names (one a line): registered?, mail capability (MX, null MX), wildcards"

OPTIONS = (
    "nameservers", "authoritative", "authoritative_port", "concurrency", "processes", "rate",
    "timeout", "retries", "budget", "wildcards", "max_unknown", "executor", "scheduler",
    "workers", "batch_size",
)  # fmt: skip
"""The :class:`ScanOptions` that ``resolve`` takes (the resolve stage's)."""
COLUMNS = ("domain", *(c for c in columns_of("resolve") if not c.startswith("target_")))
TABLE_COLUMNS = ("domain", "registration", "mail", "mx", "a", "wildcard", "error")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk resolve``."""
    parser.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="names one a line ('-': stdin)"
    )
    parser.add_argument(
        "--format",
        choices=sorted(ROW_FORMATS),
        default=None,
        help="output format (default: table on a terminal, jsonl otherwise)",
    )
    add_scan_options(parser, OPTIONS)


def _names(path: str) -> Iterator[str]:
    for line in read_lines(path):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not text.isascii():
            # An unconvertible name is kept as typed: the engine reports it as an error row.
            with contextlib.suppress(idna.IDNAError):
                text = idna.encode(text.rstrip("."), uts46=True).decode("ascii")
        yield text


def run(args: argparse.Namespace) -> int:
    """Run the command; the exit code says how it ended (4: incomplete, see --help)."""
    check_readable([args.file])
    options = options_from_args(args, OPTIONS)
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    columns = TABLE_COLUMNS if fmt == "table" else COLUMNS
    resolved = ResolveNames(_names(args.file), options, clients=default_clients(options))
    write_progressing((resolution_row(res) for _, res in resolved), fmt, columns)
    return print_summary(resolved.summary)
