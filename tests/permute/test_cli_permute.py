"""`typorisk permute` flags of issue 17: repeatable --words, --tld, --two-edit-top, list."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.feeds.spec import load_feed
from typorisk.parse.established import load_top_sites
from typorisk.parse.targets import parse_target
from typorisk.pipeline.core import ScanTarget, candidates


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


def test_list_output_is_the_block_column(capsys: pytest.CaptureFixture[str]) -> None:
    """``--format list`` is a blocklist (EDL): the name to block of each row, established
    domains of other organisations left out (``mail.com`` for ``gmail.com``)."""
    argv = ["permute", "gmail.com", "us.corp.com", "--top", "40"]
    _, listed, _ = run(capsys, *argv, "--format", "list")
    _, lines, _ = run(capsys, *argv, "--format", "jsonl")
    rows = [json.loads(x) for x in lines.splitlines()]
    top = load_top_sites()
    kept = [r["block"] for r in rows if r["block"] != r["domain"] or not top.rank(r["domain"])]
    assert listed.splitlines() == kept
    assert "mail.com" in {r["domain"] for r in rows} and "mail.com" not in listed.splitlines()


def test_extra_dot_fqdn_in_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "permute", "gmail.com", "--format", "jsonl")
    mail = next(json.loads(x) for x in out.splitlines() if '"domain":"mail.com"' in x)
    assert mail["fqdn"] == "g.mail.com" and mail["domain"] == "mail.com"


def test_a_feed_turns_two_edit_typos_on_with_its_key(tmp_path: Path) -> None:

    words = tmp_path / "words.txt"
    words.write_text("login\n", encoding="utf-8")
    feed = tmp_path / "feed.yaml"
    feed.write_text(
        "feed: t\ntargets: [google.com]\noutputs: [{format: list, path: out.txt}]\n"
        f"scan: {{resolve: false, top: 400, two_edit_top: 6, tld: all, words: [{words}]}}\n",
        encoding="utf-8",
    )
    options = load_feed(feed).options
    assert (options.two_edit_top, options.tld) == (6, "all")
    found = list(candidates([ScanTarget(parse_target("google.com"))], options))
    kinds = [c.kinds for c in found]
    assert sum(k == ("two-edit",) for k in kinds) == 6
    assert {c.domain for c in found} >= {"google.net", "goge.com"}
    assert options.words == (words,)
    everything = dataclasses.replace(options, top=None, two_edit_top=0)
    found = list(candidates([ScanTarget(parse_target("google.com"))], everything))
    kinds = [c.kinds for c in found]
    assert ("combosquat",) in kinds and ("two-edit",) not in kinds
    assert "google.shop" in {c.domain for c in found}
