"""Helpers shared by command modules: reading target lists, words and model parameters."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from typorisk.errors import DataFileError, InvalidTargetError, TyporiskError
from typorisk.kit.outbound import AddressPolicy
from typorisk.kit.reading import GZIP_MAGIC, Limits, LineReader, loads_bounded, long_line
from typorisk.model import Target
from typorisk.parse.names import label_problem
from typorisk.parse.targets import iter_targets

LIST_LIMITS = Limits()
"""Caps of every list read here (targets, names, words, JSON lines): lines of at most 64 KiB,
files of at most 2 GiB, plain text only (see :mod:`typorisk.kit.reading`)."""


def numbered_lines(path: str, limits: Limits = LIST_LIMITS) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` for each non-empty line of ``path`` (``-``: standard input),
    streamed, without line endings; numbers are the file's (from 1).

    Raises :class:`DataFileError` naming ``file:line`` for a line that is not text (a NUL
    byte, or bytes that are not UTF-8: a binary file fails on its first such line, in one
    message), for a line over ``limits.line_bytes``, and naming ``file`` for a file over
    ``limits.file_bytes`` (counted while reading: ``/dev/zero`` fails at once).
    """
    with LineReader(path, limits) as reader:
        for number, raw in reader.numbered():
            if b"\0" in raw:
                raise not_text(path, number, "a NUL byte: a binary file?")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise not_text(path, number, f"byte {exc.start + 1} is not UTF-8") from None
            yield number, text.rstrip("\r")


def not_text(path: str, number: int, why: str) -> DataFileError:
    """The error for line ``number`` of ``path`` that is not text."""
    where = "standard input" if path == "-" else path
    return DataFileError(f"{where}:{number}: not text ({why}); give a text file, one item a line")


def read_lines(path: str) -> Iterator[str]:
    """The non-empty lines of ``path`` (``-``: standard input), as :func:`numbered_lines`
    (same caps and errors) without the numbers. Empty lines are skipped (every caller skipped
    them), so a flood of newlines costs nothing per line."""
    for _, line in numbered_lines(path):
        yield line


def check_readable(paths: Sequence[str], limits: Limits = LIST_LIMITS) -> None:
    """Fail before any output when an input file cannot be opened (``-`` is stdin), or when
    its first line is over ``limits.line_bytes`` (``/dev/zero``), or when its first bytes are
    not text (a NUL byte, not UTF-8: a binary file, ``file:line: not text``); only regular
    files and non-terminal character devices are probed, a pipe is never read here."""
    for path in paths:
        if path == "-":
            continue
        try:
            with Path(path).open("rb") as handle:
                mode = os.fstat(handle.fileno()).st_mode
                probe = stat.S_ISREG(mode) or (stat.S_ISCHR(mode) and not handle.isatty())
                head = handle.read(limits.line_bytes + 1) if probe else b""
        except OSError as exc:
            raise DataFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if len(head) > limits.line_bytes and b"\n" not in head:
            raise long_line(path, 1, limits.line_bytes)
        if not head.startswith(GZIP_MAGIC):  # gzip input is checked once decompressed
            _check_text(path, head)


def _check_text(path: str, head: bytes) -> None:
    """Raise the ``file:line: not text`` error of :func:`numbered_lines` for the first bytes
    of a file, before any output (a binary file fails here, not after its first lines)."""
    bad = head.find(b"\0")
    why = "a NUL byte: a binary file?"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        cut = exc.start >= len(head) - 3  # a character cut by the end of the probe is fine
        if not cut and (bad < 0 or exc.start < bad):
            bad, why = exc.start, "not UTF-8"
    if bad >= 0:
        raise not_text(path, head.count(b"\n", 0, bad) + 1, why)


_COMMENT = re.compile(r"(?:^|\s)#.*")
"""A ``#`` comment in a target file: at the start of a line or after white space (a ``#``
inside a URL, ``https://corp.com/#top``, is not one)."""


def target_lines(path: str) -> Iterator[str]:
    """The targets in a target file: one a line, blank lines and ``#`` comments (whole lines
    or after a target: ``army.mil  # our mail``) skipped. Errors as :func:`numbered_lines`."""
    for _, line in numbered_lines(path):
        target = _COMMENT.sub("", line).strip()
        if target:
            yield target


def target_texts(positional: Sequence[str], files: Sequence[str]) -> Iterable[str]:
    """Targets from the command line followed by those in ``--file`` arguments."""
    yield from positional
    for path in files:
        yield from target_lines(path)


def nonempty_targets(texts: Iterable[str], files: Sequence[str]) -> Iterator[str]:
    """``texts``, once the first target is read; raises :class:`TyporiskError` (exit 2)
    before yielding anything when there is none (an empty file, only comments)."""
    iterator = iter(texts)
    first = next(iterator, None)
    if first is None:
        named = ", ".join("standard input" if f == "-" else f for f in files)
        raise TyporiskError(
            f"no targets: {named} has none (only blank lines and comments); give one domain a line"
        )
    yield first
    yield from iterator


def read_words(path: str) -> list[str]:
    """Combosquat words, one a line (``#`` comments allowed), each a valid LDH label."""
    words: list[str] = []
    for number, raw in numbered_lines(path):
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
    paths: Sequence[str],
    required: Sequence[str] = (),
    check: Callable[[dict[str, object]], str | None] | None = None,
) -> Iterator[dict[str, object]]:
    """JSON objects, one a line, streamed from files (``-``: stdin); blank lines skipped.

    Lines are capped as in :func:`numbered_lines` and nest at most
    :data:`~typorisk.kit.reading.MAX_JSON_DEPTH` levels (checked without recursion). A bad or
    too deep line, an object without one of the ``required`` keys, or one for which ``check``
    returns a problem (e.g. ``likelihood: expected a number, got 'high'``) raises
    :class:`TyporiskError` naming the file and line."""
    for path in paths:
        for number, line in numbered_lines(path):
            if not line.strip():
                continue
            try:
                row = loads_bounded(line)
            except json.JSONDecodeError as exc:
                raise TyporiskError(f"{path}:{number}: not a JSON object ({exc.msg})") from exc
            except ValueError as exc:
                raise TyporiskError(
                    f"{path}:{number}: JSON {exc}; give scan rows ('typorisk scan --format jsonl')"
                ) from exc
            if not isinstance(row, dict):
                raise TyporiskError(f"{path}:{number}: expected a JSON object per line")
            missing = [key for key in required if key not in row]
            if missing:
                raise TyporiskError(f"{path}:{number}: the row has no {', '.join(missing)}")
            problem = check(row) if check is not None else None
            if problem:
                raise TyporiskError(f"{path}:{number}: {problem}")
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
        help="read targets from PATH, one a line ('#' comments, '-' for stdin); repeatable",
    )


HIT_FORMATS = ("table", "csv", "jsonl", "yaml")
"""The output formats of the look-alike hit lists (``match``, ``watch``)."""


def add_hit_format_argument(parser: argparse.ArgumentParser) -> None:
    """``--format`` of a command that prints look-alike hits (:data:`HIT_FORMATS`)."""
    parser.add_argument(
        "--format",
        choices=list(HIT_FORMATS),
        help="output format (default: table on a terminal, jsonl otherwise)",
    )


def target_texts_of(args: argparse.Namespace) -> Iterable[str]:
    """The targets of :func:`add_target_arguments`; an error when none is given, or when a
    ``--file`` cannot be read (checked before any output)."""
    if not args.targets and not args.file:
        raise TyporiskError("no targets: give TARGET arguments or --file PATH (see --help)")
    check_readable(args.file)
    texts = nonempty_targets(target_texts(args.targets, args.file), args.file)
    first = next(texts)  # read now: an empty file is an error before any output
    return itertools.chain((first,), texts)


def listen_address(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) as ``(host, port)``; an empty host is
    127.0.0.1. Raises :class:`TyporiskError` saying what to give."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise TyporiskError(f"--listen {text!r}: give HOST:PORT, e.g. 127.0.0.1:10040")
    return host.strip("[]") or "127.0.0.1", int(port)


def add_network_argument(parser: argparse.ArgumentParser, reaching: str) -> None:
    """``--allow-private-network CIDR`` (repeatable) for a command whose connections are
    ``reaching`` (e.g. "the CT connections"); :func:`address_policy` reads it."""
    parser.add_argument(
        "--allow-private-network",
        action="append",
        default=[],
        metavar="CIDR",
        help=f"open a non-public network to {reaching}, CIDR (repeatable; off: loopback, "
        "RFC 1918, link-local, metadata and other non-public addresses are refused)",
    )


def address_policy(networks: Sequence[str]) -> AddressPolicy:
    """The outbound policy opening ``networks`` (``--allow-private-network`` values); a text
    that is not a network is a :class:`TyporiskError` naming the flag."""
    try:
        return AddressPolicy.of(networks)
    except ValueError as exc:
        raise TyporiskError(f"--allow-private-network: {exc}") from None
