"""The HTTP application of ``typorisk serve``: each feed's output files at
``/<feed>/<output file name>``, as firewalls pull external block lists.

URL space (everything else is 404; only GET and HEAD):

- ``/healthz``: ``ok``, never behind the token (load balancers and monitors probe it);
- ``/<feed>/<file>``: an output of the feed, by its file name (``typo-edl.txt``);
- ``/<feed>/<dir>/<file>``: a file inside a directory output (the MISP feed: ``manifest.json``,
  ``hashes.csv``, ``<uuid>.json``), as MISP pulls a feed from its base URL;
- ``/<feed>/status.json``: the feed's last run (:mod:`typorisk.feeds.status`).

**No path traversal, by construction**: a URL never becomes a file-system path. ``<feed>`` and
``<file>`` are looked up in a table built from the feed definitions at start-up; a name inside a
directory output must match :data:`SAFE_NAME` and be a regular file listed in that directory (no
symbolic links, no dot files).

**Caching the way pullers expect**: every response carries a strong ``ETag`` (SHA-256 of the
bytes, so an unchanged list keeps its tag across runs) and ``Last-Modified``; ``If-None-Match``
(or, without it, ``If-Modified-Since``) answers ``304 Not Modified``. ``Cache-Control: no-cache``
tells proxies to revalidate.

**Atomic pickup**: ``typorisk run`` replaces files by rename. A request opens the file once,
takes its identity (inode, size, mtime) from the open descriptor and reads from it, so a reply is
always one whole version of the file, old or new, never a mix. The bytes of each file are
cached per identity, so a thousand firewalls polling one list read the disk once per run.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import hmac
import os
import re
import stat
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from typorisk.errors import ServeConfigError
from typorisk.feeds.spec import FeedSpec
from typorisk.feeds.status import status_path
from typorisk.writers.formats import FORMATS

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
"""A file name inside a directory output that may be served (no '/', no leading dot)."""
STATUS_NAME = "status.json"
TEXT = "text/plain; charset=utf-8"
MEDIA_TYPES: Mapping[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "m365-csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "json": "application/json",
    "yaml": "application/yaml",  # RFC 9512
    "rpz": "text/dns",  # RFC 4027: master file format
    "stix": "application/stix+json;version=2.1",
    "misp": "application/json",
}
"""``Content-Type`` per output format; every other format (block lists, maps, rules) is plain
UTF-8 text, which is what EDL and threat-feed pullers expect."""
MAX_FILE_BYTES = 256 << 20
"""Largest file served (256 MiB): feeds are lists, not archives; a bigger one is a 404 with a
reason in the log rather than a memory spike."""


def media_type(fmt: str, name: str) -> str:
    """The ``Content-Type`` of an output of format ``fmt`` (a file ``name`` inside a MISP
    directory is typed by its extension)."""
    if fmt == "misp":
        return "text/csv; charset=utf-8" if name.endswith(".csv") else "application/json"
    return MEDIA_TYPES.get(fmt, TEXT)


@dataclass(frozen=True, slots=True)
class FeedFiles:
    """What one feed publishes: its output files by name, its directory outputs by name, and
    its status file."""

    name: str
    files: Mapping[str, tuple[Path, str]]
    """URL file name → (path, format)."""
    directories: Mapping[str, tuple[Path, str]]
    """URL directory name → (path, format)."""
    status: Path

    @classmethod
    def of(cls, spec: FeedSpec) -> FeedFiles:
        """The files of ``spec``; raises :class:`ServeConfigError` when two outputs would be
        published under one name (the URL could not tell them apart)."""
        files: dict[str, tuple[Path, str]] = {}
        directories: dict[str, tuple[Path, str]] = {}
        for output in spec.outputs:
            name = output.path.name
            if name in files or name in directories or name == STATUS_NAME:
                raise ServeConfigError(
                    f"feed {spec.name}: two outputs would be published as /{spec.name}/{name} "
                    f"(line {output.line}); give each output its own file name "
                    f"(and none the name {STATUS_NAME})"
                )
            table = directories if FORMATS[output.format].directory else files
            table[name] = (output.path, output.format)
        return cls(spec.name, files, directories, status_path(spec))


@dataclass(frozen=True, slots=True)
class ServeConfig:
    """What ``serve`` publishes and who may read it."""

    feeds: Mapping[str, FeedFiles]
    token: str | None = None
    """Bearer token every request but ``/healthz`` must present; ``None``: open."""

    @classmethod
    def of(cls, specs: Iterable[FeedSpec], token: str | None = None) -> ServeConfig:
        """The configuration for ``specs``; raises :class:`ServeConfigError` for two feeds of
        one name."""
        feeds: dict[str, FeedFiles] = {}
        for spec in specs:
            if spec.name in feeds:
                raise ServeConfigError(
                    f"two definitions are both feed {spec.name!r} "
                    f"({feeds[spec.name].status.parent} and {spec.source}); rename one"
                )
            feeds[spec.name] = FeedFiles.of(spec)
        return cls(feeds, token)


@dataclass(frozen=True, slots=True)
class _Version:
    """One version of one file: its identity, its bytes and their tag."""

    identity: tuple[int, int, int, int]
    """(device, inode, size, mtime in ns) of the open file."""
    body: bytes
    etag: str
    modified: dt.datetime


@dataclass(slots=True)
class _Cache:
    """The last version read of each path."""

    versions: dict[Path, _Version] = field(default_factory=dict)

    def read(self, path: Path) -> _Version | None:
        """The current version of ``path`` (``None``: missing, not a regular file, too big).
        Blocking: run it in a thread."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            st = os.fstat(handle.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
                return None
            identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
            cached = self.versions.get(path)
            if cached is not None and cached.identity == identity:
                return cached
            body = handle.read(MAX_FILE_BYTES + 1)
        if len(body) > MAX_FILE_BYTES:
            return None
        version = _Version(
            identity,
            body,
            '"' + hashlib.sha256(body).hexdigest()[:40] + '"',
            dt.datetime.fromtimestamp(int(st.st_mtime), dt.UTC),
        )
        self.versions[path] = version
        return version


def _not_modified(request: web.Request, version: _Version) -> bool:
    """Whether the client's cached copy is ``version`` (RFC 9110 §13.1: ``If-None-Match``
    wins over ``If-Modified-Since``)."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or version.etag in tags
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return version.modified <= when


def _not_found(reason: str = "not found") -> web.Response:
    return web.Response(status=404, text=reason + "\n", content_type="text/plain")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_app(config: ServeConfig) -> web.Application:
    """The aiohttp application that publishes ``config``'s feeds."""
    cache = _Cache()

    @web.middleware
    async def authorise(request: web.Request, handler: Handler) -> web.StreamResponse:
        if config.token is None or request.path == "/healthz":
            return await handler(request)
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), config.token.encode()
        ):
            return await handler(request)
        return web.Response(
            status=401,
            text="a bearer token is required (Authorization: Bearer <token>)\n",
            content_type="text/plain",
            headers={"WWW-Authenticate": 'Bearer realm="typorisk"'},
        )

    async def respond(request: web.Request, path: Path, content_type: str) -> web.StreamResponse:
        version = await asyncio.to_thread(cache.read, path)
        if version is None:
            return _not_found("not found (this feed has not written that file yet)")
        headers = {
            "ETag": version.etag,
            "Last-Modified": email.utils.format_datetime(version.modified, usegmt=True),
            "Cache-Control": "no-cache",
        }
        if _not_modified(request, version):
            return web.Response(status=304, headers=headers)
        response = web.Response(body=version.body, headers=headers)
        response.headers["Content-Type"] = content_type
        return response

    async def healthz(request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok\n", content_type="text/plain")

    async def feed_file(request: web.Request) -> web.StreamResponse:
        feed = config.feeds.get(request.match_info["feed"])
        if feed is None:
            return _not_found()
        name = request.match_info["name"]
        if name == STATUS_NAME:
            return await respond(request, feed.status, "application/json")
        found = feed.files.get(name)
        if found is None:
            return _not_found()
        return await respond(request, found[0], media_type(found[1], name))

    async def directory_file(request: web.Request) -> web.StreamResponse:
        feed = config.feeds.get(request.match_info["feed"])
        found = feed.directories.get(request.match_info["dir"]) if feed else None
        name = request.match_info["name"]
        if found is None or not SAFE_NAME.fullmatch(name):
            return _not_found()
        directory, fmt = found
        try:
            listed = name in os.listdir(directory)
        except OSError:
            listed = False
        if not listed:
            return _not_found()
        return await respond(request, directory / name, media_type(fmt, name))

    app = web.Application(middlewares=[authorise])
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/{feed}/{name}", feed_file)
    app.router.add_get("/{feed}/{dir}/{name}", directory_file)
    return app
