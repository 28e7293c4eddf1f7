"""``typorisk match`` on unbounded and damaged logs: /dev/zero, over-long lines, bad gzip, a
newline flood; each ends in one line and keeps what was read."""

from __future__ import annotations

import gzip
import json
import os
import time
import zlib
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.cli.match import EXIT_FOUND
from typorisk.match.readers import OVERLONG, open_log

from ..conftest import Ledger

HIT = "Jan  1 10:00:00 mx postfix/smtp[1]: A1A1A1A1A1: to=<a@pentagon.ml>, status=sent (ok)\n"


def match(capsys: pytest.CaptureFixture[str], *logs: str) -> tuple[int, str, str]:
    code = main(["match", "--target", "pentagon.mil", "--format", "jsonl", *logs])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")
def test_dev_zero_as_a_log_is_one_error_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, ledger: Ledger
) -> None:
    row = ledger.row("match: /dev/zero as a log (one line, the other logs read)")
    with row.case():
        (tmp_path / "maillog").write_text(HIT)
        started = time.monotonic()
        code, out, err = match(capsys, "/dev/zero", str(tmp_path / "maillog"))
        assert time.monotonic() - started < 10
        assert code == EXIT_FOUND and json.loads(out)["count"] == 1
        assert "/dev/zero:1: line is over 16,777,216 bytes; not a text file" in err


def test_over_long_line_is_delivered_as_garbage(tmp_path: Path) -> None:
    log = tmp_path / "maillog"
    log.write_bytes(b"a@b.c\n" + b"z" * 70_000 + b"\nlast")
    with open_log(str(log)) as reader:
        assert list(reader) == ["a@b.c", OVERLONG, "last"]
        assert reader.skipped == 1 and reader.lines == 3


def test_over_long_lines_are_counted_as_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "maillog"
    log.write_text(HIT + "x@" + "y" * 100_000 + "\n" + HIT)
    code, out, err = match(capsys, str(log))
    assert code == EXIT_FOUND and json.loads(out)["count"] == 2
    assert "1 garbage line(s) skipped" in err


@pytest.mark.parametrize(
    ("name", "damage", "reason"),
    [
        ("truncated", lambda d: d[: len(d) // 2], "truncated gzip"),
        ("junk after", lambda d: d + b"junk", "junk after the gzip stream"),
        ("bad checksum", lambda d: d[:-8] + bytes(8), "damaged gzip"),
    ],
)
def test_bad_gzip_log_keeps_earlier_lines(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ledger: Ledger,
    name: str,
    damage: object,
    reason: str,
) -> None:
    row = ledger.row(f"match: gzip log, {name} (lines before kept)")
    with row.case():
        log = tmp_path / "maillog.1.gz"
        log.write_bytes(damage(gzip.compress((HIT * 5000).encode())))  # type: ignore[operator]
        code, out, err = match(capsys, str(log))
        assert code == EXIT_FOUND and 0 < json.loads(out)["count"] <= 5000
        error = [line for line in err.splitlines() if "stopped reading" in line]
        assert len(error) == 1 and f"{log}: stopped reading: {reason}" in error[0]


def test_newline_flood_gzip_is_refused_in_seconds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    row = ledger.row("match: 2 MB gzip of newlines")
    with row.case():
        log = tmp_path / "flood.gz"
        packer = zlib.compressobj(9, wbits=31)
        with log.open("wb") as out:
            out.write(packer.compress(HIT.encode()))
            for _ in range(128):
                out.write(packer.compress(b"\n" * 2**24))
            out.write(packer.flush())
        assert log.stat().st_size < 2_500_000
        started = time.monotonic()
        code, out, err = match(capsys, str(log))
        assert time.monotonic() - started < 10
        assert code == EXIT_FOUND  # the hit before the flood is kept
        assert "over 200 times its size" in err
