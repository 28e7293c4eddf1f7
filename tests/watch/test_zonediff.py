"""The bounded-memory zone diff: exact (every added name once, none lost), whatever the parts."""

from __future__ import annotations

import gzip
import random
import zlib
from pathlib import Path

import pytest

from typorisk.errors import DataFileError
from typorisk.store import Store
from typorisk.watch.runs import watch_zone
from typorisk.watch.zonediff import (
    GZIP_RATIO,
    MAX_PARTS,
    DiffCounts,
    added_names,
    part_count,
    spill_zone,
)

from .test_watch_lists import matcher, zone


def _days(seed: int, size: int) -> tuple[list[str], list[str]]:
    rnd = random.Random(seed)
    old = [f"n{i:x}{rnd.choice('abc')}.com" for i in range(size)]
    kept = [n for n in old if rnd.random() > 0.1]
    new = kept + [f"fresh{i}.com" for i in range(size // 20)] + old[:3]  # repeats in new
    rnd.shuffle(new)
    return old, new


def _diff(tmp_path: Path, old: Path, new: Path, parts: int) -> tuple[list[list[str]], DiffCounts]:
    before = spill_zone(old, tmp_path, "old", parts)
    after = spill_zone(new, tmp_path, "new", parts)
    counts = DiffCounts()
    return list(added_names(before, after, counts)), counts


@pytest.mark.parametrize("parts", [1, 2, 7, 64])
def test_the_diff_is_exact_for_any_number_of_parts(tmp_path: Path, parts: int) -> None:
    old_names, new_names = _days(parts, 30_000)  # ~2.6 MB a day: many 256 KiB reader chunks
    old, new = tmp_path / "1.zone", tmp_path / "2.zone.gz"
    old.write_text(zone(old_names))
    new.write_bytes(gzip.compress(zone(new_names).encode()))
    found, counts = _diff(tmp_path, old, new, parts)
    flat = [name for part in found for name in part]
    expected = set(new_names) - set(old_names)
    assert len(flat) == len(set(flat))  # none doubled: an owner's NS lines span chunks
    assert set(flat) == expected  # none lost, none extra
    assert all(part == sorted(part) for part in found)
    assert counts.added == len(expected) and counts.delegated == len(set(new_names))
    for part in found:  # every name of a part is in that part on both days
        assert len({zlib.crc32(n.encode()) % parts for n in part}) == 1


def test_owners_spread_evenly_over_parts(tmp_path: Path) -> None:
    path = tmp_path / "z.zone"
    path.write_text(zone([f"x{i}.com" for i in range(20_000)]))
    spill = spill_zone(path, tmp_path, "z", 16)
    sizes = [len(set(p.read_bytes().split())) for p in spill.parts]
    assert sum(sizes) == 20_001  # the apex too: it is dropped when diffing
    assert max(sizes) < 2 * 20_001 / 16  # so one part in memory is ~1/16 of the zone


def test_boundary_owners_first_and_last_part(tmp_path: Path) -> None:
    parts = 8
    names = [f"b{i}.com" for i in range(400)]
    by_part = {zlib.crc32(n.encode()) % parts: n for n in names}
    assert {0, parts - 1} <= set(by_part)
    edge = [by_part[0], by_part[parts - 1]]
    old, new = tmp_path / "1.zone", tmp_path / "2.zone"
    old.write_text(zone([n for n in names if n not in edge]))
    new.write_text(zone(names))
    found, counts = _diff(tmp_path, old, new, parts)
    assert found == [[edge[0]], [edge[1]]] and counts.added == 2


def test_master_file_shape_and_apex(tmp_path: Path) -> None:
    old, new = tmp_path / "1.zone", tmp_path / "2.zone"
    old.write_text("$ORIGIN com.\n@ 900 IN SOA a. b. 1 2 3 4 5\n@ IN NS a.gtld.\nc 1 NS ns.c.\n")
    new.write_text("$ORIGIN com.\n@ 900 IN SOA a. b. 1 2 3 4 5\n@ IN NS a.gtld.\nc 1 NS ns.c.\n"
                   "d 3600 NS ns.d.net.\n\tIN NS ns2.d.net.\nE.COM. IN NS ns.e.net.\n")  # fmt: skip
    found, counts = _diff(tmp_path, old, new, 3)
    assert sorted(n for part in found for n in part) == ["d.com", "e.com"]
    assert counts.delegated == 3  # c, d, e: not the apex


def test_part_count_from_sizes(tmp_path: Path) -> None:
    plain, packed = tmp_path / "a.zone", tmp_path / "b.zone.gz"
    plain.write_bytes(b"x" * 5_000)
    packed.write_bytes(gzip.compress(b"y" * 100_000))
    assert part_count(plain, part_names=10) == 10  # 5,000 bytes / 50 per name / 10
    estimate = packed.stat().st_size * GZIP_RATIO // 50
    assert part_count(packed, part_names=1) == min(MAX_PARTS, estimate)
    assert part_count(plain, part_names=10**9) == 1
    assert part_count(tmp_path / "missing") == 1
    assert part_count(plain, packed, part_names=1) == min(MAX_PARTS, 100)  # the larger file
    plain.write_bytes(b"x" * 50 * (MAX_PARTS + 1))
    assert part_count(plain, part_names=1) == MAX_PARTS


def test_watch_zone_in_many_parts_finds_what_one_part_finds(tmp_path: Path) -> None:
    old_names = [f"old{i}.com" for i in range(3000)] + ["paypa1.com"]
    new_names = [*old_names[50:], "secure-paypal.com", "xn--pypal-4ve.com", "fresh.com"]
    old, new = tmp_path / "1.zone", tmp_path / "2.zone"
    old.write_text(zone(old_names))
    new.write_text(zone(new_names))
    reports = []
    for part_names in (10**9, 100):  # 1 part; ~28 parts
        with Store(tmp_path / f"{part_names}.db") as store:
            reports.append(watch_zone(old, new, matcher(), store, part_names=part_names, batch=2))
    one, many = reports
    assert {h.domain for h in many.new} == {h.domain for h in one.new} == {
        "secure-paypal.com", "xn--pypal-4ve.com"}  # fmt: skip
    assert many.extra == one.extra == {"delegated": len(new_names), "added": 3}


def test_an_unwritable_spill_directory_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "z.zone"
    path.write_text(zone(["a.com"]))
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    with pytest.raises(DataFileError, match=r"temporary files in .*set TMPDIR"):
        spill_zone(path, blocked, "old", 4)
