"""``typorisk review``: a Markdown and a self-contained HTML threat review from the history,
and with ``--pdf`` a PDF of the HTML page printed by headless Chromium.

Exit codes for cron and CI: 0 nothing new at or above the threshold; 3 new high-risk findings
since the baseline (names high risk now that were not: newly registered, newly mail-capable,
newly over the threshold; a rise within high risk is not one); 4 the newest run of the feed
did not complete (the review still covers the newest complete run); 5 the PDF could not be
printed (the HTML and Markdown are written); 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from typorisk.cli import EXIT_FINDINGS, EXIT_INCOMPLETE
from typorisk.cli.history import DEFAULT_DB, open_existing
from typorisk.kit.atomic import atomic_write_text
from typorisk.report import build_review, print_pdf, render_html, render_markdown

NAME = "review"
HELP = (
    "write a threat review for people (HTML + Markdown, --pdf): summary, what to block, "
    "register and take down, trends, clusters"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk review``; each maps to an argument of :func:`build_review`."""
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"SQLite history file (default: {DEFAULT_DB})",
    )
    parser.add_argument("--feed", help="review this feed's runs (default: the newest run's feed)")
    parser.add_argument(
        "--since",
        metavar="DATE|RUN",
        help="compare with this run, or the last complete run on or before DATE "
        "(default: the previous complete run)",
    )
    parser.add_argument(
        "--out",
        default="review",
        metavar="DIR",
        help="directory for review.html, review.md and review.pdf (default: ./review)",
    )
    parser.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        metavar="RISK",
        help="risk from which a finding is high risk: blocked, taken down, and exit code 3 "
        "when it is newly so (default: 0.5)",
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print review.pdf with headless Chromium (default: off)",
    )
    parser.add_argument(
        "--browser",
        metavar="PATH",
        help="Chromium executable for --pdf (default: chromium on PATH)",
    )


def run(args: argparse.Namespace) -> int:
    """Write the review; see the module docstring for exit codes."""
    with open_existing(args.db) as store:
        review = build_review(
            store, feed=args.feed, since=args.since, threshold=args.threshold, today=dt.date.today()
        )
        newest = store.runs(review.run.feed)[-1]
    out = Path(args.out)
    atomic_write_text(out / "review.md", render_markdown(review))
    atomic_write_text(out / "review.html", render_html(review))
    high = review.new_high_risk
    written = [out / "review.html", out / "review.md"]
    if args.pdf:
        written.append(print_pdf(out / "review.html", out / "review.pdf", browser=args.browser))
    print(
        f"typorisk: review of run {review.run.id} written to "
        f"{', '.join(map(str, written))}; {len(high)} new high-risk finding(s)",
        file=sys.stderr,
    )
    if newest.status != "complete":
        print(
            f"typorisk: the newest run ({newest.id}) of feed {newest.feed!r} did not complete",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE
    return EXIT_FINDINGS if high else 0
