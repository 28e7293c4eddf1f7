"""Target files: ``#`` comments after a target and blank lines are fine, a binary file is
refused in one line (``file:line: not text``), and an empty target list is an error (exit 2)
in every command that takes targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typorisk.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_comments_after_a_target_and_blank_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "targets.txt"
    targets.write_text("# protected\n\narmy.mil  # our mail\n\t\nnavy.mil\t# theirs\n\n")
    code, out, err = run(
        capsys, "permute", "--file", str(targets), "--top", "3", "--format", "jsonl"
    )
    assert code == 0, err
    assert {json.loads(line)["target"] for line in out.splitlines()} == {"army.mil", "navy.mil"}


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"army.mil\n\x7fELF\x02\x01\x01\x00\x00\x00binary\nnavy.mil\n", "NUL byte"),
        ("army.mil\nm\u00fcnchen.de\n".encode("latin-1"), "not UTF-8"),
    ],
)
@pytest.mark.parametrize("command", ["permute", "scan", "match"])
def test_binary_input_is_refused_in_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    ledger,
    content: bytes,
    why: str,
    command: str,
) -> None:
    path = tmp_path / "targets.bin"
    path.write_bytes(content)
    extra = {"permute": [], "scan": ["--no-resolve"], "match": [str(tmp_path / "empty.log")]}
    (tmp_path / "empty.log").write_text("")
    with ledger.row("target file: binary or not UTF-8").case():
        code, out, err = run(capsys, command, "--file", str(path), *extra[command])
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and f"{path}:2: not text" in err and why in err, err


def test_a_real_binary_file_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    ls = Path("/bin/ls")
    if not ls.exists():
        pytest.skip("no /bin/ls")
    code, out, err = run(capsys, "permute", "--file", str(ls))
    assert code == 2 and out == "" and err.count("\n") == 1 and "not text" in err, err[:300]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n   \n"])
@pytest.mark.parametrize("command", ["permute", "scan", "match"])
def test_an_empty_target_list_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, command: str
) -> None:
    path = tmp_path / "targets.txt"
    path.write_text(text)
    extra = {"permute": [], "scan": ["--no-resolve"], "match": [str(tmp_path / "empty.log")]}
    (tmp_path / "empty.log").write_text("")
    code, out, err = run(capsys, command, "--file", str(path), *extra[command])
    assert code == 2 and out == "", (out, err)
    assert "no targets" in err or "no valid protected domain" in err, err
