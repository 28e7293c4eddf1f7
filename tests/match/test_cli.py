"""``typorisk match`` in process: rotated sets, gzip, garbage, exit codes, formats."""

from __future__ import annotations

import gzip
import io
import json
import sys
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.cli.match import EXIT_FOUND
from typorisk.match import expand_rotated, rotation_order

from ..conftest import Ledger

PF = "postfix/smtp[1]: {qid}: to=<{rcpt}>, relay=x, dsn=2.0.0, status={status} (ok)\n"


def pf(day: int, qid: str, rcpt: str, status: str = "sent") -> str:
    return f"Jan {day:2d} 10:00:00 mx " + PF.format(qid=qid, rcpt=rcpt, status=status)


@pytest.fixture
def logs(tmp_path: Path) -> Path:
    (tmp_path / "maillog").write_text(
        pf(3, "C3C3C3C3C3", "x@pentagon.ml") + pf(3, "C4C4C4C4C4", "y@gmail.com")
    )
    (tmp_path / "maillog.1").write_text(pf(2, "B2B2B2B2B2", "x@pentagon.ml", "deferred"))
    with gzip.open(tmp_path / "maillog.2.gz", "wb") as out:
        out.write(pf(1, "A1A1A1A1A1", "z@pentagn.mil", "bounced").encode() + b"\x00\xff @ \xfe\n")
    (tmp_path / "maillog.old").write_text("not part of the set\n")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_rotated_set_is_read_oldest_first(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "match", "--target", "pentagon.mil", "--rotated", str(logs / "maillog"),
        "--format", "jsonl",
    )  # fmt: skip
    assert code == EXIT_FOUND
    rows = {r["domain"]: r for r in map(json.loads, out.splitlines())}
    assert set(rows) == {"pentagon.ml", "pentagn.mil"}
    ml = rows["pentagon.ml"]
    assert (ml["count"], ml["first_seen"], ml["last_seen"]) == (
        2,
        "Jan  2 10:00:00",
        "Jan  3 10:00:00",
    )
    assert ml["status"] == ["deferred:1", "sent:1"] and ml["queue_ids"] == [
        "B2B2B2B2B2",
        "C3C3C3C3C3",
    ]
    assert rows["pentagn.mil"]["status"] == ["bounced:1"]
    assert "3 file(s), 5 lines" in err and "1 garbage line(s) skipped" in err


def test_rotation_order_and_expansion(logs: Path) -> None:
    base = str(logs / "maillog")
    assert rotation_order([base, f"{base}.1", f"{base}.2.gz", "-"]) == [
        "-", f"{base}.2.gz", f"{base}.1", base,
    ]  # fmt: skip
    assert rotation_order(["m-20240108.gz", "m", "m-20240101"]) == [
        "m-20240101",
        "m-20240108.gz",
        "m",
    ]
    assert sorted(expand_rotated(base)) == sorted([base, f"{base}.1", f"{base}.2.gz"])


def test_nothing_found_exits_0(logs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "match", "--target", "army.mil", str(logs / "maillog"))
    assert code == 0 and out == ""


def test_missing_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "match", "--target", "army.mil", str(tmp_path / "nope.log"))
    assert code == 2 and out == ""
    assert err.strip().count("\n") == 0 and "nope.log" in err and "No such file" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["match", "x.log"],  # no targets
        ["match", "--target", "army.mil", "--max-distance", "7", "x.log"],
        ["match", "--target", "army.mil", "--roles", "bogus", "x.log"],
        ["match", "--target", "army.mil", "--top", "0", "x.log"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2 and err.startswith("typorisk: error:")


def test_truncated_gzip_keeps_earlier_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    data = gzip.compress((pf(1, "A1A1A1A1A1", "a@pentagon.ml") * 2000).encode())
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with ledger.row("match: truncated gzip log (lines before the cut kept)").case():
        code, out, err = run(capsys, "match", "--target", "pentagon.mil", str(tmp_path / "cut.gz"))
        assert code == EXIT_FOUND and "stopped reading" in err
        assert json.loads(out)["count"] > 0


def test_stdin_free_text_senders_only(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        pf(1, "A1A1A1A1A1", "a@pentagon.ml")
        + "Jan  1 10:00:00 mx postfix/qmgr[2]: A1A1A1A1A1: from=<b@pentagon.ml>, size=1\n"
    )
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    code, out, _ = run(
        capsys, "match", "--target", "pentagon.mil", "--roles", "sender", "-", "--format", "csv"
    )
    assert code == EXIT_FOUND
    assert out.splitlines()[1].startswith("pentagon.ml,pentagon.mil,candidate")
    assert ",sender:1," in out


def test_bad_target_is_reported_and_the_rest_runs(
    logs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "match", "--target", "foo_bar.com", "--target", "army.mil", str(logs / "maillog")
    )
    assert code == 1 and "skipped" in err and "foo_bar.com" in err


def test_feed_gives_targets_and_allowlist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text(
        "feed: mil\ntargets: [pentagon.mil, army.mil]\nallowlist: [army.ml]\n"
        "outputs: [{format: list, path: out.txt}]\n",
        encoding="utf-8",
    )
    log = tmp_path / "maillog"
    log.write_text(pf(1, "A1A1A1A1A1", "a@pentagon.ml") + pf(2, "B2B2B2B2B2", "b@army.ml"))
    code, out, _ = run(capsys, "match", "--feed", str(feed), str(log), "--format", "jsonl")
    domains = {json.loads(line)["domain"] for line in out.splitlines()}
    assert code == EXIT_FOUND and domains == {"pentagon.ml"}  # army.ml is allowlisted
    feed.write_text("feed: mil\ntargets: [bad_name.mil]\noutputs: []\n", encoding="utf-8")
    code, _, err = run(capsys, "match", "--feed", str(feed), str(log))
    assert code == 2 and "feed.yaml" in err
