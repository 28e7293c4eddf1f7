"""One exit code per kind of failure, and help that tells what the commands do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typorisk.cli import EXIT_USAGE, main


def test_validate_and_run_give_the_same_code_for_an_invalid_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text("feed: x\ntargets: [army.mil]\noutputs: [{format: nope, path: a}]\n")
    assert main(["validate", str(feed)]) == EXIT_USAGE
    assert main(["run", str(feed)]) == EXIT_USAGE
    assert "outputs[0].format" in capsys.readouterr().out


def test_list_kinds_says_when_two_edit_typos_come(capsys: pytest.CaptureFixture[str]) -> None:
    """permute --top N adds two-edit typos without --words: --list-kinds says so."""
    assert main(["permute", "--list-kinds"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("two-edit "))
    assert "--words" not in line and "--top" in line and "--two-edit-top" in line
    assert main(["permute", "pentagon.mil", "--top", "2000", "--format", "jsonl"]) == 0
    kinds = [json.loads(x)["kinds"] for x in capsys.readouterr().out.splitlines()]
    assert any("two-edit" in k for k in kinds)
    assert main(["permute", "pentagon.mil", "--top", "2000", "--two-edit-top", "0"]) == 0
    assert "two-edit" not in capsys.readouterr().out


@pytest.mark.parametrize("flag", ["--kind", "--kinds"])
@pytest.mark.parametrize("command", ["permute", "scan"])
def test_both_spellings_of_kind_work_on_both_commands(
    command: str, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--no-resolve"] if command == "scan" else []
    code = main([command, "pentagon.mil", flag, "suffix", "--format", "jsonl", *extra])
    out, err = capsys.readouterr()
    assert code == 0, err
    kinds = {k for line in out.splitlines() for k in json.loads(line)["kinds"]}
    assert kinds and all("suffix" in k or k == "second-level" for k in kinds), kinds
