"""``typorisk demo``: the whole product on a synthetic world, offline, in one command."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from typorisk.cli.rank import print_findings
from typorisk.demo.run import run_demo
from typorisk.writers import write_rows

NAME = "demo"
HELP = "run the whole pipeline on an embedded synthetic DNS world (offline, no root needed)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk demo``."""
    parser.add_argument(
        "--out",
        default="typorisk-demo",
        metavar="DIR",
        help="where to write the outputs (default: ./typorisk-demo)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo and say where everything is."""
    print(
        "typorisk demo: a SYNTHETIC world served on 127.0.0.1 by this process "
        "(no Internet, nothing real is queried)\n",
        flush=True,
    )
    result = run_demo(Path(args.out))
    print("Top risks this week:")
    top = [{**row, "reasons": _first(row.get("reasons"), 2)} for row in result.rows[:12]]
    write_rows(top, "table", sys.stdout, ("domain", "target", "risk", "capture", "reasons"))
    print()
    sys.stdout.flush()
    print_findings(result.findings, sys.stdout)
    print(f"\n{len(result.review.new_high_risk)} new high-risk finding(s) since last week.")
    print(f"review (HTML):     {result.review_html}")
    print(f"review (Markdown): {result.review_md}")
    print(f"ranked scan:       {result.scan}")
    print(
        f"blocklists:        {result.feeds[0].parent}/ ({len(result.feeds)} formats: RPZ, "
        "Postfix, Unbound, STIX, ...)"
    )
    print(f"history database:  {result.db}  (try: typorisk diff --db {result.db})")
    return 0


def _first(value: object, count: int) -> list[object]:
    return list(value)[:count] if isinstance(value, list) else []
