"""Refresh the data snapshots into the user cache: the only code that fetches from the Internet.

Run explicitly (``typorisk update-data``), never at import or scan time. Each download is
validated with the same parser that reads it later (a truncated or HTML answer is refused) and
written atomically, so a failed refresh leaves the previous copy, or the shipped snapshot, in use.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from typorisk.errors import DataFileError
from typorisk.kit.atomic import atomic_write_text
from typorisk.parse.psl import PSL_FILENAME, cross_check, parse_psl
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
}
"""Source name → the file written in the cache directory."""


def number_sources(base: str = NUMBERS_URL) -> dict[str, str]:
    """``ipv4``, ``ipv6``, ``asn`` → their URLs under ``base`` (ending in ``/``)."""
    base = base if base.endswith("/") else base + "/"
    return {name: base + FILENAMES[name] for name in ("ipv4", "ipv6", "asn")}


PSL_URL = "https://publicsuffix.org/list/public_suffix_list.dat"
MAX_BYTES = 16 << 20
"""Cap on one download: 16 MiB (the PSL is about 300 KiB, the bootstrap about 70 KiB)."""


@dataclass(frozen=True, slots=True)
class Updated:
    """One refreshed file."""

    name: str
    """``rdap``, ``psl``, ``ipv4``, ``ipv6`` or ``asn``."""
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
        reply = await fetch(session, url, timeout=timeout, max_bytes=MAX_BYTES, accept="*/*")
        if reply.status != 200:
            raise DataFileError(f"{url} answered HTTP {reply.status}; try again later")
        version = _validate(name, reply.body, url)
        path = dest / FILENAMES[name]
        atomic_write_text(path, reply.body.decode("utf-8"))  # _validate decoded it already
        done.append(Updated(name, path, version, len(reply.body)))
    return done
