"""Command-line interface: thin. Each command lives in its own module, parses flags, calls one
library function and prints. Only this package prints, sets exit codes or reads stdin.

Commands are listed in :data:`REGISTRY` (name, where the command lives, one-line help) and
imported only when run: ``typorisk --help`` imports none of them and ``typorisk permute``
imports only :mod:`typorisk.cli.permute` (and what it needs), so start-up stays short.

Exit codes (:data:`EXIT_CODES_TABLE`, also shown by ``typorisk --help``):

| Code | Meaning |
| ---: | --- |
| 0 | ok: the run completed |
| 1 | the run finished, but some input was rejected (a target, a row, a log line) |
| 2 | usage or configuration error: nothing was done |
| 3 | findings: new high-risk findings (`review`), typo domains in the mail logs (`match`) |
| 4 | incomplete (a dead resolver, too many unknown names, a budget): nothing was replaced |
| 5 | an output could not be written (disk full, permission): the previous files are kept |
| 130 | interrupted: partial results were flushed |

Every error is one line on stderr, ``typorisk: error: ...``, never a traceback (a bug, which is
no :class:`~typorisk.errors.TyporiskError`, still shows one).
"""

from __future__ import annotations

import argparse
import errno
import gc
import importlib
import sys
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, Protocol, cast

from typorisk import __version__
from typorisk.errors import (
    OutputWriteError,
    ResolverUnreachableError,
    RunIncompleteError,
    TyporiskError,
)


class Command(Protocol):
    """A command: a module (or class) with NAME, HELP, add_arguments(parser) and run(args)."""

    NAME: str
    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser, /) -> None: ...

    def run(self, args: argparse.Namespace, /) -> int: ...


@dataclass(frozen=True, slots=True)
class Entry:
    """One command of the registry, described without importing it."""

    name: str
    """The command's name on the command line (equals the command's ``NAME``)."""
    target: str
    """Where the command lives: ``"package.module"`` (a module that is the command) or
    ``"package.module:attr"`` (a class in it)."""
    help: str
    """The one-line help shown by ``typorisk --help`` (equals the command's ``HELP``; a test
    keeps the two equal)."""

    def load(self) -> Command:
        """Import the command (only now) and return it."""
        module_name, _, attr = self.target.partition(":")
        module = importlib.import_module(module_name)
        return cast(Command, getattr(module, attr) if attr else module)


REGISTRY: tuple[Entry, ...] = (
    Entry(
        "permute",
        "typorisk.cli.permute",
        "list the likely typo domains of protected domains, most likely first (offline)",
    ),
    Entry(
        "resolve",
        "typorisk.cli.resolve",
        "resolve names (one a line): registered?, mail capability (MX, null MX), wildcards",
    ),
    Entry(
        "scan",
        "typorisk.cli.scan",
        "permute protected domains, then resolve the candidates (registration, mail, wildcards)",
    ),
    Entry(
        "rank", "typorisk.cli.rank", "rank scan results (JSON lines) by explainable risk, offline"
    ),
    Entry(
        "record",
        "typorisk.cli.history:Record",
        "record scan results (JSON lines) as a run in the SQLite history",
    ),
    Entry(
        "history",
        "typorisk.cli.history:History",
        "show every recorded observation of a domain, oldest first",
    ),
    Entry(
        "diff",
        "typorisk.cli.history:DiffCommand",
        "what changed between two runs (default: the last two complete runs)",
    ),
    Entry(
        "review",
        "typorisk.cli.review",
        "write a threat review for people (HTML + Markdown, --pdf): summary, what to block, "
        "register and take down, trends, clusters",
    ),
    Entry(
        "demo",
        "typorisk.cli.demo",
        "run the whole pipeline on an embedded synthetic DNS world (offline, no root needed)",
    ),
    Entry(
        "match",
        "typorisk.cli.match",
        "find mail logs' recipients and senders at look-alikes of protected domains",
    ),
    Entry(
        "watch",
        "typorisk.cli.watch",
        "watch NRD lists, zone diffs and CT logs for look-alikes of protected domains",
    ),
    Entry(
        "policyd",
        "typorisk.cli.policyd",
        "Postfix policy service: REJECT/HOLD/WARN mail to typo domains of protected domains",
    ),
    Entry(
        "update-data",
        "typorisk.cli.update_data",
        "download the current RDAP bootstraps (DNS, IPv4, IPv6, ASN), Public Suffix List, CT "
        "log list and top-sites list into the user cache",
    ),
    Entry(
        "run",
        "typorisk.cli.run",
        "run feed definitions (feeds/*.yaml): write every output atomically",
    ),
    Entry(
        "serve",
        "typorisk.cli.serve",
        "publish feed outputs over HTTP(S) for firewalls to pull (EDL, threat feeds), with ETags",
    ),
    Entry(
        "validate",
        "typorisk.cli.validate",
        "check feed definitions (YAML): every problem as file:line:column: what is expected",
    ),
)
"""Every command, in the order ``typorisk --help`` lists them."""

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2
EXIT_FINDINGS = 3
EXIT_INCOMPLETE = 4
EXIT_WRITE_FAILED = 5
EXIT_INTERRUPTED = 130

EXIT_CODES_TABLE = """\
| Code | Meaning |
| ---: | --- |
| 0 | ok: the run completed |
| 1 | the run finished, but some input was rejected (a target, a row, a log line) |
| 2 | usage or configuration error: nothing was done |
| 3 | findings: new high-risk findings (`review`), typo domains in the mail logs (`match`) |
| 4 | incomplete (a dead resolver, too many unknown names, a budget): nothing was replaced |
| 5 | an output could not be written (disk full, permission): the previous files are kept |
| 130 | interrupted: partial results were flushed |
"""
"""The exit codes as a Markdown table: the module docstring, ``typorisk --help`` and the
exit-code table of docs/guide/scan.md show this text (tests keep them equal)."""

_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
"""An ``OSError`` reaching :func:`main` with one of these is an output that could not be
written (stdout redirected to a full disk), not a bug."""


def _epilog() -> str:
    """The exit codes for ``--help``: the Markdown table as aligned plain text."""
    rows = [line.strip("|").split("|", 1) for line in EXIT_CODES_TABLE.splitlines()[2:]]
    lines = [f"  {code.strip():>3}  {meaning.strip()}" for code, meaning in rows]
    return "exit codes:\n" + "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line, like every other error, and whose
    help shows every default (:class:`_Help`), its nested commands' too (``watch nrd``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("typorisk").strip()
        where = f"{command}: " if command else ""
        self.exit(
            EXIT_USAGE,
            f"typorisk: error: {where}{message} (see '{self.prog} --help')\n",
        )


class _Help(argparse.RawDescriptionHelpFormatter):
    """Help text with every option's default: ``(default: X)`` is appended to an option's help
    unless it already states it (``%(default)s`` or the word "default"); flags that are off
    (``False``) and options with no value (``None``) say nothing more."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or "default" in text
            or default is None
            or default is False
            or default is argparse.SUPPRESS
            or default == []
            or not (action.option_strings or action.nargs in ("?", "*"))
        ):
            return text
        if isinstance(default, bool):
            return text + (" (default: on)" if default else "")
        return text + " (default: %(default)s)"


def _parser(loaded: Collection[str]) -> argparse.ArgumentParser:
    """The parser with every command listed, and the flags of the commands in ``loaded`` (only
    those are imported)."""
    parser = _Parser(
        prog="typorisk",
        description="Typo-domain risk intelligence: find the typo domains of your domains "
        "before they leak your mail.",
        epilog=_epilog(),
        formatter_class=_Help,
    )
    parser.add_argument("--version", action="version", version=f"typorisk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for entry in REGISTRY:
        command = sub.add_parser(
            entry.name, help=entry.help, description=entry.help, formatter_class=_Help
        )
        if entry.name in loaded:
            module = entry.load()
            module.add_arguments(command)
            command.set_defaults(_run=module.run)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The ``typorisk`` argument parser with every command registered (imports them all)."""
    return _parser({entry.name for entry in REGISTRY})


def command_parsers(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command below ``parser`` and every nested one (``watch nrd``), with its parser, in
    the order ``--help`` lists them (the reference pages and the documentation tests walk it)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield f"{prefix} {name}".strip(), child
                yield from command_parsers(child, f"{prefix} {name}")


def chosen_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line: the first word that is not an option (the
    top-level options take no value), if it is a registered command."""
    first = next((word for word in argv if not word.startswith("-")), None)
    return first if any(entry.name == first for entry in REGISTRY) else None


def __getattr__(name: str) -> object:
    """``COMMANDS``: every command, loaded (the eager tuple this module used to define)."""
    if name == "COMMANDS":
        return tuple(entry.load() for entry in REGISTRY)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def exit_code(exc: TyporiskError) -> int:
    """The exit code :func:`main` gives for an error (see the table in the module docstring):
    4 for a run that did not see the world, 5 for an output not written, else 2."""
    if isinstance(exc, RunIncompleteError | ResolverUnreachableError):
        return EXIT_INCOMPLETE
    if isinstance(exc, OutputWriteError):
        return EXIT_WRITE_FAILED
    return EXIT_USAGE


def console() -> NoReturn:
    """The ``typorisk`` console script and ``python -m typorisk``: :func:`main`, with the
    cyclic garbage collector off while the command's modules load, then told to skip what
    they made (:func:`gc.freeze`: module objects live as long as the process).

    Loading ``typorisk resolve`` allocates enough (dataclasses, enums, typing) for the
    collector to run dozens of times over objects that are never garbage: importing what it
    needs took 167 ms as a process with the collector on and 131 ms with it off (medians of 9,
    ``python -c``, this machine), as mypy does it for its own start-up. Only the process's own
    entry does this; :func:`main` called as a library leaves the collector alone."""
    gc.disable()
    try:
        code = main(loaded=_thaw)
    finally:
        _thaw()
    sys.exit(code)


def _thaw() -> None:
    """Turn the collector back on (once the command is loaded: see :func:`console`)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def main(argv: Sequence[str] | None = None, *, loaded: Callable[[], None] | None = None) -> int:
    """Entry point of the ``typorisk`` console script; returns the exit code. ``loaded`` is
    called once the command's modules are loaded (before it runs)."""
    words = sys.argv[1:] if argv is None else list(argv)
    chosen = chosen_command(words)
    parser = _parser(() if chosen is None else (chosen,))
    if loaded is not None:
        loaded()
    try:
        args = parser.parse_args(words)
    except SystemExit as stop:  # --help, --version, a usage error (already printed)
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    try:
        code: int = args._run(args)
        sys.stdout.flush()  # a full disk behind stdout is an error of this run, not of exit
    except TyporiskError as exc:
        print(f"typorisk: error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        print("typorisk: error: interrupted; partial results were flushed", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader (head, less) went away: not an error for a filter-style command.
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:
        if exc.errno not in _WRITE_ERRNOS:
            raise  # a bug or an I/O failure nobody anticipated: show where
        name = exc.filename or "standard output"
        print(f"typorisk: error: cannot write {name}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_WRITE_FAILED
    return code
