"""Zone-file mode: decide registration offline from registry zone files (ICANN CZDS format).

A CZDS file has one record a line, ``name TTL class type rdata`` (tab or space separated,
absolute lowercase names), plain or gzip. A candidate is *delegated* when the zone holds NS
records for it (found); a candidate under a zone we read that has no NS there is not delegated
(not found — a name on hold is registered but absent, so RDAP can still confirm). Candidates of
other zones are left undecided. Each file is streamed once, holding only the candidate set
(and the NS targets of candidates that are present).

Files are read through :class:`~typorisk.kit.reading.LineReader` with :data:`ZONE_LIMITS`: a
line over 64 KiB is skipped and counted (:attr:`ZoneScan.skipped`); gzip decompresses to at most
64 GiB and 200 times its size. A damaged file (truncated or damaged gzip, junk after the
stream) is an error, not a partial scan: a name in the missing part would be wrongly "not
delegated", so nothing is decided from it.

Generic master-file conveniences are accepted: ``$ORIGIN``, ``@``, relative owners, a blank
owner (same as the previous line), TTL and class in either order or absent. ``$INCLUDE`` is not
followed.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from typorisk.errors import BadGzipError, DataFileError
from typorisk.kit.reading import Limits, LineReader
from typorisk.register.records import Lookup, LookupStatus, RegistrationFacts, Source

ZONE_LIMITS = Limits(file_bytes=None, gzip=True)
"""Caps of a zone file: 64 KiB lines (longer ones skipped and counted), no size cap on a plain
file (streamed), gzip at most 64 GiB decompressed and 200 times its compressed size."""
_CLASSES = frozenset((b"in", b"ch", b"hs", b"cs"))
_TTL_UNITS = b"0123456789smhdwSMHDW"


def _is_ttl(token: bytes) -> bool:
    return token[:1].isdigit() and token.strip(_TTL_UNITS) == b""


def parse_zone_line(
    line: bytes, origin: bytes = b"", previous: bytes = b""
) -> tuple[bytes, bytes, bytes] | None:
    """One master-file line → ``(owner, type, rdata)``, lowercase, owner absolute without the
    trailing dot. Pure. ``None`` for blank lines, comments, directives and unparseable lines.

    ``origin`` (no trailing dot) completes relative owners; ``previous`` is the owner of the
    line before, used when the line starts with blank space.
    """
    if not line or line[0] in b";$\r\n":
        return None
    if line[0] in b" \t":  # blank owner: the previous line's
        owner = previous
        fields = [b"", *line.split(None, 3)]
    else:
        fields = line.split(None, 4)
        owner = fields[0].lower()
        if owner == b"@":
            owner = origin
        elif owner.endswith(b"."):
            owner = owner[:-1]
        elif origin:
            owner = owner + b"." + origin
    if len(fields) < 3:
        return None
    i = 1
    while i < min(3, len(fields) - 1) and (_is_ttl(fields[i]) or fields[i].lower() in _CLASSES):
        i += 1
    rdata = fields[i + 1].strip() if i + 1 < len(fields) else b""
    if b";" in rdata:
        rdata = rdata.split(b";")[0].strip()
    return owner, fields[i].lower(), rdata


def _open(path: Path) -> LineReader:
    """A bounded reader of a plain or gzip zone file (detected by its magic bytes)."""
    try:
        return LineReader(str(path), ZONE_LIMITS, long_lines="skip")
    except DataFileError as exc:
        raise DataFileError(f"zone file: {exc}") from exc


@dataclass(frozen=True, slots=True)
class ZoneScan:
    """What zone files said about a candidate set."""

    lookups: dict[str, Lookup]
    """Decided candidates (found or not found), by domain."""
    zones: tuple[str, ...]
    """Zone origins read (from each file's SOA), sorted."""
    lines: int
    """Lines read, in every file."""
    seconds: float
    """Wall-clock time of the scan."""
    skipped: int = 0
    """Lines over 64 KiB, skipped (not records of a registry zone file)."""


def scan_zone_files(paths: Iterable[Path], candidates: Iterable[str]) -> ZoneScan:
    """Read each file once; decide every candidate whose parent zone is one of the files' zones.

    Candidates are lowercase A-labels. Raises :class:`DataFileError` for an unreadable file, a
    damaged one (truncated gzip, junk after the stream, over the gzip caps: nothing is decided)
    or one with no SOA record (not a zone file).
    """
    started = time.monotonic()
    wanted = {c.encode("ascii") for c in candidates}
    servers: dict[bytes, list[bytes]] = {}
    zones: dict[str, str] = {}
    lines = skipped = 0
    for path in paths:
        with _open(path) as reader:
            try:
                origin = _scan_one(reader, wanted, servers)
            except BadGzipError as exc:
                raise DataFileError(
                    f"zone file {path}: {exc.reason} after line {exc.lines:,}; nothing was "
                    "decided from it (download the zone file again)"
                ) from exc
            lines += reader.lines
            skipped += reader.skipped
        if origin is None:
            raise DataFileError(
                f"{path}: no SOA record; give a registry zone file (ICANN CZDS: "
                "'name TTL class type rdata' lines, plain or gzip)"
            )
        zones[origin] = str(path)
    lookups: dict[str, Lookup] = {}
    for name in sorted(wanted):
        domain = name.decode("ascii")
        zone = domain.partition(".")[2]
        if zone not in zones:
            continue
        ns = tuple(
            sorted({s.decode("ascii", "replace").rstrip(".") for s in servers.get(name, [])})
        )
        status = LookupStatus.FOUND if ns else LookupStatus.NOT_FOUND
        facts = RegistrationFacts(nameservers=ns)
        lookups[domain] = Lookup(domain, status, Source.ZONE_FILE, zones[zone], facts)
    elapsed = time.monotonic() - started
    return ZoneScan(lookups, tuple(sorted(zones)), lines, elapsed, skipped)


def _scan_one(
    reader: LineReader, wanted: set[bytes], servers: dict[bytes, list[bytes]]
) -> str | None:
    """Stream one file; collect NS targets of wanted owners. Returns the SOA origin."""
    origin = b""
    soa: str | None = None
    previous = b""
    for line in reader:
        if line.startswith(b"$ORIGIN"):
            origin = line.split()[1].lower().rstrip(b".") if len(line.split()) > 1 else b""
            continue
        if soa is not None and not origin and (cut := line.find(b"\t")) > 0:
            # Fast path for CZDS lines (absolute, tab-separated): most owners are not wanted.
            owner = line[:cut].rstrip(b".").lower()
            if owner not in wanted:
                previous = owner
                continue
        parsed = parse_zone_line(line, origin, previous)
        if parsed is None:
            continue
        owner, rtype, rdata = parsed
        previous = owner
        if owner in wanted and rtype == b"ns":
            servers.setdefault(owner, []).append(rdata.lower())
        elif rtype == b"soa" and soa is None:
            soa = owner.decode("ascii", "replace")
    return soa
