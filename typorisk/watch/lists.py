"""Reading watch inputs: newly-registered-domain lists and zone-file delegations.

NRD lists are one domain a line, plain, gzip (by magic bytes) or zip (every member read), or a
directory of daily lists (its regular files, by name). Every file goes through
:class:`~typorisk.kit.reading.LineReader` with :data:`LIST_LIMITS`: a line over 64 KiB is
skipped and counted, gzip is capped (64 GiB, ratio 200), a zip member is capped at
:data:`MAX_MEMBER_BYTES`. What cannot be read (a broken zip, a truncated gzip, a vanished file)
ends that file with one error line in :class:`ListStats`, after the names before the damage
were delivered; the other files are read as usual. A line that is no host name is counted as
malformed (the first few are quoted), never fatal.

Zone files (ICANN CZDS, ``name TTL class type rdata``) are reduced to their delegated owners
(names with NS records, the zone apex excluded) with the tab-separated fast path of
:mod:`typorisk.register.zonefile` (:func:`read_zone_owners`); :mod:`typorisk.watch.zonediff`
gives the names delegated in a new file and not in an old one.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from typorisk.errors import BadGzipError, DataFileError
from typorisk.kit.reading import GiB, Limits, LineReader, Readable
from typorisk.match.model import normal_name
from typorisk.register.zonefile import ZONE_LIMITS, parse_zone_line

LIST_LIMITS = Limits(file_bytes=None, gzip=True)
"""Caps of an NRD list: 64 KiB lines (longer ones skipped and counted), no cap on a plain file
(streamed), gzip at most 64 GiB decompressed and 200 times its size."""
MAX_MEMBER_BYTES = 4 * GiB
"""Largest decompressed zip member read, in bytes (a daily NRD list is 5-50 MB)."""
MAX_MEMBER_RATIO = 200
"""Largest decompressed/compressed ratio of a zip member (the same bound as gzip's)."""
MEMBER_FLOOR = 16 * 1024 * 1024
"""A zip member may always decompress to this many bytes, whatever its ratio."""
MAX_QUOTED = 3
"""Malformed lines quoted in the report."""
ZIP_MAGIC = b"PK\x03\x04"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
FAST_NAME = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")
"""A lowercase LDH host name of two labels or more (the ``--`` and length rules are checked
apart)."""


@dataclass(slots=True)
class ListStats:
    """Counters of one read (mutable while reading)."""

    files: int = 0
    """Files (or zip members) read to their end."""
    lines: int = 0
    """Lines read (empty ones included)."""
    names: int = 0
    """Valid names delivered."""
    malformed: int = 0
    """Lines that are no host name."""
    overlong: int = 0
    """Lines over 64 KiB, skipped."""
    quoted: list[str] = field(default_factory=list)
    """The first :data:`MAX_QUOTED` malformed lines, as ``file:line: text``."""
    errors: list[str] = field(default_factory=list)
    """One line per file that could not be read to its end."""


def list_files(path: Path) -> list[Path]:
    """``path`` itself, or the regular files of a directory sorted by name (daily lists named
    by date sort by date). Hidden files are left out. Raises :class:`DataFileError` when the
    path does not exist."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    if not path.exists():
        raise DataFileError(f"{path}: no such file or directory; give an NRD list or a folder")
    return [path]


class _StreamReader(LineReader):
    """A :class:`LineReader` over an already open binary stream (a zip member)."""

    def __init__(self, label: str, handle: Readable, limits: Limits) -> None:
        self.path = label
        self.limits = limits
        self.long_lines = "skip"
        self.lines = 0
        self.skipped = 0
        self._handle = handle

    def close(self) -> None:
        """Close the member stream."""
        self._handle.close()


class _CappedMember:
    """A zip member stream that refuses to decompress past its caps."""

    def __init__(self, handle: Readable, label: str, compressed: int) -> None:
        self._handle = handle
        self._label = label
        self._cap = min(MAX_MEMBER_BYTES, max(compressed * MAX_MEMBER_RATIO, MEMBER_FLOOR))
        self._read = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._handle.read(size)
        self._read += len(data)
        if self._read > self._cap:
            raise BadGzipError(
                self._label,
                f"refused: decompresses to over {self._cap:,} bytes (a zip bomb?)",
                fix="check what produced it",
            )
        return data

    def close(self) -> None:
        self._handle.close()


def _is_zip(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == ZIP_MAGIC
    except OSError:
        return False


def _readers(path: Path) -> Iterator[LineReader]:
    """One reader per list in ``path`` (a zip gives one per member)."""
    if not _is_zip(path):
        yield LineReader(str(path), LIST_LIMITS, long_lines="skip")
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataFileError(f"{path}: broken zip ({exc}); download it again") from exc
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            label = f"{path}!{info.filename}"
            handle = _CappedMember(archive.open(info), label, info.compress_size)
            yield _StreamReader(label, handle, Limits(file_bytes=None))


def _names(parts: list[bytes], first: int, label: str, stats: ListStats) -> list[str]:
    """The valid names of one chunk of lines (lowercase A-labels); counts the others."""
    text = b"\n".join(parts).decode("utf-8", "replace").lower()
    out: list[str] = []
    match = FAST_NAME.fullmatch
    for offset, raw in enumerate(text.split("\n")):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name = line.rstrip(".")
        if not (match(name) and len(name) <= 253 and "--" not in name):
            name = normal_name(line) or ""
        if name:
            out.append(name)
            continue
        stats.malformed += 1
        if len(stats.quoted) < MAX_QUOTED:
            stats.quoted.append(f"{label}:{first + offset}: {line[:60]!a}")
    return out


_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, RuntimeError)


def read_names(path: Path, stats: ListStats, batch: int = 50_000) -> Iterator[list[str]]:
    """Batches of at most about ``batch`` valid names of one list file (plain, gzip, zip).

    A damage (broken zip, truncated gzip, unreadable file) ends the file: one line in
    ``stats.errors``, the names before it were yielded. Never raises for file content.
    """
    try:
        for reader in _readers(path):
            pending: list[str] = []
            try:
                with reader:
                    for first, parts in reader.batches():
                        pending.extend(_names(parts, first, reader.path, stats))
                        if len(pending) >= batch:
                            stats.names += len(pending)
                            yield pending
                            pending = []
            except (DataFileError, *_READ_ERRORS) as exc:
                stats.errors.append(f"{reader.path}: {_reason(exc)}; the names before were used")
                continue
            finally:
                stats.lines += reader.lines
                stats.overlong += reader.skipped
                if pending:
                    stats.names += len(pending)
                    yield pending
            stats.files += 1
    except DataFileError as exc:
        stats.errors.append(str(exc))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BadGzipError):
        return f"{exc.reason} after line {exc.lines:,}"
    return str(exc) or type(exc).__name__


# zone files -------------------------------------------------------------------------------


@dataclass(slots=True)
class ZoneDelegations:
    """The delegated owners of one zone file."""

    origin: str
    """The zone (from its SOA), without trailing dot."""
    owners: set[bytes]
    """Owners with NS records, below the origin (lowercase, no trailing dot)."""
    lines: int
    skipped: int


def zone_delegations(path: Path) -> ZoneDelegations:
    """Read a zone file once and keep its delegated owners in memory (a set: ~160 bytes a
    name; :mod:`typorisk.watch.zonediff` diffs two days in bounded memory instead).
    Raises :class:`DataFileError` as :func:`read_zone_owners` does."""
    owners: set[bytes] = set()
    origin, lines, skipped = read_zone_owners(path, owners.update)
    owners.discard(origin.encode("ascii"))
    return ZoneDelegations(origin, owners, lines, skipped)


def read_zone_owners(path: Path, sink: Callable[[Iterable[bytes]], object]) -> tuple[str, int, int]:
    """Read a zone file once, handing its delegated owners to ``sink`` a chunk at a time
    (lowercase, no trailing dot; an owner with several NS lines comes several times, the apex
    too); returns (origin, lines, over-long lines skipped).

    A file whose first chunk holds a CZDS SOA line (``com.<TAB>900<TAB>in<TAB>soa<TAB>...``) is
    read a chunk at a time with one regular expression (:data:`_CZDS_NS`: absolute lowercase
    owners, tab separated, as CZDS ships them), which keeps up with the zone reader; its lines
    of another shape are not read (CZDS writes none). Any other master file goes line by line
    through :func:`~typorisk.register.zonefile.parse_zone_line`.
    Raises :class:`DataFileError` for an unreadable or damaged file (nothing is decided from a
    partial zone: every name after the damage would look removed) or one without SOA.
    """
    soa: str | None = None
    try:
        reader = LineReader(str(path), ZONE_LIMITS, long_lines="skip")
    except DataFileError as exc:
        raise DataFileError(f"zone file: {exc}") from exc
    with reader:
        try:
            czds: bool | None = None
            master = _Master()
            for _, parts in reader.batches():
                chunk = b"\n".join(parts)
                if czds is None:
                    found = _CZDS_SOA.search(chunk)
                    czds = found is not None
                    soa = found[1].lower().decode("ascii", "replace") if found else None
                if czds:
                    sink(map(bytes.lower, _CZDS_NS.findall(chunk)))
                else:
                    sink(_general(parts, master))
                    soa = master.soa
        except BadGzipError as exc:
            raise DataFileError(
                f"zone file {path}: {exc.reason} after line {exc.lines:,}; nothing was "
                "decided from it (download the zone file again)"
            ) from exc
        lines, skipped = reader.lines, reader.skipped
    if soa is None:
        raise DataFileError(
            f"{path}: no SOA record; give a registry zone file (ICANN CZDS: "
            "'name TTL class type rdata' lines, plain or gzip)"
        )
    return soa, lines, skipped


_CZDS_NS = re.compile(rb"^([^\t\n]+)\.\t[0-9]+\tin\tns\t", re.MULTILINE)
"""An NS line as CZDS writes it; group 1 is the owner without its trailing dot."""
_CZDS_SOA = re.compile(rb"^([^\t\n]+)\.\t[0-9]+\tin\tsoa\t", re.MULTILINE)


@dataclass(slots=True)
class _Master:
    """State of a line-by-line master-file read: ``$ORIGIN``, the previous owner, the SOA."""

    origin: bytes = b""
    previous: bytes = b""
    soa: str | None = None


def _general(parts: list[bytes], state: _Master) -> list[bytes]:
    """Owners of NS lines of any master-file shape (``$ORIGIN``, relative and blank owners)."""
    owners: list[bytes] = []
    for line in parts:
        if line.startswith(b"$ORIGIN"):
            words = line.split()
            state.origin = words[1].lower().rstrip(b".") if len(words) > 1 else b""
            continue
        parsed = parse_zone_line(line, state.origin, state.previous) if line else None
        if parsed is None:
            continue
        name, rtype, _ = parsed
        state.previous = name
        if rtype == b"ns":
            owners.append(name)
        elif rtype == b"soa" and state.soa is None:
            state.soa = name.decode("ascii", "replace")
    return owners


def describe(paths: Sequence[Path]) -> dict[str, dict[str, int]]:
    """Identity of files (size and mtime in ns) by path: what "already read" compares."""
    out: dict[str, dict[str, int]] = {}
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        out[str(path)] = {"size": info.st_size, "mtime_ns": info.st_mtime_ns}
    return out
