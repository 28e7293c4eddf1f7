"""Reading logs: plain or gzip (by content, not by name), standard input, rotated sets.

Every log is read through :class:`~typorisk.kit.reading.LineReader` with :data:`LOG_LIMITS`:
a line over 64 KiB is skipped and counted (one damaged line must not cost the rest of a log),
a gzip log decompresses to at most 64 GiB and 200 times its size, and a truncated, damaged or
trailing-junk gzip ends with one :class:`~typorisk.kit.reading.BadGzipError` line after the
lines before the damage were matched. Empty lines are not delivered (nor counted as lines).

Rotated sets are read oldest first, so "first seen" and "last seen" follow time:
``maillog.3.gz, maillog.2.gz, maillog.1, maillog`` (numbered: higher is older) and
``maillog-20240101.gz, maillog-20240108, maillog`` (dated: earlier is older).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType

from typorisk.errors import BadGzipError
from typorisk.kit.reading import Limits, LineReader

_ROTATED = re.compile(r"(?P<base>.+?)(?:\.(?P<num>\d{1,4})|-(?P<date>\d{8,10}))?(?P<gz>\.gz)?\Z")
LOG_LIMITS = Limits(file_bytes=None, gzip=True)
"""Caps of a log: 64 KiB lines (longer ones skipped), no size cap on plain logs (they are
streamed), gzip at most 64 GiB decompressed and 200 times its compressed size."""
OVERLONG = "\x00@ over-long line skipped by the reader"
"""Stands for a skipped over-long line, so that the scan counts it among garbage lines."""
READ_ERRORS = (OSError, EOFError, zlib.error, UnicodeDecodeError)
"""What reading a damaged or vanished log can raise (gzip.BadGzipFile is an OSError)."""


def rotation_key(path: str) -> tuple[str, int, int, str]:
    """Sort key putting a rotated set oldest first; different logs stay grouped by base name."""
    match = _ROTATED.match(path)
    if match is None:  # pragma: no cover - the pattern matches every non-empty string
        return (path, 2, 0, "")
    if match["num"] is not None:
        return (match["base"], 0, -int(match["num"]), "")
    if match["date"] is not None:
        return (match["base"], 1, 0, match["date"])
    return (match["base"], 2, 0, "")


def rotation_order(paths: Sequence[str]) -> list[str]:
    """``paths`` with every rotated set oldest first (``-`` stays where it was given, first)."""
    stdin = [p for p in paths if p == "-"]
    files = sorted(dict.fromkeys(p for p in paths if p != "-"), key=rotation_key)
    return stdin + files


def expand_rotated(path: str) -> list[str]:
    """``path`` and its rotated siblings (``path.1``, ``path.2.gz``, ``path-20240101.gz``)."""
    if path == "-":
        return [path]
    base = Path(path)
    pattern = re.compile(re.escape(base.name) + r"(?:\.\d{1,4}|-\d{8,10})(?:\.gz)?\Z")
    siblings = [str(p) for p in base.parent.glob(base.name + "*") if pattern.match(p.name)]
    return [path, *siblings] if base.exists() else siblings


class LogReader:
    """The text lines of one log (a context manager and an iterable of ``str``), bounded by
    :data:`LOG_LIMITS`. Undecodable bytes become U+FFFD (so binary garbage is seen and
    skipped, not fatal); each skipped over-long line is delivered as :data:`OVERLONG` and
    counted in :attr:`skipped`. Damaged gzip raises ``OSError('truncated gzip ... after line
    N')`` (one of :data:`READ_ERRORS`) once the lines before the damage were delivered."""

    def __init__(self, path: str, limits: Limits = LOG_LIMITS) -> None:
        self.path = path
        self._reader = LineReader(path, limits, long_lines="skip")

    @property
    def lines(self) -> int:
        """Lines read so far (empty lines included)."""
        return self._reader.lines

    @property
    def skipped(self) -> int:
        """Over-long lines skipped so far."""
        return self._reader.skipped

    def __iter__(self) -> Iterator[str]:
        reader = self._reader
        reported = 0
        try:
            for _, parts in reader.batches():
                for part in parts:
                    if part:
                        yield part.decode("utf-8", "replace")
                if reader.skipped > reported:  # skipped lines are empty entries: report them
                    yield from [OVERLONG] * (reader.skipped - reported)
                    reported = reader.skipped
        except BadGzipError as exc:  # one of READ_ERRORS: the scan keeps the lines before
            raise OSError(f"{exc.reason} after line {exc.lines:,}") from exc
        yield from [OVERLONG] * (reader.skipped - reported)

    def close(self) -> None:
        """Close the file (standard input stays open)."""
        self._reader.close()

    def __enter__(self) -> LogReader:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def open_log(path: str) -> LogReader:
    """Open a log for reading text lines: ``-`` is standard input; gzip is detected by its
    magic bytes; see :class:`LogReader` for the caps.

    Raises :class:`~typorisk.errors.DataFileError` with the reason when the file cannot be
    opened; iterating raises ``OSError`` for damaged gzip, after the lines before the damage.
    """
    return LogReader(path)


def check_logs(paths: Sequence[str]) -> None:
    """Fail before any output when a log cannot be opened: one clear line naming it."""
    for path in paths:
        if path != "-":
            open_log(path).close()
