"""``typorisk run``: produce every output of feed definitions (permute, resolve if asked,
thresholds, allowlist), each file replaced atomically."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from typorisk.cli import EXIT_INCOMPLETE
from typorisk.errors import ResolverUnreachableError, RunIncompleteError
from typorisk.feeds.run import RunReport, run_feed
from typorisk.feeds.spec import FeedSpec, load_feed
from typorisk.feeds.status import write_status

NAME = "run"
HELP = "run feed definitions (feeds/*.yaml): write every output atomically"
SHOWN_REFUSALS = 5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk run``: the definitions to run."""
    parser.add_argument("feeds", nargs="+", metavar="FEED.yaml", help="feed definition")


def _print(report: RunReport) -> None:
    for done in report.written:
        print(
            f"typorisk: {report.feed}: wrote {done.output.path} "
            f"({done.output.format}, {done.entries} entries)",
            file=sys.stderr,
        )
    if report.allowlisted:
        print(
            f"typorisk: {report.feed}: {len(report.allowlisted)} allowlisted names left out",
            file=sys.stderr,
        )
    if report.stats is not None:
        s = report.stats
        print(
            f"typorisk: {report.feed}: resolved {s.names} names with {s.queries} queries "
            f"in {s.elapsed:.1f} s",
            file=sys.stderr,
        )
    for message in report.refused[:SHOWN_REFUSALS]:
        print(f"typorisk: {report.feed}: refused: {message}", file=sys.stderr)
    if len(report.refused) > SHOWN_REFUSALS:
        print(f"typorisk: {report.feed}: {len(report.refused)} refusals in all", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Validate every definition first (nothing is written if one is invalid), then run each.

    A feed whose scan is incomplete (a dead resolver, too many unknown names) replaces none of
    its files and the others still run. Returns 4 when some feed was incomplete, else 1 when
    rows were refused at the writer boundary, else 0."""
    specs: list[FeedSpec] = [load_feed(Path(text)) for text in args.feeds]
    status = 0
    for spec in specs:
        try:
            report = run_feed(spec)
        except (RunIncompleteError, ResolverUnreachableError) as exc:
            print(f"typorisk: {spec.name}: {exc}", file=sys.stderr)
            reasons = exc.reasons if isinstance(exc, RunIncompleteError) else (str(exc),)
            write_status(spec, now=dt.datetime.now(dt.UTC), reasons=tuple(reasons))
            status = EXIT_INCOMPLETE
            continue
        write_status(spec, now=dt.datetime.now(dt.UTC), report=report)
        _print(report)
        print(
            f"typorisk: {spec.name}: run complete: {len(report.written)} outputs replaced",
            file=sys.stderr,
        )
        if report.refused and status == 0:
            status = 1
    return status
