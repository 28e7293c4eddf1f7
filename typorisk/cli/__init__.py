"""Command-line interface: thin. Each command lives in its own module, parses flags, calls one
library function and prints. Only this package prints, sets exit codes or reads stdin.

Exit codes: 0 success; 1 the run finished but some input was rejected; 2 usage or
configuration error (nothing done); 130 interrupted (partial results were flushed).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Protocol

from typorisk import __version__
from typorisk.cli import demo as _demo
from typorisk.cli import match as _match
from typorisk.cli import permute as _permute
from typorisk.cli import policyd as _policyd
from typorisk.cli import rank as _rank
from typorisk.cli import resolve as _resolve
from typorisk.cli import review as _review
from typorisk.cli import run as _run
from typorisk.cli import scan as _scan
from typorisk.cli import update_data as _update_data
from typorisk.cli import validate as _validate
from typorisk.cli.history import DiffCommand as _diff
from typorisk.cli.history import History as _history
from typorisk.cli.history import Record as _record
from typorisk.errors import TyporiskError


class Command(Protocol):
    """A command: a module (or class) with NAME, HELP, add_arguments(parser) and run(args)."""

    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser, /) -> None: ...

    def run(self, args: argparse.Namespace, /) -> int: ...


# Every command module provides NAME, HELP, add_arguments(parser) and run(args) -> int.
COMMANDS: tuple[Command, ...] = (
    _permute,
    _resolve,
    _scan,
    _rank,
    _record,
    _history,
    _diff,
    _review,
    _demo,
    _match,
    _policyd,
    _update_data,
    _run,
    _validate,
)

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    """The ``typorisk`` argument parser with every command registered."""
    parser = argparse.ArgumentParser(
        prog="typorisk",
        description="Typo-domain risk intelligence: find the typo domains of your domains "
        "before they leak your mail.",
    )
    parser.add_argument("--version", action="version", version=f"typorisk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        command = sub.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``typorisk`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args._run(args)
    except TyporiskError as exc:
        print(f"typorisk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("typorisk: interrupted; partial results were written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (head, less) went away: not an error for a filter-style command.
        sys.stderr.close()
        return EXIT_OK
    return code
