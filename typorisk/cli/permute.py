"""``typorisk permute``: the ranked likely typos of protected domains, offline."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TextIO

from typorisk.cli.common import (
    add_target_arguments,
    parse_params,
    read_words,
    split_csv,
    target_texts_of,
    valid_targets,
)
from typorisk.errors import InvalidTargetError, TyporiskError
from typorisk.permute import DEFAULT_MODEL, OPERATORS, groups, permute, permute_domains
from typorisk.pipeline.rows import candidate_row
from typorisk.writers import CANDIDATE_FORMATS, ROW_FORMATS, write_candidates, write_rows

NAME = "permute"
HELP = "list the likely typo domains of protected domains, most likely first (offline)"

COLUMNS = ("target", "domain", "unicode", "kinds", "likelihood", "fqdn", "suffix")
TABLE_COLUMNS = ("target", "domain", "likelihood", "kinds", "unicode")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk permute``; each maps to an argument of :func:`typorisk.permute`."""
    add_target_arguments(parser)
    parser.add_argument(
        "--kinds",
        action="append",
        metavar="K,K",
        help="only these typo kinds or groups (see --list-kinds)",
    )
    parser.add_argument(
        "--exclude-kinds", action="append", metavar="K,K", help="drop these typo kinds or groups"
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
        help="words for combosquats (brand-login.com), one a line; repeatable (lists add up)",
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
        help="override a typing-model prior (see README), e.g. error_rate=0.02; channel=fitted"
        " uses the typing channel fitted on observed slips (opt-in)",
    )
    parser.add_argument("--list-kinds", action="store_true", help="list typo kinds and exit")


def _list_kinds() -> int:
    for name, info in OPERATORS.items():
        flag = "" if info.default else "  (off unless --words)"
        print(f"{name:22} {info.group:7} {info.summary}{flag}")
    print("\ngroups: " + ", ".join(f"{g} ({len(k)})" for g, k in sorted(groups().items())))
    return 0


def write_domains(per_target: Iterable[list[str]], out: TextIO) -> int:
    """``--format list``: one registrable domain a line, one write per target.

    The same text as the row writer's ``list`` format (a domain is a validated lowercase A-label,
    so it needs no cell formatting or escaping), without a :class:`Candidate` and a row per
    name: those were about a third of a whole ``typorisk permute --format list`` run.
    """
    count = 0
    for domains in per_target:
        if domains:
            out.write("\n".join(domains) + "\n")
            count += len(domains)
    return count


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
    if fmt == "list":
        write_domains(permute_domains(targets, **settings), sys.stdout)
        sys.stdout.flush()
        return _rejected(rejected)
    candidates = permute(targets, **settings)
    columns: tuple[str, ...] = TABLE_COLUMNS if fmt == "table" else COLUMNS
    rows = (candidate_row(c) for c in candidates)
    if fmt in ROW_FORMATS:
        write_rows(rows, fmt, sys.stdout, columns)
    else:  # consumer formats (rpz, postfix-access, stix...): names validated by the writer
        write_candidates(rows, fmt, sys.stdout)
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
