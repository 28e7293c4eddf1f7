"""Bounded reading of input files: every reader of user data goes through here.

Nothing a user (or a broken cron job) hands typorisk can make it read without limit:

* a line is at most :data:`MAX_LINE_BYTES` bytes; a longer one is an error naming
  ``file:line`` (lists of names, JSON lines) or is skipped and counted (log and zone scans,
  where one damaged line must not lose the rest); a skipping reader gives up on a line over
  :data:`MAX_SKIP_BYTES` (the file is not text);
* a file is at most ``max_bytes`` bytes, counted *while* reading (``/dev/zero`` stops after
  the cap, it is never read whole);
* gzip input (recognised by its magic bytes, not its name) decompresses to at most
  :data:`MAX_GZIP_BYTES` bytes and at most :data:`MAX_GZIP_RATIO` times the compressed bytes
  read (a 2 MB gzip of newlines is refused after its first MiB of output); a truncated stream,
  junk after the stream or a damaged one is one :class:`BadGzipError` raised *after* every
  complete line before the damage was yielded;
* a JSON line nests at most :data:`MAX_JSON_DEPTH` arrays/objects, checked by scanning brackets
  before parsing (no recursion), so a deep line is an error and never a ``RecursionError``.

Empty lines are skipped in bulk (they cost no Python work per line), but still counted, so line
numbers stay those of the file. Line endings are removed (``\\n``; a ``\\r`` before it is left for
the caller, which strips it with the rest of the white space).

Errors (both :class:`~typorisk.errors.DataFileError`, so a command's one-line handler prints
them)::

    DataFileError
    ├── InputLimitError   a line, a file or a JSON line over its cap (path, line, limit)
    └── BadGzipError      gzip input that is truncated, damaged, followed by junk or a bomb
"""

from __future__ import annotations

import json
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, TextIO

from typorisk.errors import BadGzipError, DataFileError, InputLimitError

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

MAX_LINE_BYTES = 64 * KiB
"""Longest line accepted, in bytes (without its line ending)."""
MAX_SKIP_BYTES = 16 * MiB
"""Longest line a skipping reader skips before it gives up on the file (``/dev/zero`` as a log
is one endless line), in bytes."""
MAX_LIST_BYTES = 2 * GiB
"""Default cap on a plain list file (targets, names, words, JSON lines), in bytes."""
MAX_GZIP_BYTES = 64 * GiB
"""Largest decompressed size of one gzip input, in bytes (the .com zone is about 25 GiB)."""
MAX_GZIP_RATIO = 200
"""Largest decompressed/compressed ratio accepted: logs and zone files compress 5-20 times;
deflate's limit is about 1032, which is what floods of one repeated byte reach."""
RATIO_FLOOR = 1 * MiB
"""The ratio is only judged once this many bytes (decompressed) were produced."""
MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects accepted in one JSON line (scan rows nest 2 deep)."""
CHUNK = 256 * KiB
"""Bytes read (or decompressed) per step."""
GZIP_MAGIC = b"\x1f\x8b"

LongLines = Literal["error", "skip"]


class Readable(Protocol):
    """What the readers need of an open file: ``read(size)`` and ``close()``."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Limits:
    """The caps of one reader (all in bytes except ``gzip_ratio``; ``None``: no cap)."""

    line_bytes: int = MAX_LINE_BYTES
    """Longest line, in bytes, without its line ending."""
    skip_bytes: int = MAX_SKIP_BYTES
    """Longest line skipped (``long_lines="skip"``) before the file is refused, in bytes."""
    file_bytes: int | None = MAX_LIST_BYTES
    """Largest plain file (or decompressed gzip when ``gzip_bytes`` is larger), in bytes."""
    gzip: bool = False
    """Decompress input starting with the gzip magic bytes."""
    gzip_bytes: int = MAX_GZIP_BYTES
    """Largest decompressed size, in bytes."""
    gzip_ratio: float = MAX_GZIP_RATIO
    """Largest decompressed/compressed ratio (judged after :data:`RATIO_FLOOR` bytes)."""


def open_binary(path: str) -> Readable:
    """``path`` opened for reading bytes (``-``: standard input, whatever its type).

    Raises :class:`DataFileError` ``cannot read PATH: reason`` when it cannot be opened, or
    when it is a directory."""
    if path == "-":
        buffer = getattr(sys.stdin, "buffer", None)
        if buffer is not None:
            return buffer  # type: ignore[no-any-return]
        return _EncodedText(sys.stdin)  # a text stream (tests): read as UTF-8
    try:
        if Path(path).is_dir():
            raise DataFileError(f"cannot read {path}: it is a directory; give a file")
        return Path(path).open("rb")
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def read_capped(path: str, max_bytes: int) -> bytes:
    """The whole of ``path`` when it holds at most ``max_bytes`` bytes; read in chunks, so at
    most ``max_bytes + CHUNK`` bytes are ever held. Raises :class:`InputLimitError` when larger
    (``/dev/zero`` included), :class:`DataFileError` when unreadable."""
    parts: list[bytes] = []
    size = 0
    handle = open_binary(path)
    try:
        while block := _read(handle, path, CHUNK):
            parts.append(block)
            size += len(block)
            if size > max_bytes:
                raise InputLimitError(
                    path, 0, max_bytes, f"file is over {max_bytes:,} bytes; give a smaller file"
                )
    finally:
        if path != "-":
            handle.close()
    return b"".join(parts)


class LineReader:
    """The lines of one file under :class:`Limits`, as bytes without ``\\n``.

    Iterate :meth:`numbered` (non-empty lines with their 1-based numbers) or :meth:`__iter__`
    (non-empty lines). Counters, valid while and after iterating: :attr:`lines` (lines read,
    empty ones included) and :attr:`skipped` (over-long lines skipped, ``long_lines="skip"``).
    Close it (or use ``with``); standard input is never closed.
    """

    def __init__(self, path: str, limits: Limits = Limits(), long_lines: LongLines = "error"):
        self.path = path
        self.limits = limits
        self.long_lines = long_lines
        self.lines = 0
        self.skipped = 0
        self._handle = open_binary(path)

    def __enter__(self) -> LineReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (not standard input)."""
        if self.path != "-":
            self._handle.close()

    def __iter__(self) -> Iterator[bytes]:
        for _, parts in self.batches():
            yield from filter(None, parts)

    def numbered(self) -> Iterator[tuple[int, bytes]]:
        """``(line number, line)`` for every non-empty line."""
        for first, parts in self.batches():
            for offset, part in enumerate(parts):
                if part:
                    yield first + offset, part

    def batches(self) -> Iterator[tuple[int, list[bytes]]]:
        """``(number of the first line, lines)`` per chunk read; empty entries are empty lines
        or skipped over-long ones. Raises :class:`InputLimitError` for an over-long line
        (``long_lines="error"``) and re-raises :class:`BadGzipError` with the line count."""
        cap = self.limits.line_bytes
        pending = b""
        skipping = False  # inside an over-long line whose end is not read yet
        run = 0  # bytes of that line
        try:
            for chunk in _chunks(self._handle, self.path, self.limits):
                data = pending + chunk if pending else chunk
                if skipping:
                    end = chunk.find(b"\n")
                    if end < 0:
                        run += len(chunk)
                        if run > self.limits.skip_bytes:
                            raise InputLimitError(
                                self.path,
                                self.lines + 1,
                                self.limits.skip_bytes,
                                f"line is over {self.limits.skip_bytes:,} bytes; "
                                "not a text file (stopped reading it)",
                            )
                        continue
                    skipping = False
                    self.lines += 1
                    data = chunk[end + 1 :]
                last = data.rfind(b"\n")
                if last < 0:
                    pending = data
                else:
                    parts = data[:last].split(b"\n")
                    pending = data[last + 1 :]
                    if max(map(len, parts)) > cap:
                        if self.long_lines == "error":  # the lines before it are still read
                            good = next(i for i, part in enumerate(parts) if len(part) > cap)
                            yield self.lines + 1, parts[:good]
                            self.lines += good
                            parts = parts[good:]
                        self._long(parts)
                    first = self.lines + 1
                    self.lines += len(parts)
                    yield first, parts
                if len(pending) > cap:
                    self._long([pending])
                    skipping, pending, run = True, b"", len(pending)
        except BadGzipError as exc:
            raise exc.with_lines(self.lines) from exc
        if skipping:
            self.lines += 1
        elif pending:
            self.lines += 1
            yield self.lines, [pending]

    def _long(self, parts: list[bytes]) -> None:
        """Blank out (``skip``) or refuse (``error``) the over-long entries of ``parts``, whose
        first entry is line ``self.lines + 1``."""
        cap = self.limits.line_bytes
        for offset, part in enumerate(parts):
            if len(part) > cap:
                if self.long_lines == "error":
                    raise long_line(self.path, self.lines + 1 + offset, cap)
                self.skipped += 1
                parts[offset] = b""


def long_line(path: str, line: int, cap: int = MAX_LINE_BYTES) -> InputLimitError:
    """The error for line ``line`` of ``path`` being over ``cap`` bytes."""
    return InputLimitError(
        path,
        line,
        cap,
        f"line is over {cap:,} bytes; give one item a line (is this the right file?)",
    )


def _read(handle: Readable, path: str, size: int) -> bytes:
    try:
        return handle.read(size)
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _chunks(handle: Readable, path: str, limits: Limits) -> Iterator[bytes]:
    """Raw or decompressed chunks of ``handle``, within ``limits`` (see :class:`Limits`)."""
    head = _read(handle, path, CHUNK)
    while 0 < len(head) < 2:  # a pipe may deliver one byte at a time
        more = _read(handle, path, CHUNK)
        if not more:
            break
        head += more
    if limits.gzip and head.startswith(GZIP_MAGIC):
        yield from _gunzip(head, handle, path, limits)
        return
    size = 0
    block = head
    while block:
        size += len(block)
        if limits.file_bytes is not None and size > limits.file_bytes:
            raise InputLimitError(
                path, 0, limits.file_bytes, f"file is over {limits.file_bytes:,} bytes; split it"
            )
        yield block
        block = _read(handle, path, CHUNK)


def _gunzip(head: bytes, handle: Readable, path: str, limits: Limits) -> Iterator[bytes]:
    """Decompress a gzip stream (several members allowed) in bounded steps: each call of
    ``decompress`` yields at most :data:`CHUNK` bytes, so a bomb never fills memory."""
    inflate = zlib.decompressobj(wbits=31)
    tail = head  # compressed bytes not yet given to the decompressor
    read = len(head)  # compressed bytes read from the file
    produced = 0
    while True:
        if not tail:
            tail = _read(handle, path, CHUNK)
            read += len(tail)
            if not tail:
                if inflate.eof:
                    return
                raise BadGzipError(path, "truncated gzip (the stream ends early)")
        if inflate.eof:  # a member ended: another member, or junk
            while len(tail) < 2 and (more := _read(handle, path, CHUNK)):
                tail += more
                read += len(more)
            if not tail.startswith(GZIP_MAGIC):
                raise BadGzipError(path, "junk after the gzip stream")
            inflate = zlib.decompressobj(wbits=31)
        try:
            out = inflate.decompress(tail, CHUNK)
        except zlib.error as exc:
            reason = "damaged gzip (checksum mismatch)" if "check" in str(exc) else "not gzip"
            raise BadGzipError(path, f"{reason}: {exc}") from exc
        tail = inflate.unconsumed_tail or inflate.unused_data
        produced += len(out)
        _check_ratio(path, produced, read - len(tail), limits)
        if out:
            yield out


def _check_ratio(path: str, produced: int, consumed: int, limits: Limits) -> None:
    cap = min(limits.gzip_bytes, limits.file_bytes or limits.gzip_bytes)
    if produced > cap:
        raise BadGzipError(
            path, f"refused: decompresses to over {cap:,} bytes", fix="split the file"
        )
    if produced > RATIO_FLOOR and produced > limits.gzip_ratio * max(consumed, 1):
        raise BadGzipError(
            path,
            f"refused: decompresses to over {limits.gzip_ratio:g} times its size "
            "(a gzip bomb or a flood of one repeated byte)",
            fix="check what produced it",
        )


# JSON -------------------------------------------------------------------------------------

_STRINGS = re.compile(r'"[^"\\]*(?:\\[\s\S]?[^"\\]*)*"?')
"""A JSON string, its closing quote optional: the match never fails once it has started, so
the regex engine never backtracks and never rescans from a later quote (a pattern that must
find the closing quote takes quadratic time on an unterminated run of escaped quotes). An
unterminated string runs to the end of the text."""
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in a JSON text, ignoring brackets inside strings;
    iterative (never recurses), linear in ``len(text)`` whatever the text (about 0.4 µs a
    byte at worst, 40 ns a byte for JSON of long strings). Malformed input gives some depth;
    the parser then reports it."""
    brackets = _NOT_BRACKETS.sub("", _STRINGS.sub("", text))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_bounded(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> object:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with a ``ValueError``
    (the check costs two ``str.count`` calls unless the text holds many brackets).

    Raises :class:`json.JSONDecodeError` for invalid JSON and :class:`ValueError`
    ``nested deeper than N levels`` for deep JSON."""
    if text.count("[") + text.count("{") > max_depth and json_depth(text) > max_depth:
        raise ValueError(f"nested deeper than {max_depth} levels")
    try:
        return json.loads(text)
    except RecursionError as exc:  # pragma: no cover - the depth check comes first
        raise ValueError(f"nested deeper than {max_depth} levels") from exc


class _EncodedText:
    """A text stream read as UTF-8 bytes (standard input replaced by a ``StringIO``)."""

    def __init__(self, text: TextIO) -> None:
        self._text = text
        self._rest = b""

    def close(self) -> None:
        """Nothing to do: standard input stays open."""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._rest) < size:
            piece = self._text.read(CHUNK)
            if not piece:
                break
            self._rest += piece.encode("utf-8", "surrogateescape")
        if size < 0:
            size = len(self._rest)
        out, self._rest = self._rest[:size], self._rest[size:]
        return out
