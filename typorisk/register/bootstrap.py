"""The IANA RDAP bootstrap registry for DNS (RFC 9224): which RDAP server serves which TLD.

Lookup order of :func:`load_bootstrap`: an explicit path → the user cache written by
``typorisk update-data`` (when it parses and is at least as recent) → the snapshot shipped in
``typorisk/data/rdap_dns.json`` (IANA, publication 2026-07-23). Nothing is fetched here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from typorisk.errors import DataFileError
from typorisk.kit.paths import user_cache_dir

BOOTSTRAP_FILENAME = "rdap_dns.json"
WHOIS_FILENAME = "whois_servers.json"


@dataclass(frozen=True, slots=True)
class Bootstrap:
    """TLD (or other label sequence, A-label) → RDAP base URLs, each ending in ``/``."""

    services: dict[str, tuple[str, ...]]
    publication: str
    """IANA's publication timestamp (``2026-07-23T02:00:03Z``), or ``""``."""
    origin: str
    """Where it was loaded from (a path), for messages and the statistics line."""

    def base_urls(self, domain: str, scheme: str = "https") -> tuple[str, ...]:
        """Base URLs serving ``domain`` (longest matching suffix wins) with the given scheme."""
        labels = domain.split(".")
        for i in range(1, len(labels)):
            urls = self.services.get(".".join(labels[i:]))
            if urls is not None:
                return tuple(u for u in urls if u.startswith(f"{scheme}://"))
        return ()


def parse_bootstrap(doc: Any, origin: str = "<memory>") -> Bootstrap:
    """Parse an RFC 9224 DNS bootstrap document (already JSON-decoded). Pure.

    Raises :class:`DataFileError` unless the shape is ``{"services": [[[tld...], [url...]]]}``.
    """
    services: dict[str, tuple[str, ...]] = {}
    entries = doc.get("services") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise DataFileError(
            f"{origin}: not an RDAP bootstrap file (no 'services' list); "
            "run `typorisk update-data` again or delete the cached copy"
        )
    for entry in entries:
        if not (isinstance(entry, list) and len(entry) >= 2):
            raise DataFileError(f"{origin}: malformed service entry {entry!r:.80}")
        tlds, urls = entry[0], entry[1]
        if not all(isinstance(x, str) for x in [*tlds, *urls]):
            raise DataFileError(f"{origin}: non-string TLD or URL in {entry!r:.80}")
        bases = tuple(u if u.endswith("/") else u + "/" for u in urls)
        for tld in tlds:
            services[tld.lower().rstrip(".")] = bases
    publication = doc.get("publication")
    return Bootstrap(services, publication if isinstance(publication, str) else "", origin)


def read_bootstrap(path: Path) -> Bootstrap:
    """Read and parse a bootstrap file. Raises :class:`DataFileError` naming the file."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(
            f"cannot read the RDAP bootstrap {path}: {exc}; run `typorisk update-data` "
            "or delete the file to fall back to the shipped snapshot"
        ) from exc
    return parse_bootstrap(doc, str(path))


def shipped_path(filename: str = BOOTSTRAP_FILENAME) -> Path:
    """Path of a data file shipped in ``typorisk/data``."""
    return Path(str(resources.files("typorisk.data").joinpath(filename)))


def cached_bootstrap_path() -> Path:
    """Where ``typorisk update-data`` writes the refreshed bootstrap."""
    return user_cache_dir() / BOOTSTRAP_FILENAME


def load_bootstrap(path: Path | None = None) -> Bootstrap:
    """The bootstrap in the documented lookup order (see the module docstring)."""
    if path is not None:
        return read_bootstrap(path)
    shipped = read_bootstrap(shipped_path())
    cached = cached_bootstrap_path()
    if cached.is_file():
        try:
            fresh = read_bootstrap(cached)
        except DataFileError:
            return shipped  # a damaged cache never stops a scan; update-data rewrites it
        if fresh.publication >= shipped.publication:
            return fresh
    return shipped


def load_whois_servers(path: Path | None = None) -> dict[str, str]:
    """TLD → WHOIS host for TLDs without RDAP (shipped ``whois_servers.json`` by default)."""
    where = path or shipped_path(WHOIS_FILENAME)
    try:
        doc = json.loads(where.read_text(encoding="utf-8"))
        servers = doc["servers"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(f"cannot read the WHOIS server map {where}: {exc}") from exc
    return {str(k): str(v) for k, v in servers.items()}
