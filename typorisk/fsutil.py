"""Atomic file replacement: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from typorisk.errors import TyporiskError


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same directory, fsync,
    then ``os.replace``. On any failure the previous file stays as it was and the temporary file
    is removed; the error names the path and the cause."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise TyporiskError(
            f"cannot write {path}: {exc.strerror or exc}; the old file is kept"
        ) from exc


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/typorisk``, or ``~/.cache/typorisk`` (not created here). Refreshed
    snapshots (``typorisk update-data``) and caches live there."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "typorisk"
