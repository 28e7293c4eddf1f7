"""``typorisk run``: produce every output of feed definitions (permute, resolve if asked,
thresholds, allowlist), each file replaced atomically; with a history store, record each run
and write its review (the weekly job in one command).

Exit codes: 0 every feed complete and nothing new (no review, or no new high-risk finding);
1 rows were refused at the writer boundary; 2 a definition is invalid (nothing ran);
3 a review found new high-risk findings; 4 a feed's scan was incomplete (its files were kept,
the run is recorded incomplete); 5 an output could not be written.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from typorisk.cli import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, EXIT_REJECTED
from typorisk.errors import ResolverUnreachableError, RunIncompleteError, TyporiskError
from typorisk.feeds.run import RunReport, run_feed
from typorisk.feeds.spec import FeedSpec, load_feed
from typorisk.feeds.status import write_status
from typorisk.kit.atomic import atomic_write_text
from typorisk.report import build_review, render_html, render_markdown
from typorisk.store import Store

NAME = "run"
HELP = "run feed definitions (feeds/*.yaml): write every output atomically"
SHOWN_REFUSALS = 5
SEVERITY = (EXIT_OK, EXIT_REJECTED, EXIT_FINDINGS, EXIT_INCOMPLETE)
"""Exit codes of feeds from the least to the most severe: the command exits with the most
severe of its feeds."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk run``: the definitions to run, the store and the review."""
    parser.add_argument("feeds", nargs="+", metavar="FEED.yaml", help="feed definition")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help="record each feed's run in this SQLite history, as 'typorisk record' does "
        "(incomplete runs marked) (default: the definition's history key; none: not recorded)",
    )
    parser.add_argument(
        "--review",
        metavar="DIR",
        help="write the review (review.html, review.md) of each recorded run to DIR "
        "(DIR/FEED with several feeds); exit 3 on new high-risk findings "
        "(default: the definition's review key; none: no review)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        metavar="RISK",
        help="risk from which a finding of the review is high risk (default: 0.5)",
    )


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


def _places(
    args: argparse.Namespace, spec: FeedSpec, many: bool
) -> tuple[Path | None, Path | None]:
    """The store and the review directory of ``spec``: the flags, else the definition's keys."""
    db = Path(args.db) if args.db else spec.history
    review = spec.review
    if args.review:
        review = Path(args.review) / spec.name if many else Path(args.review)
    if review is not None and db is None:
        raise TyporiskError(
            f"{spec.source}: a review needs a history store: give --db PATH or 'history:'"
        )
    return db, review


def run(args: argparse.Namespace) -> int:
    """Validate every definition first (nothing is written if one is invalid), then run each.

    A feed whose scan is incomplete (a dead resolver, too many unknown names) replaces none of
    its files (its run is recorded incomplete) and the others still run. See the module
    docstring for the exit code."""
    if not 0.0 <= args.threshold <= 1.0:
        raise TyporiskError("--threshold is a risk: give a value in [0, 1]")
    specs: list[FeedSpec] = [load_feed(Path(text)) for text in args.feeds]
    places = [_places(args, spec, len(specs) > 1) for spec in specs]
    status = EXIT_OK
    for spec, (db, review) in zip(specs, places, strict=True):
        if db is not None:
            db.parent.mkdir(parents=True, exist_ok=True)  # a first run: state/ is not made yet
        store = Store(db) if db is not None else None
        try:
            code = _run_one(spec, store, review, args.threshold)
        finally:
            if store is not None:
                store.close()
        status = max(status, code, key=SEVERITY.index)
    return status


def _run_one(spec: FeedSpec, store: Store | None, review: Path | None, threshold: float) -> int:
    """Run one feed (record it in ``store``, review it into ``review``); its exit code."""
    code = EXIT_OK
    try:
        report = run_feed(spec, history=store)
    except (RunIncompleteError, ResolverUnreachableError) as exc:
        print(f"typorisk: {spec.name}: {exc}", file=sys.stderr)
        reasons = exc.reasons if isinstance(exc, RunIncompleteError) else (str(exc),)
        write_status(spec, now=dt.datetime.now(dt.UTC), reasons=tuple(reasons))
        if store is not None:
            newest = store.runs(spec.name)[-1]
            print(
                f"typorisk: {spec.name}: run {newest.id} recorded incomplete in {store.path}",
                file=sys.stderr,
            )
        code = EXIT_INCOMPLETE
    else:
        write_status(spec, now=dt.datetime.now(dt.UTC), report=report)
        _print(report)
        if report.run_id is not None and store is not None:
            print(
                f"typorisk: {spec.name}: run {report.run_id} recorded in {store.path}",
                file=sys.stderr,
            )
        print(
            f"typorisk: {spec.name}: run complete: {len(report.written)} outputs replaced",
            file=sys.stderr,
        )
        if report.refused:
            code = EXIT_REJECTED
    if store is not None and review is not None and store.latest(spec.name) is not None:
        found = _review(spec, store, review, threshold)
        if code != EXIT_INCOMPLETE and found:
            code = EXIT_FINDINGS
    return code


def _review(spec: FeedSpec, store: Store, out: Path, threshold: float) -> int:
    """Write the review of the feed's newest complete run (as ``typorisk review``); returns
    the number of new high-risk findings."""
    review = build_review(store, feed=spec.name, threshold=threshold, today=dt.date.today())
    atomic_write_text(out / "review.md", render_markdown(review))
    atomic_write_text(out / "review.html", render_html(review))
    high = len(review.new_high_risk)
    print(
        f"typorisk: {spec.name}: review of run {review.run.id} written to "
        f"{out / 'review.html'}, {out / 'review.md'}; {high} new high-risk finding(s)",
        file=sys.stderr,
    )
    return high
