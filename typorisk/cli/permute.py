"""``typorisk permute``: the ranked likely typos of protected domains, offline."""

from __future__ import annotations

import argparse
import sys

from typorisk.cli.common import (
    add_target_arguments,
    parse_params,
    read_words,
    split_csv,
    target_texts_of,
    valid_targets,
)
from typorisk.errors import InvalidTargetError, TyporiskError
from typorisk.permute import DEFAULT_MODEL, OPERATORS, groups, permute
from typorisk.pipeline.rows import candidate_row
from typorisk.writers import (
    CANDIDATE_FORMATS,
    DEFAULT_COLUMNS,
    ROW_FORMATS,
    WriterOptions,
    write_candidates,
    write_rows,
)

NAME = "permute"
HELP = "list the likely typo domains of protected domains, most likely first (offline)"

COLUMNS = DEFAULT_COLUMNS
TABLE_COLUMNS = ("target", "domain", "likelihood", "kinds", "unicode")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk permute``; each maps to an argument of :func:`typorisk.permute`."""
    add_target_arguments(parser)
    parser.add_argument(
        "--kind",
        "--kinds",
        dest="kinds",
        action="append",
        metavar="KIND",
        help="only these typo kinds or groups, comma-separated or repeated (see --list-kinds)",
    )
    parser.add_argument(
        "--exclude-kind",
        "--exclude-kinds",
        dest="exclude_kinds",
        action="append",
        metavar="KIND",
        help="drop these typo kinds or groups, comma-separated or repeated",
    )
    parser.add_argument("--top", type=int, metavar="N", help="keep the N most likely per target")
    parser.add_argument(
        "--min-likelihood",
        type=float,
        default=0.0,
        metavar="X",
        help="drop candidates less likely than X per typing (e.g. 1e-5)",
    )
    parser.add_argument(
        "--format",
        choices=sorted({*ROW_FORMATS, *CANDIDATE_FORMATS}),
        default=None,
        help="output format (default: table on a terminal, jsonl otherwise)",
    )
    parser.add_argument(
        "--words",
        action="append",
        default=[],
        metavar="PATH",
        help="combosquat words (brand-login.com), one a line; the files add up (repeatable)",
    )
    parser.add_argument(
        "--tld",
        metavar="FILE",
        help="suffix swap list ('suffix [weight]' a line) instead of the short default; "
        "'all' for every delegated TLD",
    )
    parser.add_argument(
        "--two-edit-top",
        type=int,
        metavar="N",
        help="add up to N two-edit typos per target, best first (default: only those that "
        "make --top; 0: none)",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a typing-model prior (docs: guide/permute.md), e.g. error_rate=0.02; "
        "channel=hand uses the hand-set priors instead of the channel fitted on observed slips",
    )
    parser.add_argument(
        "--block-anyway",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="block this established domain all the same (blocking formats leave established "
        "domains out or warn by default; repeatable)",
    )
    parser.add_argument("--list-kinds", action="store_true", help="list typo kinds and exit")


WHEN_OFF = {
    "two-edit": "  (only with --top: those likely enough to make it, or up to --two-edit-top N; "
    "--two-edit-top 0: none)",
    "combosquat": "  (only with --words)",
}
"""When each kind that is not always generated is (what :func:`typorisk.permute` does)."""


def _list_kinds() -> int:
    for name, info in OPERATORS.items():
        flag = "" if info.default else WHEN_OFF.get(name, "  (only when asked with --kinds)")
        print(f"{name:22} {info.group:7} {info.summary}{flag}")
    print("\ngroups: " + ", ".join(f"{g} ({len(k)})" for g, k in sorted(groups().items())))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the command; returns 1 when some targets were rejected, else 0."""
    if args.list_kinds:
        return _list_kinds()
    texts = target_texts_of(args)
    if args.top is not None and args.top < 1:
        raise TyporiskError("--top must be at least 1")
    if not 0.0 <= args.min_likelihood <= 1.0:
        raise TyporiskError("--min-likelihood is a probability: give a value in [0, 1]")
    model = DEFAULT_MODEL.with_overrides(parse_params(args.param))
    if args.two_edit_top is not None and args.two_edit_top < 0:
        raise TyporiskError("--two-edit-top must be 0 or more")
    words = list(dict.fromkeys(w for path in args.words for w in read_words(path)))
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    rejected: list[InvalidTargetError] = []

    settings = {
        "kinds": split_csv(args.kinds),
        "exclude_kinds": split_csv(args.exclude_kinds),
        "top": args.top,
        "min_likelihood": args.min_likelihood,
        "words": words,
        "model": model,
        "tld": args.tld,
        "two_edit_top": args.two_edit_top,
    }
    targets = valid_targets(texts, rejected)
    candidates = permute(targets, **settings)
    columns: tuple[str, ...] = TABLE_COLUMNS if fmt == "table" else COLUMNS
    rows = (candidate_row(c) for c in candidates)
    if fmt in ROW_FORMATS and fmt != "list":
        write_rows(rows, fmt, sys.stdout, columns)
    else:  # blocklists (list, rpz, postfix-access, stix...): names validated by the writer,
        # established domains left out or warned about, typed names below another's domain
        block_anyway = frozenset(d.strip().lower().rstrip(".") for d in args.block_anyway)
        write_candidates(rows, fmt, sys.stdout, WriterOptions(block_anyway=block_anyway))
    sys.stdout.flush()
    return _rejected(rejected)


def _rejected(rejected: list[InvalidTargetError]) -> int:
    """Exit status: 1 (with a line on stderr) when some targets were rejected, else 0."""
    if rejected:
        print(
            f"typorisk: {len(rejected)} target(s) rejected; fix them and run again", file=sys.stderr
        )
        return 1
    return 0
