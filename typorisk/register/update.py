"""Refresh the data snapshots into the user cache: the only code that fetches from the Internet.

Run explicitly (``typorisk update-data``), never at import or scan time. Each download is
validated with the same parser that reads it later (a truncated or HTML answer is refused) and
written atomically, so a failed refresh leaves the previous copy, or the shipped snapshot, in use.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from typorisk.errors import DataFileError
from typorisk.kit.atomic import atomic_write_text
from typorisk.parse.established import (
    CACHE_FILENAME as TOP_SITES_FILENAME,
)
from typorisk.parse.established import (
    DEFAULT_LIMIT,
    parse_ranked,
    registrable_ranks,
    render,
)
from typorisk.parse.psl import PSL_FILENAME, cross_check, load_psl, parse_psl
from typorisk.register.bootstrap import BOOTSTRAP_FILENAME, parse_bootstrap
from typorisk.register.http import fetch
from typorisk.register.network import (
    ASN_FILE,
    IP_FILES,
    parse_asn_bootstrap,
    parse_ip_bootstrap,
)

RDAP_URL = "https://data.iana.org/rdap/dns.json"
NUMBERS_URL = "https://data.iana.org/rdap/"
"""Where IANA publishes ``ipv4.json``, ``ipv6.json`` and ``asn.json`` (the number bootstraps)."""
FILENAMES = {
    "rdap": BOOTSTRAP_FILENAME,
    "psl": PSL_FILENAME,
    "ipv4": IP_FILES[4],
    "ipv6": IP_FILES[6],
    "asn": ASN_FILE,
    "top-sites": TOP_SITES_FILENAME,
}
"""Source name → the file written in the cache directory."""


def number_sources(base: str = NUMBERS_URL) -> dict[str, str]:
    """``ipv4``, ``ipv6``, ``asn`` → their URLs under ``base`` (ending in ``/``)."""
    base = base if base.endswith("/") else base + "/"
    return {name: base + FILENAMES[name] for name in ("ipv4", "ipv6", "asn")}


PSL_URL = "https://publicsuffix.org/list/public_suffix_list.dat"
TOP_SITES_URL = "https://tranco-list.eu/top-1m.csv.zip"
"""Tranco's current list (a zip holding ``top-1m.csv``: ``rank,domain`` lines)."""
MAX_BYTES = 16 << 20
"""Cap on one download: 16 MiB (the PSL is about 300 KiB, the bootstrap about 70 KiB)."""
TOP_SITES_MAX_BYTES = 48 << 20
"""Cap on the top-sites download and on its unzipped CSV: 48 MiB (Tranco's zip is about
8 MiB, its CSV about 22 MiB)."""


@dataclass(frozen=True, slots=True)
class Updated:
    """One refreshed file."""

    name: str
    """``rdap``, ``psl``, ``ipv4``, ``ipv6``, ``asn`` or ``top-sites``."""
    path: Path
    version: str
    """The bootstrap's publication time or the PSL's VERSION line."""
    size: int
    """Bytes written."""


def _validate(name: str, body: bytes, url: str) -> str:
    """Parse the download; return its version. Raises DataFileError when it is not the data."""
    try:
        text = body.decode("utf-8")
        if name == "rdap":
            return parse_bootstrap(json.loads(text), url).publication or "unknown"
        if name in ("ipv4", "ipv6", "asn"):
            doc = json.loads(text)
            parse = parse_asn_bootstrap if name == "asn" else parse_ip_bootstrap
            if not parse(doc, url):
                raise ValueError("no services")
            return str(doc.get("publication") or "unknown")
        psl = parse_psl(text)
        cross_check(text, psl)
        return psl.version
    except (UnicodeDecodeError, ValueError) as exc:
        raise DataFileError(f"{url} did not return the expected file: {exc}") from exc


def top_sites_text(body: bytes, url: str, today: dt.date, limit: int = DEFAULT_LIMIT) -> str:
    """The cached top-sites file made from a download: a zip holding one CSV (Tranco's), or
    the CSV itself; the first ``limit`` registrable domains under the shipped suffix list, best
    rank each. Raises :class:`DataFileError` when it holds no ranked domain or is too big."""
    try:
        if body[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                member = next(i for i in archive.infolist() if i.filename.endswith(".csv"))
                if member.file_size > TOP_SITES_MAX_BYTES:
                    raise DataFileError(f"{url}: {member.filename} is over the size cap")
                body = archive.read(member)
        text = body.decode("utf-8")
    except (zipfile.BadZipFile, StopIteration, UnicodeDecodeError, OSError) as exc:
        raise DataFileError(f"{url} did not return the expected file: {exc!r:.100}") from exc
    ranks = registrable_ranks(parse_ranked(text.splitlines()), load_psl(), limit)
    if not ranks:
        raise DataFileError(f"{url} did not return the expected file: no rank,domain line")
    return render(ranks, f"{url} fetched {today.isoformat()}, first {len(ranks):,} domains")


async def update_data(
    session: aiohttp.ClientSession,
    dest: Path,
    *,
    sources: dict[str, str],
    timeout: float = 60.0,
) -> list[Updated]:
    """Download each ``name → url`` of ``sources`` (names: :data:`FILENAMES`) into ``dest``.

    Redirects only to the URL's own scheme (see :mod:`typorisk.register.http`). Raises
    :class:`~typorisk.register.http.FetchError` or :class:`DataFileError` on the first failure.
    """
    done: list[Updated] = []
    for name, url in sources.items():
        cap = TOP_SITES_MAX_BYTES if name == "top-sites" else MAX_BYTES
        reply = await fetch(session, url, timeout=timeout, max_bytes=cap, accept="*/*")
        if reply.status != 200:
            raise DataFileError(f"{url} answered HTTP {reply.status}; try again later")
        if name == "top-sites":
            text = top_sites_text(reply.body, url, dt.datetime.now(dt.UTC).date())
            path = dest / FILENAMES[name]
            atomic_write_text(path, text)
            version = text.partition("\n")[0].removeprefix("# version: ")
            done.append(Updated(name, path, version, len(text.encode())))
            continue
        version = _validate(name, reply.body, url)
        path = dest / FILENAMES[name]
        atomic_write_text(path, reply.body.decode("utf-8"))  # _validate decoded it already
        done.append(Updated(name, path, version, len(reply.body)))
    return done
