"""Helpers shared by command modules: reading target lists, words and model parameters."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from typorisk.errors import DataFileError, InvalidTargetError, TyporiskError
from typorisk.model import Target
from typorisk.parse.names import label_problem
from typorisk.parse.targets import iter_targets


def read_lines(path: str) -> Iterator[str]:
    """Lines of ``path`` (``-`` for standard input), streamed, without line endings.

    Undecodable bytes are replaced rather than aborting the run; the bad line will then be
    rejected with a clear message by the parser.
    """
    if path == "-":
        for line in sys.stdin:
            yield line.rstrip("\r\n")
        return
    try:
        with Path(path).open(encoding="utf-8", errors="replace") as handle:
            for line in handle:
                yield line.rstrip("\r\n")
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def check_readable(paths: Sequence[str]) -> None:
    """Fail before any output when an input file cannot be opened (``-`` is stdin)."""
    for path in paths:
        if path == "-":
            continue
        try:
            with Path(path).open("rb"):
                pass
        except OSError as exc:
            raise DataFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def target_texts(positional: Sequence[str], files: Sequence[str]) -> Iterable[str]:
    """Targets from the command line followed by those in ``--file`` arguments."""
    yield from positional
    for path in files:
        yield from read_lines(path)


def read_words(path: str) -> list[str]:
    """Combosquat words, one a line (``#`` comments allowed), each a valid LDH label."""
    words: list[str] = []
    for number, raw in enumerate(read_lines(path), start=1):
        word = raw.strip().lower()
        if not word or word.startswith("#"):
            continue
        if label_problem(word):
            raise DataFileError(
                f"{path}:{number}: {raw.strip()!r} is not a host-name word "
                "(letters, digits, inner hyphens; at most 63 characters)"
            )
        words.append(word)
    return words


def parse_params(items: Sequence[str]) -> dict[str, str]:
    """``--param name=value`` items into a mapping; a malformed item raises an error."""
    out: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        if not eq or not name.strip():
            raise TyporiskError(f"--param {item!r}: expected NAME=VALUE, e.g. error_rate=0.02")
        out[name.strip()] = value.strip()
    return out


def split_csv(values: Sequence[str] | None) -> list[str] | None:
    """``--kinds a,b --kinds c`` into ``["a", "b", "c"]``; ``None`` when the flag was absent."""
    if values is None:
        return None
    return [part for value in values for part in value.split(",") if part.strip()]


def valid_targets(texts: Iterable[str], rejected: list[InvalidTargetError]) -> Iterator[Target]:
    """Parsed targets; each invalid one is reported on stderr, appended to ``rejected`` and
    skipped, so a batch goes on past bad lines."""
    for item in iter_targets(texts):
        if isinstance(item, InvalidTargetError):
            rejected.append(item)
            print(f"typorisk: skipped: {item}", file=sys.stderr)
        else:
            yield item


def read_json_lines(
    paths: Sequence[str], required: Sequence[str] = ()
) -> Iterator[dict[str, object]]:
    """JSON objects, one a line, streamed from files (``-``: stdin); blank lines skipped.
    A bad line, or an object without one of the ``required`` keys, raises
    :class:`TyporiskError` naming the file and line."""
    for path in paths:
        for number, line in enumerate(read_lines(path), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise TyporiskError(f"{path}:{number}: not a JSON object ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise TyporiskError(f"{path}:{number}: expected a JSON object per line")
            missing = [key for key in required if key not in row]
            if missing:
                raise TyporiskError(f"{path}:{number}: the row has no {', '.join(missing)}")
            yield row


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """``TARGET...`` and ``--file PATH`` (shared by ``permute`` and ``scan``)."""
    parser.add_argument(
        "targets",
        nargs="*",
        metavar="TARGET",
        help="domain, e-mail address or URL to protect (e.g. army.mil)",
    )
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="read targets from PATH, one a line ('-' for stdin); repeatable",
    )


def target_texts_of(args: argparse.Namespace) -> Iterable[str]:
    """The targets of :func:`add_target_arguments`; an error when none is given, or when a
    ``--file`` cannot be read (checked before any output)."""
    if not args.targets and not args.file:
        raise TyporiskError("no targets: give TARGET arguments or --file PATH (see --help)")
    check_readable(args.file)
    return target_texts(args.targets, args.file)
