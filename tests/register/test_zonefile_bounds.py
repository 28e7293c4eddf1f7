"""Zone files that are damaged or not text: one clear error, nothing decided from them."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from typorisk.errors import DataFileError
from typorisk.register import LookupStatus, scan_zone_files

from ..conftest import Ledger

ZONE = (
    "com.\t86400\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n"
    + "".join(f"name{i}.com.\t172800\tin\tns\tns1.host{i}.net.\n" for i in range(20_000))
    + "exampel.com.\t172800\tin\tns\tns1.squat.net.\n"
)


@pytest.mark.parametrize(
    ("name", "damage", "reason"),
    [
        ("truncated", lambda d: d[: len(d) // 2], "truncated gzip"),
        ("junk after", lambda d: d + b"<html>", "junk after the gzip stream"),
        ("bad checksum", lambda d: d[:-8] + bytes(8), "damaged gzip"),
    ],
)
def test_damaged_gzip_zone_decides_nothing(
    tmp_path: Path, ledger: Ledger, name: str, damage: object, reason: str
) -> None:
    row = ledger.row(f"zone file: gzip {name} (one line, nothing decided)")
    with row.case():
        path = tmp_path / "com.zone.gz"
        path.write_bytes(damage(gzip.compress(ZONE.encode())))  # type: ignore[operator]
        with pytest.raises(DataFileError) as caught:
            scan_zone_files([path], ["exampel.com", "absent.com"])
        message = str(caught.value)
        assert message.startswith(f"zone file {path}: {reason}") and "\n" not in message
        assert "nothing was decided from it" in message


def test_intact_gzip_zone_still_decides(tmp_path: Path) -> None:
    path = tmp_path / "com.zone.gz"
    path.write_bytes(gzip.compress(ZONE.encode()))
    scan = scan_zone_files([path], ["exampel.com", "absent.com"])
    assert scan.lookups["exampel.com"].status is LookupStatus.FOUND
    assert scan.lookups["absent.com"].status is LookupStatus.NOT_FOUND
    assert scan.lines == 20_002 and scan.skipped == 0


def test_over_long_zone_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "com.zone"
    path.write_text(ZONE + "x" * 100_000 + "\n" + "late.com.\t1\tin\tns\tns.late.net.\n")
    scan = scan_zone_files([path], ["late.com", "exampel.com"])
    assert scan.skipped == 1 and scan.lines == 20_004
    assert scan.lookups["late.com"].status is LookupStatus.FOUND


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_as_a_zone_file(ledger: Ledger) -> None:
    row = ledger.row("zone file: /dev/zero")
    with row.case(), pytest.raises(DataFileError, match="not a text file"):
        scan_zone_files([Path("/dev/zero")], ["exampel.com"])


def test_newline_flood_zone_is_refused(tmp_path: Path, ledger: Ledger) -> None:
    path = tmp_path / "com.zone.gz"
    path.write_bytes(gzip.compress(b"\n" * 300_000_000, 9))
    row = ledger.row("zone file: gzip of 300 MB of newlines (ratio cap)")
    with row.case(), pytest.raises(DataFileError, match="over 200 times its size"):
        scan_zone_files([path], ["exampel.com"])
