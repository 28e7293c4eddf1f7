"""Atomic replacement of a group of files, for the feed runner and the CLI (writers stay pure).

Each file is written to a temporary file in its own directory (so ``os.replace`` is a rename on
one file system), flushed and fsynced; only when every file of the group is complete are they
renamed into place, then the directories are fsynced. A consumer therefore never reads half a
file, and a run that fails part-way leaves every previous file as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TextIO

from typorisk.errors import TyporiskError


class AtomicFiles:
    """A group of files replaced together: ``open(path)`` gives a stream to write, ``commit()``
    renames them all into place, ``abort()`` (or an exception in the ``with`` block) removes the
    temporary files and leaves the old ones."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, str, TextIO]] = []

    def open(self, path: Path) -> TextIO:
        """A UTF-8 text stream (``\\n`` line endings) whose content replaces ``path`` on commit.

        Raises :class:`TyporiskError` at once when ``path`` could not be replaced (a directory
        is in the way, or the directory is not writable), before anything is renamed."""
        if path.is_dir():
            raise TyporiskError(f"cannot write {path}: a directory is in the way")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise TyporiskError(f"cannot write {path}: {exc.strerror or exc}") from exc
        handle = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        self._staged.append((path, tmp, handle))
        return handle

    def commit(self) -> list[Path]:
        """Flush, fsync and rename every staged file; returns the paths written."""
        for path, _, handle in self._staged:
            try:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
            except OSError as exc:
                self.abort()
                raise TyporiskError(f"cannot write {path}: {exc.strerror or exc}") from exc
        done: list[Path] = []
        for path, tmp, _ in self._staged:
            try:
                os.chmod(tmp, 0o644)  # mkstemp makes 0600; consumers often run as another user
                os.replace(tmp, path)
            except OSError as exc:  # rare after the checks in open(): say what was replaced
                self.abort()
                replaced = ", ".join(map(str, done)) or "none"
                raise TyporiskError(
                    f"cannot replace {path}: {exc.strerror or exc}; already replaced: {replaced}"
                ) from exc
            done.append(path)
        for directory in {p.parent for p in done}:
            _fsync_dir(directory)
        self._staged.clear()
        return done

    def abort(self) -> None:
        """Remove every staged temporary file; the files they would replace are untouched."""
        for _, tmp, handle in self._staged:
            with contextlib.suppress(OSError):
                handle.close()
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._staged.clear()

    def __enter__(self) -> AtomicFiles:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: one file through
    :class:`AtomicFiles` (temporary file in the same directory, fsync,
    rename). On any failure the previous file stays as it was and the temporary file is removed;
    the error names the path and the cause."""
    try:
        with AtomicFiles() as files:
            files.open(path).write(text)
    except OSError as exc:  # from write(): AtomicFiles has already removed the temporary file
        raise TyporiskError(
            f"cannot write {path}: {exc.strerror or exc}; the old file is kept"
        ) from exc
    except TyporiskError as exc:  # from open() or commit(), which name the path and the cause
        raise TyporiskError(f"{exc}; the old file is kept") from exc


def _fsync_dir(directory: Path) -> None:
    """Persist the renames (best effort: not every file system lets a directory be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
