"""`typorisk permute` flags of issue 17: repeatable --words, --tld, --two-edit-top, list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typorisk.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_words_files_add_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.txt").write_text("login\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("# more\nsecure\nlogin\n", encoding="utf-8")
    args = ["permute", "paypal.com", "--kinds", "combosquat", "--format", "list"]
    code, out, _ = run(capsys, *args, "--words", str(tmp_path / "a.txt"),
                       "--words", str(tmp_path / "b.txt"))  # fmt: skip
    names = out.split()
    assert code == 0
    assert {"paypal-login.com", "paypal-secure.com", "securepaypal.com"} <= set(names)
    assert len(names) == len(set(names)) == 8  # 2 words x 4 joins, login once


def test_tld_file_and_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "tlds.txt"
    listing.write_text("shop\nxyz 0.5\n", encoding="utf-8")
    args = ["permute", "example.com", "--kinds", "suffix-swap", "--format", "list"]
    code, out, _ = run(capsys, *args, "--tld", str(listing))
    assert code == 0 and out.split() == ["example.shop", "example.xyz"]
    code, out, _ = run(capsys, *args, "--tld", "all")
    assert code == 0 and len(out.split()) > 1000
    listing.write_text("shop\nnope\n", encoding="utf-8")
    code, _, err = run(capsys, *args, "--tld", str(listing))
    assert code != 0 and f"{listing}:2: 'nope' is not a public suffix" in err


def test_two_edit_top(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "permute", "google.com", "--two-edit-top", "7", "--format", "jsonl")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and sum(r["kinds"] == ["two-edit"] for r in rows) == 7
    code, _, err = run(capsys, "permute", "google.com", "--two-edit-top", "-1")
    assert code != 0 and "--two-edit-top" in err


def test_list_output_is_the_domain_column(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["permute", "gmail.com", "us.corp.com", "--top", "40"]
    _, listed, _ = run(capsys, *argv, "--format", "list")
    _, lines, _ = run(capsys, *argv, "--format", "jsonl")
    assert listed.splitlines() == [json.loads(x)["domain"] for x in lines.splitlines()]


def test_extra_dot_fqdn_in_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "permute", "gmail.com", "--format", "jsonl")
    mail = next(json.loads(x) for x in out.splitlines() if '"domain":"mail.com"' in x)
    assert mail["fqdn"] == "g.mail.com" and mail["domain"] == "mail.com"
