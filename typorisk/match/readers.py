"""Reading logs: plain or gzip (by content, not by name), standard input, rotated sets.

Rotated sets are read oldest first, so "first seen" and "last seen" follow time:
``maillog.3.gz, maillog.2.gz, maillog.1, maillog`` (numbered: higher is older) and
``maillog-20240101.gz, maillog-20240108, maillog`` (dated: earlier is older).
"""

from __future__ import annotations

import gzip
import io
import re
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from typorisk.errors import DataFileError

_ROTATED = re.compile(r"(?P<base>.+?)(?:\.(?P<num>\d{1,4})|-(?P<date>\d{8,10}))?(?P<gz>\.gz)?\Z")
GZIP_MAGIC = b"\x1f\x8b"
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


def open_log(path: str) -> TextIO:
    """Open a log for reading text: ``-`` is standard input; gzip is detected by its magic
    bytes. Undecodable bytes become U+FFFD (so binary garbage is seen and skipped, not fatal).

    Raises :class:`DataFileError` with the reason when the file cannot be opened.
    """
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    try:
        with Path(path).open("rb") as probe:
            compressed = probe.read(2) == GZIP_MAGIC
        if compressed:
            return gzip.open(path, "rt", encoding="utf-8", errors="replace")
        return Path(path).open(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DataFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def check_logs(paths: Sequence[str]) -> None:
    """Fail before any output when a log cannot be opened: one clear line naming it."""
    for path in paths:
        if path != "-":
            open_log(path).close()
