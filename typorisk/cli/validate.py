"""``typorisk validate``: check feed definitions and report every problem with its line."""

from __future__ import annotations

import argparse
from pathlib import Path

from typorisk.cli import EXIT_USAGE
from typorisk.errors import FeedSpecError
from typorisk.feeds.spec import load_feed

NAME = "validate"
HELP = "check feed definitions (YAML): every problem as file:line:column: what is expected"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk validate``: the definitions to check."""
    parser.add_argument("feeds", nargs="+", metavar="FEED.yaml", help="feed definition")


def run(args: argparse.Namespace) -> int:
    """Print ``FILE: ok`` or each problem; returns 2 (a configuration error, as ``run`` gives
    for the same file) when any definition is invalid."""
    status = 0
    for text in args.feeds:
        try:
            spec = load_feed(Path(text))
        except FeedSpecError as exc:
            for problem in exc.problems:
                print(problem)
            status = EXIT_USAGE
            continue
        formats = ", ".join(o.format for o in spec.outputs)
        mode = "resolves" if spec.resolve else "offline"
        print(f"{text}: ok: feed {spec.name}, {len(spec.targets)} targets, {mode}, {formats}")
    return status
