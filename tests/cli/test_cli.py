"""The CLI, in process: formats, exit codes, errors on one line, bad lines skipped."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import yaml

from typorisk.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_jsonl_rows_carry_the_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "permute", "pentagon.mil", "--top", "10", "--format", "jsonl")
    assert code == 0 and err == ""
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 10
    assert {"target", "domain", "unicode", "kinds", "likelihood"} <= set(rows[0])
    assert "pentagon.ml" in [r["domain"] for r in rows]
    assert [r["likelihood"] for r in rows] == sorted((r["likelihood"] for r in rows), reverse=True)
    assert all(isinstance(r["kinds"], list) and r["kinds"] for r in rows)


@pytest.mark.parametrize("fmt", ["table", "csv", "list", "yaml", "jsonl"])
def test_every_format_lists_the_same_domains(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code, out, _ = run(capsys, "permute", "army.mil", "--top", "10", "--format", fmt)
    assert code == 0
    if fmt == "yaml":
        domains = [row["domain"] for row in yaml.safe_load(out)]
    elif fmt == "jsonl":
        domains = [json.loads(x)["domain"] for x in out.splitlines()]
    elif fmt == "list":
        domains = out.split()
    else:
        lines = out.splitlines()[1:]
        domains = [line.split(",")[1] if fmt == "csv" else line.split()[1] for line in lines]
    assert len(domains) == 10 and "army.ml" in domains


def test_bad_target_is_reported_and_the_rest_processed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(
        capsys, "permute", "army.mil", "bad_name.mil", "--top", "3", "--format", "list"
    )
    assert code == 1
    assert len(out.split()) == 3
    assert "invalid target 'bad_name.mil'" in err and "'_' is not allowed" in err


def test_targets_from_a_file_and_stdin(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = tmp_path / "targets.txt"
    listing.write_text("# protected\narmy.mil\n\nnavy.mil\n", encoding="utf-8")
    code, out, _ = run(capsys, "permute", "--file", str(listing), "--top", "2", "--format", "csv")
    assert code == 0 and len(out.splitlines()) == 1 + 4
    monkeypatch.setattr(sys, "stdin", io.StringIO("pentagon.mil\n"))
    code, out, _ = run(capsys, "permute", "--file", "-", "--top", "1", "--format", "list")
    assert code == 0 and out.split() == [out.split()[0]] and out.strip().endswith(".mil")


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["permute"], "no targets"),
        (["permute", "army.mil", "--kinds", "nope"], "unknown typo kind 'nope'"),
        (["permute", "army.mil", "--top", "0"], "--top"),
        (["permute", "army.mil", "--param", "sigma"], "NAME=VALUE"),
        (["permute", "army.mil", "--param", "nope=1"], "unknown model parameter"),
        (["permute", "army.mil", "--file", "/nonexistent/targets"], "cannot read"),
        (["permute", "army.mil", "--min-likelihood", "3"], "[0, 1]"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert needle in err and err.count("\n") == 1


def test_words_file_is_validated(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("login\nsecure\nbad word\n", encoding="utf-8")
    code, _, err = run(capsys, "permute", "paypal.com", "--words", str(words))
    assert code == 2 and f"{words}:3" in err
    words.write_text("login\n", encoding="utf-8")
    code, out, _ = run(
        capsys,
        "permute",
        "paypal.com",
        "--words",
        str(words),
        "--kinds",
        "combosquat",
        "--format",
        "list",
    )
    assert code == 0 and "paypal-login.com" in out.split()


def test_list_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "permute", "--list-kinds")
    assert code == 0 and "suffix-omission" in out and "groups:" in out


def test_module_entry_point_runs() -> None:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "typorisk", "permute", "army.mil", "--top", "1", "--format", "list"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout.strip().endswith(".mil")
