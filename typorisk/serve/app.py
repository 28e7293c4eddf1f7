"""The HTTP application of ``typorisk serve``: each feed's output files at
``/<feed>/<output file name>``, as firewalls pull external block lists.

URL space (everything else is 404; only GET and HEAD):

- ``/healthz``: ``ok``, never behind the token (load balancers and monitors probe it);
- ``/<feed>/<file>``: an output of the feed, by its file name (``typo-edl.txt``);
- ``/<feed>/<dir>/<file>``: a file inside a directory output (the MISP feed: ``manifest.json``,
  ``hashes.csv``, ``<uuid>.json``), as MISP pulls a feed from its base URL;
- ``/<feed>/status.json``: the feed's last run as :func:`~typorisk.feeds.status.public_status`
  shows it (names relative to the feed, counts, verdict; no paths, no addresses).

**No path traversal, by construction**: a URL never becomes a file-system path. ``<feed>`` and
``<file>`` are looked up in a table built from the feed definitions at start-up; a name inside a
directory output must match :data:`SAFE_NAME`. Every file is then opened only where its output
resolves to, symbolic links resolved (:func:`~typorisk.serve.files.open_checked`): a directory
output that is a link to another folder serves nothing.

**Caching the way pullers expect**: every response carries a strong ``ETag`` (SHA-256 of the
bytes, so an unchanged list keeps its tag across runs) and ``Last-Modified``; ``If-None-Match``
(or, without it, ``If-Modified-Since``) answers ``304 Not Modified``. ``Cache-Control: no-cache``
tells proxies to revalidate.

**Atomic pickup, streamed**: ``typorisk run`` replaces files by rename. A request opens the file
once, takes its version (inode, size, mtime) from the open descriptor, and sends that descriptor
from disk, so a reply is always one whole version, old or new, never a mix, and memory does not
grow with the file or the number of clients (:mod:`typorisk.serve.files`: one hash per version).
A process out of file descriptors answers ``503`` with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from typorisk.errors import ServeConfigError
from typorisk.feeds.spec import FeedSpec
from typorisk.feeds.status import MAX_STATUS_BYTES, parse_status, public_status, status_path
from typorisk.serve.files import (
    SEND_TIMEOUT,
    FileBody,
    OutOfFiles,
    Place,
    Tags,
    open_checked,
)
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
TAGS = web.AppKey("typorisk.serve.tags", Tags)
"""The application's :class:`~typorisk.serve.files.Tags` (its ``digests`` count the reads)."""
RETRY_AFTER = "5"
"""Seconds a ``503`` (out of file descriptors) asks the client to wait."""


def media_type(fmt: str, name: str) -> str:
    """The ``Content-Type`` of an output of format ``fmt`` (a file ``name`` inside a MISP
    directory is typed by its extension)."""
    if fmt == "misp":
        return "text/csv; charset=utf-8" if name.endswith(".csv") else "application/json"
    return MEDIA_TYPES.get(fmt, TEXT)


@dataclass(frozen=True, slots=True)
class FeedFiles:
    """What one feed publishes: its output files by name, its directory outputs by name, and
    its status file, each a :class:`~typorisk.serve.files.Place` resolved at start-up."""

    name: str
    files: Mapping[str, tuple[Place, str]]
    """URL file name → (place, format)."""
    directories: Mapping[str, tuple[Place, str]]
    """URL directory name → (place, format)."""
    status: Place

    @classmethod
    def of(cls, spec: FeedSpec) -> FeedFiles:
        """The files of ``spec``; raises :class:`ServeConfigError` when two outputs would be
        published under one name (the URL could not tell them apart)."""
        files: dict[str, tuple[Place, str]] = {}
        directories: dict[str, tuple[Place, str]] = {}
        for output in spec.outputs:
            name = output.path.name
            if name in files or name in directories or name == STATUS_NAME:
                raise ServeConfigError(
                    f"feed {spec.name}: two outputs would be published as /{spec.name}/{name} "
                    f"(line {output.line}); give each output its own file name "
                    f"(and none the name {STATUS_NAME})"
                )
            table = directories if FORMATS[output.format].directory else files
            table[name] = (Place.of(output.path), output.format)
        return cls(spec.name, files, directories, Place.of(status_path(spec)))


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
        sources: dict[str, Path] = {}
        for spec in specs:
            if spec.name in feeds:
                raise ServeConfigError(
                    f"two definitions are both feed {spec.name!r} "
                    f"({sources[spec.name]} and {spec.source}); rename one"
                )
            feeds[spec.name] = FeedFiles.of(spec)
            sources[spec.name] = spec.source
        return cls(feeds, token)


def _not_modified(request: web.Request, etag: str, modified: dt.datetime) -> bool:
    """Whether the client's cached copy is the version tagged ``etag`` (RFC 9110 §13.1:
    ``If-None-Match`` wins over ``If-Modified-Since``)."""
    match = request.headers.get("If-None-Match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in tags or etag in tags
    since = request.headers.get("If-Modified-Since")
    if since is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return modified <= when


def _not_found(reason: str = "not found") -> web.Response:
    return web.Response(status=404, text=reason + "\n", content_type="text/plain")


def _unavailable() -> web.Response:
    return web.Response(
        status=503,
        text="the server is out of file descriptors; try again shortly\n",
        content_type="text/plain",
        headers={"Retry-After": RETRY_AFTER},
    )


def _status_document(place: Place) -> tuple[bytes, dt.datetime] | None:
    """The public form of the status file at ``place`` and its modification time (``None``:
    missing or not a status file). Blocking: run it in a thread. Raises
    :class:`OutOfFiles`."""
    opened = open_checked(place)
    if opened is None:
        return None
    with opened.handle:
        data = opened.handle.read(MAX_STATUS_BYTES + 1)
    status = parse_status(data) if len(data) <= MAX_STATUS_BYTES else None
    if status is None:
        return None
    body = json.dumps(public_status(status), indent=1, sort_keys=True) + "\n"
    return body.encode(), opened.modified


def _headers(etag: str, modified: dt.datetime) -> dict[str, str]:
    return {
        "ETag": etag,
        "Last-Modified": email.utils.format_datetime(modified, usegmt=True),
        "Cache-Control": "no-cache",
    }


async def _respond(
    request: web.Request, tags: Tags, place: Place, content_type: str, send_timeout: float
) -> web.StreamResponse:
    """``place``'s file: 200 (sent from disk), 304, 404, or 503 when out of descriptors."""
    try:
        opened = await asyncio.to_thread(open_checked, place)
    except OutOfFiles:
        return _unavailable()
    if opened is None:
        return _not_found("not found (this feed has not written that file yet)")
    try:
        etag = await tags.etag(place.path, opened)
    except OutOfFiles:
        opened.handle.close()
        return _unavailable()
    except BaseException:
        opened.handle.close()
        raise
    headers = _headers(etag, opened.modified)
    if _not_modified(request, etag, opened.modified):
        opened.handle.close()
        return web.Response(status=304, headers=headers)
    headers["Content-Type"] = content_type
    return FileBody(opened, headers=headers, send_timeout=send_timeout)


async def _status(request: web.Request, place: Place) -> web.StreamResponse:
    """The feed's status file in its public form: 200, 304, 404, or 503."""
    try:
        found = await asyncio.to_thread(_status_document, place)
    except OutOfFiles:
        return _unavailable()
    if found is None:
        return _not_found("not found (this feed has not run yet)")
    body, modified = found
    headers = _headers('"' + hashlib.sha256(body).hexdigest()[:40] + '"', modified)
    if _not_modified(request, headers["ETag"], modified):
        return web.Response(status=304, headers=headers)
    return web.Response(body=body, headers=headers, content_type="application/json")


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def make_app(config: ServeConfig, *, send_timeout: float = SEND_TIMEOUT) -> web.Application:
    """The aiohttp application that publishes ``config``'s feeds; a client that takes no
    piece of a file for ``send_timeout`` seconds is closed."""
    tags = Tags()

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

    async def healthz(request: web.Request) -> web.StreamResponse:
        return web.Response(text="ok\n", content_type="text/plain")

    async def feed_file(request: web.Request) -> web.StreamResponse:
        feed = config.feeds.get(request.match_info["feed"])
        if feed is None:
            return _not_found()
        name = request.match_info["name"]
        if name == STATUS_NAME:
            return await _status(request, feed.status)
        found = feed.files.get(name)
        if found is None:
            return _not_found()
        place, fmt = found
        return await _respond(request, tags, place, media_type(fmt, name), send_timeout)

    async def directory_file(request: web.Request) -> web.StreamResponse:
        feed = config.feeds.get(request.match_info["feed"])
        found = feed.directories.get(request.match_info["dir"]) if feed else None
        name = request.match_info["name"]
        if found is None or not SAFE_NAME.fullmatch(name):
            return _not_found()
        directory, fmt = found
        return await _respond(
            request, tags, directory.child(name), media_type(fmt, name), send_timeout
        )

    app = web.Application(middlewares=[authorise])
    app[TAGS] = tags
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/{feed}/{name}", feed_file)
    app.router.add_get("/{feed}/{dir}/{name}", directory_file)
    return app
