"""Atomic replacement of a group of files, for the feed runner and the CLI (writers stay pure).

Each file is written to a temporary file in its own directory (so ``os.replace`` is a rename on
one file system), flushed and fsynced; only when every file of the group is complete are they
renamed into place, then the directories are fsynced. A consumer therefore never reads half a
file, and a run that fails part-way leaves every previous file as it was.

A failed write (a full disk, a file-size limit, a permission) is one :class:`TyporiskError`
naming the file and saying the old one is kept. Temporary files are named
``.NAME.typorisk-PID.XXXXXXXX.tmp``; a process killed mid-write leaves one behind, so the first
:meth:`AtomicFiles.open` in a directory removes the stale ones (:func:`clean_stale`): ours by
that pattern, owned by this user, regular files, and either of a process that is gone or older
than :data:`STALE_SECONDS`. Nothing else in the directory is touched.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import TextIO

from typorisk.errors import OutputWriteError

STALE_SECONDS = 3600.0
"""Age (seconds since the last write) after which a temporary file of a live process counts
as abandoned too (its PID may have been reused)."""
_TEMP = re.compile(r"\..+\.typorisk-(?P<pid>[0-9]{1,10})\.[A-Za-z0-9_]{1,16}\.tmp\Z", re.DOTALL)


def _temp_prefix(path: Path) -> str:
    return f".{path.name}.typorisk-{os.getpid()}."


class _Staged(io.TextIOWrapper):
    """The stream of one staged file; an ``OSError`` while writing it carries its path."""

    target: Path

    def write(self, text: str) -> int:
        try:
            return super().write(text)
        except OSError as exc:
            exc.filename = exc.filename or str(self.target)
            raise

    def flush(self) -> None:
        try:
            super().flush()
        except OSError as exc:
            exc.filename = exc.filename or str(self.target)
            raise


def write_error(exc: OSError, path: Path | str | None = None) -> OutputWriteError:
    """One line for a failed write: the file, the cause, and that the old file is kept."""
    name = path or exc.filename or "a file"
    return OutputWriteError(name, str(exc.strerror or exc))


def clean_stale(directory: Path, now: float | None = None) -> list[Path]:
    """Remove abandoned temporary files of :class:`AtomicFiles` from ``directory``; returns
    the paths removed. Only names matching ``.NAME.typorisk-PID.XXXXXXXX.tmp``, regular files
    (not links) owned by this user, whose PID is not running or that were last written more
    than :data:`STALE_SECONDS` seconds ago (never this process's own). Errors are ignored:
    cleaning is a courtesy, never a reason to fail a run."""
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        match = _TEMP.match(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            pid = int(match["pid"])
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.getuid() or pid == os.getpid():
                continue
            if _running(pid) and now - info.st_mtime < STALE_SECONDS:
                continue
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists (on this host)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    except (OverflowError, OSError):
        return False
    return True


class AtomicFiles:
    """A group of files replaced together: ``open(path)`` gives a stream to write, ``commit()``
    renames them all into place, ``abort()`` (or an exception in the ``with`` block) removes the
    temporary files and leaves the old ones."""

    def __init__(self) -> None:
        self._staged: list[tuple[Path, str, TextIO]] = []
        self._cleaned: set[Path] = set()

    def open(self, path: Path) -> TextIO:
        """A UTF-8 text stream (``\\n`` line endings) whose content replaces ``path`` on commit.

        The first call for a directory removes its stale temporary files (:func:`clean_stale`).
        Raises :class:`TyporiskError` at once when ``path`` could not be replaced (a directory
        is in the way, or the directory is not writable), before anything is renamed. A write
        to the stream that fails raises ``OSError`` whose ``filename`` is ``path``; in a
        ``with`` block it becomes one :class:`TyporiskError` (see :func:`write_error`)."""
        if path.is_dir():
            raise OutputWriteError(path, "a directory is in the way", kept="")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.parent not in self._cleaned:
                self._cleaned.add(path.parent)
                clean_stale(path.parent)
            fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path), suffix=".tmp", dir=path.parent)
        except OSError as exc:
            raise OutputWriteError(path, str(exc.strerror or exc)) from exc
        handle = _Staged(open(fd, "wb"), encoding="utf-8", newline="\n")  # noqa: SIM115
        handle.target = path
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
                raise write_error(exc, path) from exc
        done: list[Path] = []
        for path, tmp, _ in self._staged:
            try:
                os.chmod(tmp, 0o644)  # mkstemp makes 0600; consumers often run as another user
                os.replace(tmp, path)
            except OSError as exc:  # rare after the checks in open(): say what was replaced
                self.abort()
                replaced = ", ".join(map(str, done)) or "none"
                raise OutputWriteError(
                    path,
                    f"cannot replace it: {exc.strerror or exc}",
                    f"already replaced: {replaced}",
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
            return
        self.abort()
        if isinstance(exc, OSError):  # a write in the block failed (full disk, EFBIG, EACCES)
            raise write_error(exc) from exc


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically: one file through
    :class:`AtomicFiles` (temporary file in the same directory, fsync,
    rename). On any failure the previous file stays as it was and the temporary file is removed;
    the error names the path and the cause."""
    with AtomicFiles() as files:  # its errors name the path and say the old file is kept
        files.open(path).write(text)


def _fsync_dir(directory: Path) -> None:
    """Persist the renames (best effort: not every file system lets a directory be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
