"""``typorisk demo``: the whole product on a synthetic world, offline, in one command; with
``--serve``, the world kept running on 127.0.0.1 to try the other commands against."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shlex
import signal
import sys
import tempfile
import textwrap
from pathlib import Path

import yaml

from typorisk.cli.rank import print_findings
from typorisk.demo.run import run_demo
from typorisk.demo.serve import ServedWorld, served_world
from typorisk.writers import write_rows

NAME = "demo"
HELP = "run the whole pipeline on an embedded synthetic DNS world (offline, no root needed)"
READY = "serving; stop with Ctrl-C (or SIGTERM)"
"""The last line ``demo --serve`` prints once every server listens."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk demo``."""
    parser.add_argument(
        "--out",
        default="typorisk-demo",
        metavar="DIR",
        help="where to write the outputs (default: ./typorisk-demo)",
    )
    serve = parser.add_argument_group("serving the world (--serve)")
    serve.add_argument(
        "--serve",
        action="store_true",
        help="keep the world's DNS, RDAP and SMTP servers running on 127.0.0.1 and print the "
        "flags that use them, until Ctrl-C or SIGTERM (exit 0)",
    )
    serve.add_argument(
        "--week",
        type=int,
        choices=(1, 2),
        default=2,
        help="the world's week: in week 2 the squatting operation has grown (default: 2)",
    )
    for name, what in (("dns", "DNS (UDP)"), ("rdap", "RDAP (HTTP)"), ("smtp", "SMTP")):
        serve.add_argument(
            f"--{name}-port",
            type=int,
            default=0,
            metavar="PORT",
            help=f"{what} port on 127.0.0.1 (default: 0, a free port; fix the ports to restart "
            "the world under the same flags)",
        )
    serve.add_argument(
        "--bootstrap-dir",
        metavar="DIR",
        help="where to write the RDAP bootstrap files naming the world's RDAP server "
        "(default: a temporary directory, removed at exit)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo and say where everything is (or serve the world until stopped)."""
    if args.serve:
        return _serve(args)
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


def _serve(args: argparse.Namespace) -> int:
    """Serve the world until SIGINT or SIGTERM; 0 once every server is stopped."""
    with contextlib.ExitStack() as stack:
        where = args.bootstrap_dir or stack.enter_context(
            tempfile.TemporaryDirectory(prefix="typorisk-demo-world-")
        )
        asyncio.run(_serve_async(args, Path(where)))
    print("typorisk demo: stopped", file=sys.stderr)
    return 0


async def _serve_async(args: argparse.Namespace, where: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with served_world(
        where,
        week=args.week,
        dns_port=args.dns_port,
        rdap_port=args.rdap_port,
        smtp_port=args.smtp_port,
    ) as world:
        _announce(world)
        await stop.wait()


def _announce(world: ServedWorld) -> None:
    """The flags, a command to paste, and the feed section, on stdout (flushed at once)."""
    flags = shlex.join(world.flags())
    targets = " ".join(world.targets)
    print(
        f"typorisk demo: a SYNTHETIC world (week {world.week}) served on 127.0.0.1 until Ctrl-C\n"
        f"  DNS  127.0.0.1:{world.dns_port} (UDP)   RDAP http://127.0.0.1:{world.rdap_port}/   "
        f"SMTP 127.0.0.1:{world.smtp_port}\n"
        f"  protected targets: {targets}\n\n"
        f"flags:\n  {flags}\n\n"
        f"try:\n  typorisk scan {targets} {flags}\n\n"
        "in a feed definition (typorisk run):\n"
        + textwrap.indent(yaml.safe_dump({"scan": world.feed_scan()}, sort_keys=False), "  ")
        + f"\n{READY}\n",
        flush=True,
    )


def _first(value: object, count: int) -> list[object]:
    return list(value)[:count] if isinstance(value, list) else []
