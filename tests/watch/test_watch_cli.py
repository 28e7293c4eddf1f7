"""``typorisk watch nrd|zone`` in process: rows, the alert line, exit codes, bad input."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from typorisk.cli import (
    EXIT_FINDINGS,
    EXIT_INCOMPLETE,
    EXIT_OK,
    EXIT_REJECTED,
    EXIT_USAGE,
    main,
)

from ..conftest import Ledger
from .test_watch_lists import zone


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_nrd_new_hits_alert_then_nothing_new(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    lists = tmp_path / "nrd"
    lists.mkdir()
    (lists / "1.txt").write_text("weather.com\npaypa1.com\nsecure-paypal.com\n")
    argv = ["watch", "nrd", str(lists), "--target", "paypal.com", "--db",
            str(tmp_path / "w.db"), "--top", "50", "--format", "jsonl"]  # fmt: skip
    code, out, err = run(capsys, *argv)
    assert code == EXIT_FINDINGS
    rows = [json.loads(line) for line in out.splitlines()]
    assert {(r["domain"], r["rule"]) for r in rows} == {
        ("paypa1.com", "skeleton"),  # 1 → l (not in the top 50 candidates)
        ("secure-paypal.com", "combo"),
    }
    assert "ALERT: 2 new look-alike(s) (skeleton 1, combo 1)" in err
    assert "Traceback" not in err
    assert len(list(tmp_path.glob("typorisk-candidates-*.json"))) == 1  # beside the store
    code, out, err = run(capsys, *argv)
    assert (code, out) == (EXIT_OK, "")
    assert "1 unchanged, not read again" in err


def test_nrd_bad_input_is_one_line_each_and_exit_1(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("weather.com\nnot a name\n")
    (tmp_path / "b.zip").write_bytes(b"PK\x03\x04 broken")
    argv = ["watch", "nrd", str(tmp_path / "a.txt"), "--target", "paypal.com", "--db",
            str(tmp_path / "w.db"), "--top", "20"]  # fmt: skip
    code, _, err = run(capsys, *argv)
    assert code == EXIT_REJECTED
    assert "1 malformed line(s) skipped" in err
    code, _, err = run(capsys, *argv[:3], str(tmp_path / "b.zip"), *argv[3:])
    assert code == EXIT_INCOMPLETE  # a file not read to its end: that source failed
    assert "broken zip" in err and "INCOMPLETE: 1 source(s) failed" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "watch", "nrd", str(tmp_path / "missing"), "--target", "x.com",
                       "--db", str(tmp_path / "w.db"))  # fmt: skip
    assert code == EXIT_USAGE and "no such file" in err
    code, _, err = run(capsys, "watch", "nrd", str(tmp_path / "a.txt"), "--db", "x.db")
    assert code == EXIT_USAGE and "no protected domains" in err


def test_zone_diff_cli(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    old, new = tmp_path / "1.zone", tmp_path / "2.zone.gz"
    old.write_text(zone(["a.com", "b.com"]))
    new.write_bytes(gzip.compress(zone(["a.com", "b.com", "paypal-login.com"]).encode()))
    argv = ["watch", "zone", str(old), str(new), "--target", "paypal.com", "--db",
            str(tmp_path / "w.db"), "--top", "20", "--format", "csv"]  # fmt: skip
    code, out, err = run(capsys, *argv)
    assert code == EXIT_FINDINGS
    assert "paypal-login.com,paypal.com,combo" in out
    assert "1 names added to the zone" in err
    assert run(capsys, *argv)[0] == EXIT_OK
    bad = tmp_path / "3.zone.gz"
    bad.write_bytes(gzip.compress(zone([f"n{i}.com" for i in range(9000)]).encode())[:3000])
    code, _, err = run(capsys, "watch", "zone", str(old), str(bad), "--target", "paypal.com",
                       "--db", str(tmp_path / "w.db"))  # fmt: skip
    assert code == EXIT_INCOMPLETE and "truncated gzip" in err and "Traceback" not in err
    assert "INCOMPLETE: 1 source(s) failed" in err


def test_one_damaged_nrd_file_is_that_files_error_the_others_hits_stay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    good = tmp_path / "1.txt"
    good.write_text("weather.com\nsecure-paypal.com\n")
    cut = tmp_path / "2.txt.gz"
    whole = gzip.compress(b"".join(b"n%d.example.org\n" % i for i in range(50_000)) +
                          b"paypal-login.net\n")  # fmt: skip
    cut.write_bytes(whole[: len(whole) // 2])
    argv = ["watch", "nrd", str(good), str(cut), "--target", "paypal.com", "--db",
            str(tmp_path / "w.db"), "--top", "20", "--format", "jsonl"]  # fmt: skip
    with ledger.row("watch nrd: one truncated gzip list beside a good one").case():
        code, out, err = run(capsys, *argv)
        assert code == EXIT_INCOMPLETE, err
        assert {json.loads(line)["domain"] for line in out.splitlines()} == {"secure-paypal.com"}
        assert "ALERT: 1 new look-alike(s)" in err and "2.txt.gz" in err
        cut.write_bytes(whole)  # downloaded again: the file was not marked read, so it is read
        code, out, err = run(capsys, *argv)
        assert code == EXIT_FINDINGS, err
        assert {json.loads(line)["domain"] for line in out.splitlines()} == {"paypal-login.net"}
        assert "1 unchanged, not read again" in err


def test_a_damaged_zone_is_that_sources_error_and_its_pair_not_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    old, new = tmp_path / "1.zone", tmp_path / "2.zone.gz"
    old.write_text(zone(["a.com"]))
    whole = gzip.compress(zone(["a.com", *(f"n{i}.com" for i in range(9000)),
                                "paypal-login.com"]).encode())  # fmt: skip
    argv = ["watch", "zone", str(old), str(new), "--target", "paypal.com", "--db",
            str(tmp_path / "w.db"), "--top", "20", "--format", "csv"]  # fmt: skip
    with ledger.row("watch zone: the newer zone file truncated").case():
        new.write_bytes(whole[:3000])
        code, out, err = run(capsys, *argv)
        assert code == EXIT_INCOMPLETE and "truncated gzip" in err
        assert "paypal-login.com" not in out  # nothing decided from a partial zone
        new.write_bytes(whole)  # downloaded again: the pair is matched now
        code, out, err = run(capsys, *argv)
        assert code == EXIT_FINDINGS and "paypal-login.com,paypal.com,combo" in out
