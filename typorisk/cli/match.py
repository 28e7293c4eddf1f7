"""``typorisk match``: which mail already went to (or came from) look-alikes of your domains.

The logs' domains go through the one matcher of ``typorisk watch`` (:mod:`typorisk.match`):
every rule by default, so a list given with ``--bare-domains`` gives the hits ``watch nrd``
gives for it; ``--rule`` narrows the rules (``--rule candidate --rule distance``: typos only).

Exit codes: 0 no typo domain found; 3 typo domains found (so cron can alert); 1 nothing found
but some input was rejected or a log could not be read to the end; 2 usage or configuration
error (nothing done).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Collection, Sequence
from pathlib import Path

from typorisk.cli import EXIT_FINDINGS
from typorisk.cli.common import (
    add_hit_format_argument,
    check_readable,
    nonempty_targets,
    split_csv,
    target_texts,
)
from typorisk.errors import InvalidTargetError, TyporiskError
from typorisk.match import (
    ROLES,
    RULES,
    Aggregator,
    Matcher,
    MatchSettings,
    expand_rotated,
    rotation_order,
    scan_logs,
)
from typorisk.match.readers import check_logs
from typorisk.model import Target
from typorisk.parse.targets import iter_targets, parse_target
from typorisk.writers import write_rows

NAME = "match"
HELP = "find mail logs' recipients and senders at look-alikes of protected domains"
EXIT_FOUND = EXIT_FINDINGS
"""Typo domains were found in the logs (the CLI's findings code)."""

COLUMNS = (
    "domain", "target", "match", "kinds", "distance", "part", "likelihood", "count", "messages",
    "first_seen", "last_seen", "status", "roles", "queue_ids", "addresses",
)  # fmt: skip
TABLE_COLUMNS = ("domain", "target", "match", "count", "status", "first_seen", "last_seen")


def add_target_arguments(
    parser: argparse.ArgumentParser, default_rules: Collection[str] = RULES
) -> None:
    """``--feed``/``--target``/``--file`` and the matcher settings (shared with ``watch`` and
    ``policyd``); ``default_rules``: the rules applied without ``--rule``."""
    order = RULES.index
    parser.add_argument(
        "--feed",
        metavar="FEED.yaml",
        help="take the protected domains and the allowlist from a feed definition",
    )
    parser.add_argument(
        "--target", action="append", default=[], metavar="DOMAIN", help="protected domain"
    )
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="read protected domains from PATH, one a line ('#' comments); repeatable",
    )
    parser.add_argument("--top", type=int, default=500, metavar="N", help="candidates per target")
    parser.add_argument(
        "--min-likelihood", type=float, default=0.0, metavar="X", help="drop less likely candidates"
    )
    parser.add_argument(
        "--max-distance",
        type=int,
        default=2,
        metavar="N",
        help="also report names within N edits of a target (0: only generated candidates)",
    )
    parser.add_argument(
        "--allow",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="a domain of yours or a partner's that is never reported; repeatable",
    )
    parser.add_argument(
        "--rule",
        action="append",
        choices=RULES,
        metavar="RULE",
        help=f"rules to apply, repeatable (default: {', '.join(sorted(default_rules, key=order))})",
    )
    parser.add_argument(
        "--min-score",
        type=float,
        default=0.0,
        metavar="X",
        help="drop hits scoring below X, in [0, 1]",
    )
    parser.add_argument(
        "--same-suffix-only",
        action="store_true",
        help="only names under the target's own suffix (no rule f)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk match``."""
    parser.add_argument("logs", nargs="*", metavar="LOGFILE", help="log files ('-': stdin)")
    add_target_arguments(parser)
    parser.add_argument(
        "--rotated",
        action="store_true",
        help="also read each LOGFILE's rotated siblings (maillog.1, maillog.2.gz, ...)",
    )
    parser.add_argument(
        "--roles",
        action="append",
        metavar="R,R",
        help=f"address roles to check (default: all of {','.join(ROLES)})",
    )
    parser.add_argument(
        "--bare-domains",
        action="store_true",
        help="also match bare domain names in free text (DNS/proxy logs, lists)",
    )
    parser.add_argument(
        "--lookalike",
        action="store_true",
        help="every look-alike rule of 'typorisk watch' (the default; kept for scripts)",
    )
    add_hit_format_argument(parser)


def load_targets(args: argparse.Namespace) -> tuple[list[Target], int]:
    """Targets from ``--target``/``--file``; returns them and the number rejected (reported on
    stderr). Raises :class:`TyporiskError` when none is given."""
    if not args.target and not args.file and not args.feed:
        raise TyporiskError(
            "no protected domains: give --feed FEED.yaml, --target DOMAIN or --file PATH"
        )
    check_readable(args.file)
    texts = list(args.target)
    if args.feed:
        # feeds.spec brings the whole scan pipeline (aiohttp, networkx): only --feed pays for it
        from typorisk.feeds.spec import load_feed  # noqa: PLC0415

        spec = load_feed(Path(args.feed))  # re-read on every call: policyd's SIGHUP reloads it
        texts += [t.domain for t in spec.targets]
    targets: list[Target] = []
    rejected = 0
    for item in iter_targets(nonempty_targets(target_texts(texts, args.file), args.file)):
        if isinstance(item, InvalidTargetError):
            rejected += 1
            print(f"typorisk: skipped: {item}", file=sys.stderr)
        else:
            targets.append(item)
    if not targets:
        raise TyporiskError("no valid protected domain; fix the targets above")
    return targets, rejected


def matcher_for(
    args: argparse.Namespace, settings: MatchSettings, cache_dir: Path | None = None
) -> tuple[Matcher, int]:
    """The matcher of the flags, and the number of targets rejected. With ``--feed``, rule
    (a)'s candidate set is the feed's own (the one scan pipeline, offline, with the feed's
    kinds and per-target top), so names are matched against exactly what the feed blocks; the
    ``--target``/``--file`` targets join it with the default settings. Otherwise the set is
    generated (``cache_dir``: kept there between runs, :mod:`typorisk.match.cache`)."""
    targets, rejected = load_targets(args)
    if not args.feed:
        return Matcher(targets, settings, cache_dir=cache_dir), rejected
    from typorisk.feeds.spec import load_feed  # noqa: PLC0415  (see load_targets)
    from typorisk.pipeline.core import ScanTarget, candidates  # noqa: PLC0415

    spec = load_feed(Path(args.feed))
    fed = {parse_target(t.domain).fqdn: t for t in spec.targets}
    chosen = [ScanTarget(t, fed[t.fqdn].weight, fed[t.fqdn].top) if t.fqdn in fed else
              ScanTarget(t, top=settings.top) for t in targets]  # fmt: skip
    found = candidates(chosen, spec.options)
    return Matcher(targets, settings, candidates=found), rejected


def settings_from(
    args: argparse.Namespace, default_rules: Collection[str] = RULES
) -> MatchSettings:
    """:class:`MatchSettings` from the shared flags (validated); ``default_rules`` when no
    ``--rule`` is given."""
    if args.top is not None and args.top < 1:
        raise TyporiskError("--top must be at least 1")
    if not 0.0 <= args.min_likelihood <= 1.0:
        raise TyporiskError("--min-likelihood is a probability: give a value in [0, 1]")
    if not 0 <= args.max_distance <= 3:
        raise TyporiskError("--max-distance must be 0, 1, 2 or 3")
    if not 0.0 <= args.min_score <= 1.0:
        raise TyporiskError("--min-score is a score: give a value in [0, 1]")
    allowed = list(args.allow)
    if getattr(args, "feed", None):
        from typorisk.feeds.spec import load_feed  # noqa: PLC0415  (see load_targets)

        allowed += load_feed(Path(args.feed)).allowlist
    return MatchSettings(
        rules=frozenset(args.rule or default_rules),
        other_suffixes=not args.same_suffix_only,
        top=args.top,
        min_likelihood=args.min_likelihood,
        max_distance=args.max_distance,
        min_score=args.min_score,
        allow=frozenset(parse_target(a).registrable for a in allowed),
    )


def _log_paths(logs: Sequence[str], rotated: bool) -> list[str]:
    paths = list(logs) or ["-"]
    if rotated:
        paths = [p for path in paths for p in expand_rotated(path)]
    ordered = rotation_order(paths)
    check_logs(ordered)
    return ordered


def run(args: argparse.Namespace) -> int:
    """Scan the logs; print findings; exit 3 when typo domains were found (see module doc)."""
    roles = split_csv(args.roles) or list(ROLES)
    if unknown := set(roles) - set(ROLES):
        raise TyporiskError(f"unknown role(s) {sorted(unknown)}; use {', '.join(ROLES)}")
    settings = settings_from(args)
    paths = _log_paths(args.logs, args.rotated)
    matcher, rejected = matcher_for(args, settings)
    found = Aggregator()
    started = time.perf_counter()
    stats = scan_logs(paths, matcher, found, roles=roles, bare_domains=args.bare_domains)
    seconds = time.perf_counter() - started
    findings = found.findings()
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    columns = TABLE_COLUMNS if fmt == "table" else COLUMNS
    write_rows((f.row() for f in findings), fmt, sys.stdout, columns)
    sys.stdout.flush()
    for error in stats.errors:
        print(f"typorisk: {error}", file=sys.stderr)
    rate = stats.lines / seconds if seconds > 0 else 0.0
    print(
        f"typorisk: {stats.files} file(s), {stats.lines} lines ({rate:,.0f}/s), "
        f"{stats.events} addresses, {stats.hits} at {len(findings)} typo domain(s), "
        f"{stats.skipped} garbage line(s) skipped; {matcher.candidate_count} candidates "
        f"for {len(matcher.targets)} target(s)",
        file=sys.stderr,
    )
    if findings:
        return EXIT_FOUND
    return 1 if rejected or stats.errors else 0
