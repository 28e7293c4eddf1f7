"""One exit-code table: the CLI docstring, ``typorisk --help`` and the scan guide show the same
codes, and ``main`` produces each of them with a one-line ``typorisk: error: ...`` message."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import typorisk.cli
from typorisk.cli import EXIT_CODES_TABLE, main

from ..conftest import Ledger

ROOT = Path(__file__).resolve().parents[2]
FEED = """feed: t
targets: [pentagon.mil]
scan: {top: 20}
outputs:
  - {format: jsonl, path: out/t.jsonl}
  - {format: rpz, path: out/t.rpz}
"""
PF = "Jan  3 10:00:00 mx postfix/smtp[1]: C3C3C3C3C3: to=<{rcpt}>, relay=x, status=sent (ok)\n"
FULL_DISK = """
import resource, signal, sys
from typorisk.cli import main
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))  # a disk that is full after 1 KiB
sys.exit(main(sys.argv[1:]))
"""


def table_codes(text: str) -> list[int]:
    """The codes in the first column of a Markdown table."""
    return [int(m[1]) for m in re.finditer(r"^\| *([0-9]+) *\|", text, re.MULTILINE)]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def dead_udp_port() -> int:
    """A UDP port on 127.0.0.1 with nothing behind it (bound, noted, closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_feed(tmp_path: Path) -> Path:
    path = tmp_path / "feed.yaml"
    path.write_text(FEED)
    return path


# -- one table -----------------------------------------------------------------------------------


def test_the_docstring_holds_the_table_of_every_code() -> None:
    assert typorisk.cli.__doc__ is not None and EXIT_CODES_TABLE in typorisk.cli.__doc__
    constants = {
        value
        for name, value in vars(typorisk.cli).items()
        if name.startswith("EXIT_") and isinstance(value, int)
    }
    codes = table_codes(EXIT_CODES_TABLE)
    assert codes == sorted(codes) and set(codes) == constants == {0, 1, 2, 3, 4, 5, 130}


def test_help_shows_the_same_codes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    epilog = out.split("exit codes:\n", 1)[1]
    shown = [int(line.split()[0]) for line in epilog.splitlines() if line.strip()]
    assert shown == table_codes(EXIT_CODES_TABLE)
    assert "  4  incomplete (a dead resolver" in epilog  # RawDescription: one line per code


def test_the_manual_lists_exactly_these_codes() -> None:
    readme = (ROOT / "docs" / "guide" / "scan.md").read_text(encoding="utf-8")
    heading = re.search(r"^#+ .*Exit codes.*$", readme, re.MULTILINE | re.IGNORECASE)
    assert heading is not None, "docs/guide/scan.md has no heading containing 'Exit codes'"
    section = readme[heading.end() :]
    assert EXIT_CODES_TABLE in section
    assert table_codes(section.split("\n#", 1)[0]) == table_codes(EXIT_CODES_TABLE)


# -- each code, from main ------------------------------------------------------------------------


def test_0_ok(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "permute", "pentagon.mil", "--top", "3", "--format", "list")
    assert code == 0 and len(out.splitlines()) == 3 and err == ""


def test_1_some_input_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "permute", "pentagon.mil", "bad..name", "--top", "3")
    assert code == 1 and len(out.splitlines()) == 3 and "bad..name" in err


def test_2_bad_flag_value_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "permute", "pentagon.mil", "--top", "ten")
    assert code == 2 and out == ""
    assert err == (
        "typorisk: error: permute: argument --top: invalid int value: 'ten' "
        "(see 'typorisk permute --help')\n"
    )


def test_2_configuration_error_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "scan", "example.com", "--nameserver", "dns.example")
    assert code == 2 and out == ""
    assert err.startswith("typorisk: error: ") and err.count("\n") == 1 and "IP address" in err


def test_3_findings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "maillog"
    log.write_text(PF.format(rcpt="x@pentagon.ml"))
    code, out, _ = run(capsys, "match", "--target", "pentagon.mil", str(log), "--format", "jsonl")
    assert code == 3 and "pentagon.ml" in out


def test_4_a_dead_resolver_is_one_line(capsys: pytest.CaptureFixture[str], ledger: Ledger) -> None:
    port = dead_udp_port()
    with ledger.row("dead resolver: scan exits 4 before the run, one line, no rows").case():
        code, out, err = run(
            capsys, "scan", "example.com", "--nameserver", f"127.0.0.1:{port}",
            "--timeout", "0.3", "--retries", "0",
        )  # fmt: skip
        assert code == 4 and out == ""
        assert err.startswith(f"typorisk: error: name server 127.0.0.1:{port} is not usable (")
        assert err.count("\n") == 1 and "replaced nothing" in err


def test_5_an_output_in_the_way_keeps_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = write_feed(tmp_path)
    assert main(["run", str(feed)]) == 0
    before = (tmp_path / "out/t.jsonl").read_text()
    rpz = tmp_path / "out/t.rpz"
    rpz.unlink()
    rpz.mkdir()
    capsys.readouterr()
    code, _, err = run(capsys, "run", str(feed))
    assert code == 5
    assert err == f"typorisk: error: cannot write {rpz}: a directory is in the way\n"
    assert (tmp_path / "out/t.jsonl").read_text() == before


def test_5_a_full_disk_is_one_line_and_keeps_the_previous_files(tmp_path: Path) -> None:
    feed = write_feed(tmp_path)
    assert main(["run", str(feed)]) == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    assert max(len(b) for b in before.values()) > 1024  # the limit below is hit
    proc = subprocess.run(
        [sys.executable, "-c", FULL_DISK, "run", str(feed)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 5, proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("typorisk: error: cannot write ")
    assert lines[0].endswith("the old file is kept") and "Traceback" not in proc.stderr
    assert {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()} == before


def test_5_a_full_standard_output_is_one_line() -> None:
    with open("/dev/full", "w") as full:  # every write: ENOSPC
        proc = subprocess.run(
            [sys.executable, "-m", "typorisk", "permute", "pentagon.mil", "--top", "3"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 5
    assert proc.stderr == "typorisk: error: cannot write standard output: No space left on device\n"


def test_130_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typorisk.cli.permute as permute_cli

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(permute_cli, "run", interrupted)
    code, _, err = run(capsys, "permute", "pentagon.mil")
    assert code == 130
    assert err == "typorisk: error: interrupted; partial results were flushed\n"


def test_a_bug_is_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only TyporiskError and write failures become exit codes: a bug keeps its traceback."""
    import typorisk.cli.permute as permute_cli

    def broken(args: object) -> int:
        raise ZeroDivisionError

    monkeypatch.setattr(permute_cli, "run", broken)
    with pytest.raises(ZeroDivisionError):
        main(["permute", "pentagon.mil"])


def test_the_table_is_markdown() -> None:
    lines = EXIT_CODES_TABLE.splitlines()
    assert lines[0] == "| Code | Meaning |" and lines[1] == "| ---: | --- |"
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines)
    assert textwrap.dedent(EXIT_CODES_TABLE) == EXIT_CODES_TABLE
