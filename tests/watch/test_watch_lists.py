"""Watch NRD lists and zone diffs: planted look-alikes, resumable state, bad input."""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
import zipfile
from functools import cache
from pathlib import Path

import pytest

from typorisk.errors import DataFileError
from typorisk.match import Matcher, MatchSettings, build_matcher
from typorisk.store import Store
from typorisk.watch.lists import ListStats, read_names, zone_delegations
from typorisk.watch.runs import watch_lists, watch_zone

TARGETS = ("paypal.com", "pentagon.mil")
PLANTED = {
    "paypa1.com": "skeleton",  # a digit look-alike, 306th of paypal.com: found by its skeleton
    "paypak.com": "candidate",
    "xn--pypal-4ve.com": "skeleton",
    "paypal-login.net": "combo",
    "pentagon-mil.com": "folded",
    "pentagnoo.mil": "distance",
    "paypall.shop": "candidate",  # a typo under another suffix (rule f)
}
ROOT = Path(__file__).resolve().parents[2]


@cache
def matcher() -> Matcher:
    return build_matcher(TARGETS, MatchSettings(top=100))


def benign(n: int, start: int = 0) -> list[str]:
    return [f"shop{i}-garden.com" if i % 2 else f"blue{i}river.net" for i in range(start, n)]


def test_planted_lookalikes_among_benign_names_in_every_format(tmp_path: Path) -> None:
    lists = tmp_path / "nrd"
    lists.mkdir()
    planted = list(PLANTED)
    (lists / "2026-12-01.txt").write_text("\n".join([*benign(3000), planted[0], planted[1]]))
    with gzip.open(lists / "2026-12-02.txt.gz", "wt") as out:
        out.write("\n".join([*benign(5000, 3000), planted[2], planted[3]]) + "\n")
    with zipfile.ZipFile(lists / "2026-12-03.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("domain-names.txt", "\n".join([*benign(6000, 5000), *planted[4:]]))
    with Store(tmp_path / "w.db") as store:
        report = watch_lists([lists], matcher(), store, batch=500)
        assert {h.domain: h.rule for h in report.new} == PLANTED
        assert report.reading.files == 3
        assert report.reading.names == 6000 + len(PLANTED)
        assert report.reading.malformed == 0
        assert not report.reading.errors
        again = watch_lists([lists], matcher(), store)
        assert again.new == [] and again.skipped_files == 3
        assert again.reading.names == 0
        assert {h.domain for h in store.watch_hits()} == set(PLANTED)
        assert store.watch_hits(since="2999-01-01") == []


def test_only_what_is_new_since_the_last_run_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "today.txt"
    path.write_text("paypa1.com\nweather.com\n")
    with Store(tmp_path / "w.db") as store:
        first = watch_lists([path], matcher(), store)
        assert [h.domain for h in first.new] == ["paypa1.com"]
        path.write_text("paypa1.com\nweather.com\nsecure-paypal.com\n")
        os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
        second = watch_lists([path], matcher(), store)
        assert [h.domain for h in second.new] == ["secure-paypal.com"]
        assert second.hits == 2  # paypa1.com seen again, not new
        seen = {h.domain: h for h in store.watch_hits()}
        assert seen["paypa1.com"].first_seen <= seen["secure-paypal.com"].first_seen


def test_bad_input_is_counted_and_nothing_else_is_lost(tmp_path: Path) -> None:
    lists = tmp_path / "nrd"
    lists.mkdir()
    overlong = "a" * 70_000 + ".com"
    (lists / "a.txt").write_bytes(
        b"not a domain\n-bad-.com\n\xff\xfe\x00.com\n"
        + overlong.encode()
        + b"\npaypa1.com\n\n# comment\nweather.com\n"
    )
    (lists / "b.zip").write_bytes(b"PK\x03\x04 this is no zip at all")
    good = gzip.compress(b"paypal-login.net\nfoo.org\n" * 2000)
    (lists / "c.gz").write_bytes(good[: len(good) // 2])  # truncated
    (lists / "d.txt").write_text("pentagon-mil.com\n")
    with Store(tmp_path / "w.db") as store:
        report = watch_lists([lists], matcher(), store)
    found = {h.domain for h in report.new}
    assert found == {"paypa1.com", "paypal-login.net", "pentagon-mil.com"}
    assert report.reading.malformed == 3
    assert report.reading.overlong == 1
    assert len(report.reading.errors) == 2
    assert any("b.zip: broken zip" in e for e in report.reading.errors)
    assert any("c.gz" in e and "truncated" in e for e in report.reading.errors)
    assert report.reading.quoted[0].endswith("a.txt:1: 'not a domain'")
    assert all(line.isascii() for line in report.reading.quoted)


def test_a_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("names.txt", b"paypa1.com\n" + b"\n" * (40 * 1024 * 1024))
    stats = ListStats()
    names = [n for batch in read_names(bomb, stats) for n in batch]
    assert names == ["paypa1.com"]
    assert stats.errors and "zip bomb" in stats.errors[0]


def test_a_missing_path_is_one_clear_error(tmp_path: Path) -> None:
    with Store(tmp_path / "w.db") as store, pytest.raises(DataFileError, match="no such file"):
        watch_lists([tmp_path / "nope"], matcher(), store)


CHILD = """
import sys
from pathlib import Path
from typorisk.match import MatchSettings, build_matcher
from typorisk.store import Store
from typorisk.watch.runs import watch_lists
m = build_matcher(["paypal.com", "pentagon.mil"], MatchSettings(top=100))
with Store(sys.argv[2]) as store:
    print("ready", flush=True)
    watch_lists([Path(sys.argv[1])], m, store, batch=2000)
"""


def test_resume_after_sigkill_reports_each_lookalike_new_once(tmp_path: Path) -> None:
    names = benign(400_000)
    for i, name in enumerate(PLANTED):
        names.insert(i * 60_000, name)
    path = tmp_path / "big.txt"
    path.write_text("\n".join(names) + "\n")
    db = tmp_path / "w.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(db)],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until some batches are stored
            with Store(db) as store:
                if store.watch_hits():
                    break
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    with Store(db) as store:
        before = {h.domain for h in store.watch_hits()}
        assert before and before != set(PLANTED), "kill it mid-file"
        assert store.watch_state("nrd:" + str(path.resolve())) is None  # the file is not done
        report = watch_lists([path], matcher(), store)
        assert {h.domain for h in report.new} == set(PLANTED) - before
        assert {h.domain for h in store.watch_hits()} == set(PLANTED)


# zone diffs ------------------------------------------------------------------------------

SOA = "com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n"


def zone(names: list[str], origin: str = "com") -> str:
    soa = SOA.replace("com.", f"{origin}.", 1)
    lines = [soa, f"{origin}.\t172800\tin\tns\ta.gtld-servers.net.\n"]
    for name in names:
        lines.append(f"{name}.\t172800\tin\tns\tns1.host.net.\n")
        lines.append(f"{name}.\t172800\tin\tns\tns2.host.net.\n")
        lines.append(f"{name}.\t86400\tin\tds\t1 8 2 ABCD\n")
    return "".join(lines)


def test_zone_diff_matches_only_added_names(tmp_path: Path) -> None:
    old_names = [f"old{i}.com" for i in range(5000)] + ["paypa1.com"]
    new_names = [*old_names[100:], "secure-paypal.com", "xn--pypal-4ve.com", "fresh.com"]
    old, new = tmp_path / "com-1.zone", tmp_path / "com-2.zone.gz"
    old.write_text(zone(old_names))
    new.write_bytes(gzip.compress(zone(new_names).encode()))
    with Store(tmp_path / "w.db") as store:
        report = watch_zone(old, new, matcher(), store)
        assert {h.domain for h in report.new} == {"secure-paypal.com", "xn--pypal-4ve.com"}
        assert report.extra["added"] == 3
        assert report.source == "zone:com"
        again = watch_zone(old, new, matcher(), store)
        assert again.new == [] and again.skipped_files == 2


def test_zone_delegations_and_bad_zone_files(tmp_path: Path) -> None:
    path = tmp_path / "com.zone"
    path.write_text(zone(["a.com", "b.com"]))
    found = zone_delegations(path)  # CZDS: the fast path
    assert found.origin == "com"
    assert found.owners == {b"a.com", b"b.com"}
    master = tmp_path / "master.zone"  # another master-file shape: line by line
    master.write_text(
        "$ORIGIN com.\n@ 900 IN SOA a. b. 1 2 3 4 5\nc.com. 3600 IN NS ns.c.net.\n"
        "d 3600 NS ns.d.net.\n\tIN NS ns2.d.net.\nE.COM. IN NS ns.e.net.\n"
    )
    assert zone_delegations(master).owners == {b"c.com", b"d.com", b"e.com"}
    other = tmp_path / "net.zone"
    other.write_text(zone(["a.net"], "net"))
    with Store(tmp_path / "w.db") as store, pytest.raises(DataFileError, match="different zones"):
        watch_zone(path, other, matcher(), store)
    nosoa = tmp_path / "x.zone"
    nosoa.write_text("a.com.\t1\tin\tns\tns.b.net.\n")
    with pytest.raises(DataFileError, match="no SOA"):
        zone_delegations(nosoa)
    cut = tmp_path / "cut.zone.gz"
    cut.write_bytes(gzip.compress(zone([f"n{i}.com" for i in range(20000)]).encode())[:5000])
    with pytest.raises(DataFileError, match="truncated gzip"):
        zone_delegations(cut)
