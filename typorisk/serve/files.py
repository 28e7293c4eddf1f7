"""The files ``typorisk serve`` sends: opened inside the outputs, tagged once per version, sent
from disk.

**Inside the outputs, after symbolic links.** Each output is a :class:`Place`: the path the
definition names and the path it must resolve to, fixed at start-up (the output's directory
resolved, then the output's own name). :func:`open_checked` opens without following a final
symbolic link and without blocking (a FIFO planted among the outputs cannot hang a thread), then
requires a regular file whose path resolves, now, to the place's resolved path, and that the
file open is the one at that path (same device and inode). A directory output, or any file in
it, that is a symbolic link (to a folder elsewhere, to ``/etc``) is therefore refused, and so is
an output directory swapped for a link after start-up.

**One read per version.** A version is the file's identity (device, inode, size, modification
time in ns) taken from the open descriptor. Its strong ``ETag`` (SHA-256 of the bytes) is
computed by one thread reading a duplicate of the first requester's descriptor; every request
for the same version meanwhile awaits that one computation (:class:`Tags`), so a thousand
firewalls pulling a list that was just replaced read it from disk once (and once more each to
send it).

**Streamed.** :class:`FileBody` sends the open file with ``sendfile(2)`` (asyncio's
``loop.sendfile``; over TLS, 16 KiB pieces read in a thread), so the server's memory does not
grow with the file size or the number of clients. A client that stops reading is closed after
the send timeout (each 256 KiB piece must be taken within it, as nginx's ``send_timeout``).
The reply is the version that was tagged: the descriptor was opened before the tag was taken,
and a ``typorisk run`` replaces files by rename, so an open descriptor keeps its version whole.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import errno
import hashlib
import io
import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from aiohttp import web
from aiohttp.abc import AbstractStreamWriter

SEND_PIECE = 256 << 10
"""Bytes handed to one ``sendfile`` call; each must be taken within the send timeout."""
SEND_TIMEOUT = 60.0
"""Default seconds a client may take to accept one :data:`SEND_PIECE` (nginx
``send_timeout``); a client slower than 256 KiB a minute is closed."""
READ_CHUNK = 1 << 20
"""Bytes read per step when hashing a file."""
MAX_KNOWN = 65_536
"""Versions whose tags are remembered (the table is emptied when it would grow past this)."""
OUT_OF_FILES = frozenset({errno.EMFILE, errno.ENFILE})

log = logging.getLogger("typorisk.serve")

Identity = tuple[int, int, int, int]
"""(device, inode, size in bytes, modification time in ns) of an open file."""


class SendTimeout(ConnectionError):
    """A client took no piece of its file within the send timeout; its connection was
    closed. A :class:`ConnectionError`, so aiohttp ends the connection without a traceback."""


class OutOfFiles(Exception):
    """The process has no descriptor left to open a file (``EMFILE``/``ENFILE``)."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where one published file is: ``path`` as the definition names it, and ``real``, the
    path it must resolve to (its directory resolved at start-up, then its own name)."""

    path: Path
    real: str

    @classmethod
    def of(cls, path: Path) -> Place:
        """The place of ``path``, its directory resolved now (it need not exist yet)."""
        return cls(path, os.path.join(os.path.realpath(path.parent), path.name))

    def child(self, name: str) -> Place:
        """The place of file ``name`` (one path component) inside this directory output."""
        return Place(self.path / name, os.path.join(self.real, name))


@dataclass(frozen=True, slots=True)
class Opened:
    """A regular file open for reading, and its version."""

    handle: io.FileIO
    identity: Identity
    modified: dt.datetime
    """Modification time, whole seconds, UTC (what ``Last-Modified`` can say)."""

    @property
    def size(self) -> int:
        """Size in bytes."""
        return self.identity[2]


def open_checked(place: Place) -> Opened | None:
    """``place``'s file open for reading, or ``None`` when it is missing, not a regular file,
    a symbolic link, or not where ``place`` says once links are resolved (module docstring).
    Blocking: run it in a thread. Raises :class:`OutOfFiles` when no descriptor is left."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(place.path, flags)
    except OSError as exc:
        if exc.errno in OUT_OF_FILES:
            raise OutOfFiles(str(exc)) from exc
        return None
    handle = io.FileIO(fd, "rb", closefd=True)
    try:
        st = os.fstat(fd)
        inside = (
            stat.S_ISREG(st.st_mode)
            and os.path.realpath(place.path) == place.real
            and os.path.samestat(st, os.stat(place.real, follow_symlinks=False))
        )
    except OSError:
        inside = False
    if not inside:
        handle.close()
        return None
    return Opened(
        handle,
        (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns),
        dt.datetime.fromtimestamp(int(st.st_mtime), dt.UTC),
    )


def digest(fd: int, size: int) -> str:
    """The strong ``ETag`` of the first ``size`` bytes of ``fd`` (quoted, 40 hex digits of
    SHA-256), read with ``pread`` in :data:`READ_CHUNK` steps; closes ``fd``. Blocking."""
    sha = hashlib.sha256()
    try:
        offset = 0
        while offset < size:
            block = os.pread(fd, min(READ_CHUNK, size - offset), offset)
            if not block:
                break
            sha.update(block)
            offset += len(block)
    finally:
        os.close(fd)
    return '"' + sha.hexdigest()[:40] + '"'


class Tags:
    """The ``ETag`` of each file version, computed once per version however many requests
    ask at once (see the module docstring)."""

    def __init__(self) -> None:
        self._known: dict[Path, tuple[Identity, str]] = {}
        self._pending: dict[tuple[Path, Identity], asyncio.Future[str]] = {}
        self.digests = 0
        """Versions hashed so far (each a whole read of one file)."""

    async def etag(self, path: Path, opened: Opened) -> str:
        """The tag of ``opened`` (a version of ``path``). Raises :class:`OutOfFiles` when no
        descriptor is left to read it, :class:`OSError` when it cannot be read."""
        known = self._known.get(path)
        if known is not None and known[0] == opened.identity:
            return known[1]
        key = (path, opened.identity)
        future = self._pending.get(key)
        if future is None:
            try:
                fd = os.dup(opened.handle.fileno())
            except OSError as exc:
                if exc.errno in OUT_OF_FILES:
                    raise OutOfFiles(str(exc)) from exc
                raise
            loop = asyncio.get_running_loop()
            future = loop.run_in_executor(None, digest, fd, opened.size)
            self.digests += 1
            self._pending[key] = future
            future.add_done_callback(partial(self._done, key))
        # shielded: a requester that leaves (its client hung up) does not cancel the others'
        return await asyncio.shield(future)

    def _done(self, key: tuple[Path, Identity], future: asyncio.Future[str]) -> None:
        self._pending.pop(key, None)
        if future.cancelled() or future.exception() is not None:
            return  # the waiters got the error; the next request tries again
        if len(self._known) >= MAX_KNOWN:
            self._known.clear()
        self._known[key[0]] = (key[1], future.result())


class FileBody(web.StreamResponse):
    """A ``200`` whose body is an open file, sent from disk when the response is prepared
    (``sendfile(2)`` on plain TCP, 16 KiB pieces read in a thread over TLS) in
    :data:`SEND_PIECE` pieces, each within ``send_timeout`` seconds or the connection is
    closed (:class:`SendTimeout`); the file is closed once sent, or when sending fails."""

    def __init__(
        self, opened: Opened, *, headers: Mapping[str, str], send_timeout: float = SEND_TIMEOUT
    ) -> None:
        super().__init__(headers=headers)
        self.content_length = opened.size
        self._opened = opened
        self._send_timeout = send_timeout

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        """Send the headers and the whole file (nothing more for ``HEAD``)."""
        if self.prepared:
            return await super().prepare(request)
        handle = self._opened.handle
        try:
            writer = await super().prepare(request)
            if request.method != "HEAD":
                await self._send(request, handle)
            await super().write_eof()
            return writer
        finally:
            handle.close()

    async def _send(self, request: web.BaseRequest, handle: io.FileIO) -> None:
        loop = asyncio.get_running_loop()
        offset, size = 0, self._opened.size
        while offset < size:
            transport = request.transport
            if transport is None:
                raise ConnectionResetError("the client went away")
            count = min(SEND_PIECE, size - offset)
            try:
                async with asyncio.timeout(self._send_timeout):
                    await loop.sendfile(transport, handle, offset, count)
            except TimeoutError:
                transport.abort()
                log.info(
                    "send timeout: %s took no data for %g s; closed (%d of %d bytes sent)",
                    request.remote,
                    self._send_timeout,
                    offset,
                    size,
                )
                raise SendTimeout(f"no data taken in {self._send_timeout:g} s") from None
            offset += count
