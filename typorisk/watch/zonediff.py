"""The names added between two days of a zone, in bounded memory (hash partitions on disk).

Holding both days' owners in sets costs ~160 bytes a name: 800 MiB for a 5M-name zone, ~25
GiB for ``.com`` (~160M names). Instead each file is read once (:func:`~typorisk.watch.lists.
read_zone_owners`, the zone reader's speed) and its owners are appended to one of ``parts``
temporary files by CRC-32 of the owner (:func:`spill_zone`); an owner always lands in the same
part of both days, so the diff is exact part by part (:func:`added_names`): only one part of
each day is in memory at a time, ~1/``parts`` of the zone. The parts are chosen from the file
sizes (:func:`part_count`: about :data:`PART_NAMES` names each, at most :data:`MAX_PARTS`);
the temporary files take ~16 bytes a name on disk (``TMPDIR``) and are removed when the
directory given to :func:`spill_zone` is.

Hand-rolled (no library partitions a stream to disk): an external sort would be O(n log n)
with its merge in Python, a SQLite table would put every owner through a B-tree index; one
pass that only appends to files keeps near the reader's speed (5M-name zones, two days: 803
-> 159 MiB peak RSS, 1.62M -> 1.48M lines per CPU second; ``bench_watch.py --zone``). CRC-32
(``zlib.crc32``, C) rather than ``hash()``: parts, and so the order in which added names come
out (sorted within each part), are the same in every process.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from typorisk.errors import DataFileError
from typorisk.watch.lists import FAST_NAME, read_zone_owners

PART_NAMES = 1_000_000
"""Names per part aimed at (sets of about 100 MiB per part and day at most)."""
MAX_PARTS = 256
"""Parts per day at most (one open file each while a day is read)."""
BYTES_PER_NAME = 50
"""Fewest bytes a delegated name takes in a plain CZDS file (its NS lines are ~45 bytes
each), so the names of a file are at most its size over this."""
GZIP_RATIO = 6
"""A gzip zone file's size is taken times this (CZDS files compress 5-6x)."""
_BUFFER = 1 << 20


@dataclass(slots=True)
class ZoneSpill:
    """The owners of one zone file, split into parts on disk."""

    origin: str
    """The zone (from its SOA), without trailing dot."""
    parts: list[Path]
    """Part ``i`` holds the owners whose CRC-32 is ``i`` modulo ``len(parts)``, one a line,
    repeated as often as the file repeats them."""
    lines: int
    """Lines read."""
    skipped: int
    """Over-long lines skipped."""


@dataclass(slots=True)
class DiffCounts:
    """What :func:`added_names` saw: filled in as the parts are compared."""

    delegated: int = 0
    """Distinct owners of the newer day (the apex excluded)."""
    added: int = 0
    """Names of the newer day not in the older one (host names only)."""


def part_count(*paths: Path, part_names: int = PART_NAMES) -> int:
    """Parts for diffing these files: their largest (estimated) name count over
    ``part_names``, in [1, :data:`MAX_PARTS`]. Unreadable sizes count as 0."""
    most = 0
    for path in paths:
        try:
            size = path.stat().st_size
            with path.open("rb") as handle:
                gzipped = handle.read(2) == b"\x1f\x8b"
        except OSError:
            continue
        most = max(most, size * (GZIP_RATIO if gzipped else 1) // BYTES_PER_NAME)
    return max(1, min(MAX_PARTS, math.ceil(most / part_names)))


class _Partitions:
    """The open part files of one day; :meth:`add` takes one chunk of owners."""

    def __init__(self, paths: list[Path]) -> None:
        self.handles: list[BinaryIO] = []
        for path in paths:
            self.handles.append(path.open("wb", buffering=_BUFFER))

    def add(self, owners: Iterable[bytes]) -> None:
        unique = set(owners)  # one owner's NS lines are adjacent: most repeats go here
        count = len(self.handles)
        if count == 1:
            self.handles[0].write(b"".join(o + b"\n" for o in unique))
            return
        buckets: list[list[bytes]] = [[] for _ in range(count)]
        for owner, crc in zip(unique, map(zlib.crc32, unique), strict=True):
            buckets[crc % count].append(owner)
        for handle, bucket in zip(self.handles, buckets, strict=True):
            if bucket:
                bucket.append(b"")
                handle.write(b"\n".join(bucket))

    def close(self) -> None:
        for handle in self.handles:
            handle.close()


def spill_zone(path: Path, directory: Path, tag: str, parts: int) -> ZoneSpill:
    """Read a zone file once into ``parts`` files ``directory/TAG-NNN``. Raises
    :class:`DataFileError` as :func:`~typorisk.watch.lists.read_zone_owners` does, and when
    ``directory`` cannot be written (say what to free or set ``TMPDIR`` to)."""
    paths = [directory / f"{tag}-{i:03d}" for i in range(parts)]
    try:
        sink = _Partitions(paths)
        try:
            origin, lines, skipped = read_zone_owners(path, sink.add)
        finally:
            sink.close()
    except OSError as exc:
        raise DataFileError(
            f"cannot write the zone diff's temporary files in {directory}: "
            f"{exc.strerror or exc}; free disk space there or set TMPDIR to another directory"
        ) from exc
    return ZoneSpill(origin, paths, lines, skipped)


def _owners(path: Path) -> set[bytes]:
    owners = set(path.read_bytes().split(b"\n"))
    owners.discard(b"")
    return owners


def added_names(old: ZoneSpill, new: ZoneSpill, counts: DiffCounts) -> Iterator[list[str]]:
    """The names delegated in ``new`` and not in ``old``, one sorted list per part (lowercase
    A-labels; names that are no valid host name are left out); ``counts`` is updated as
    parts are compared. Raises :class:`DataFileError`, before yielding anything, when the
    two files are of different zones."""
    if old.origin != new.origin:
        raise DataFileError(
            f"the zone files are of different zones ({old.origin} and {new.origin}); give two "
            "days of the same zone"
        )
    if len(old.parts) != len(new.parts):
        raise ValueError("both days must be split into the same number of parts")
    apex = new.origin.encode("ascii")
    for before, after in zip(old.parts, new.parts, strict=True):
        owners = _owners(after)
        owners.discard(apex)
        counts.delegated += len(owners)
        fresh = owners - _owners(before)
        del owners
        decoded = (name.decode("ascii", "replace") for name in sorted(fresh))
        names = [n for n in decoded if FAST_NAME.fullmatch(n)]
        counts.added += len(names)
        if names:
            yield names
