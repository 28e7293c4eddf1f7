"""What people see: rich progress on a terminal (total, rate, time left; silent otherwise),
tables with wrapped columns, and ``scan --registered-only``; against a real NSD."""

from __future__ import annotations

import io
import json
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.resolve.servers import free_port, nsd, require
from typorisk.cli import main
from typorisk.writers import write_rows

ROOT_ZONE = """\
$ORIGIN .
$TTL 60
. SOA ns. h. 1 3600 600 86400 60
. NS ns.
ns A 127.0.0.1
army.mil. MX 10 mail.army.mil.
mail.army.mil. A 192.0.2.2
amy.mil. MX 10 mx1.collector.example.
amy.mil. A 192.0.2.66
arm.mil. MX 10 mx1.collector.example.
ary.mil. A 192.0.2.66
"""
REGISTERED = {"amy.mil", "arm.mil", "ary.mil"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("nsd")
    with nsd(tmp_path_factory.mktemp("term"), {".": ROOT_ZONE}, port=free_port()) as (h, p):
        yield f"{h}:{p}"


def dns(server: str) -> list[str]:
    return ["--nameserver", server, "--timeout", "1", "--retries", "0", "--max-unknown", "1"]


def read_terminal(master: int, process: subprocess.Popen[bytes]) -> tuple[int, str]:
    """Everything ``process`` writes to the pseudo-terminal ``master`` until it closes it (no
    output for 30 s kills it and fails), and its exit code; ``master`` is closed."""
    seen = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            process.kill()
            raise AssertionError("no output for 30 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    return process.wait(timeout=30), seen.decode("utf-8", "replace")


def run_on_a_terminal(argv: list[str], out: Path) -> tuple[int, str]:
    """Run the console script with stderr on a pseudo-terminal (80 columns) and stdout to
    ``out``; returns (exit code, everything the terminal received)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "80", "TERM": "xterm"}
    with out.open("wb") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "typorisk", *argv], stdout=stdout, stderr=slave, env=env
        )
    os.close(slave)
    return read_terminal(master, process)


def test_progress_on_a_terminal_shows_total_rate_and_time_left(server: str, tmp_path: Path) -> None:
    out = tmp_path / "rows.jsonl"
    argv = ["scan", "army.mil", "--top", "60", "--format", "jsonl", "--rate", "40", *dns(server)]
    code, terminal = run_on_a_terminal(argv, out)
    assert code == 0, terminal
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 60
    assert "/60" in terminal  # the total is known and shown (M/N)
    assert "names/s" in terminal and "left" in terminal
    assert "run complete: 60 names" in terminal
    frames = [f for f in terminal.replace("\r", "\n").splitlines() if "left" in f]
    print("\nlast progress frame:", frames[-1].strip())  # pytest -s shows it


def test_progress_is_silent_when_stderr_is_not_a_terminal(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["scan", "army.mil", "--top", "20", "--format", "jsonl", *dns(server)]) == 0
    err = capsys.readouterr().err
    assert "names/s" in err  # the statistics line
    assert "\r" not in err and "\x1b" not in err and "left" not in err


def test_registered_only_writes_only_registered_rows_ranked_on_everything(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["scan", "army.mil", "--top", "30", "--format", "jsonl", *dns(server)]
    assert main(argv) == 0
    every = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert main([*argv, "--registered-only"]) == 0
    only = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {r["domain"] for r in only} == REGISTERED
    assert all(r["registration"] == "registered" for r in only)
    by_domain = {r["domain"]: r for r in every}
    assert [r["risk"] for r in only] == [by_domain[r["domain"]]["risk"] for r in only]
    assert main(["scan", "army.mil", "--no-resolve", "--registered-only"]) == 2
    assert "--registered-only needs DNS" in capsys.readouterr().err


def test_tables_wrap_long_cells_within_the_width() -> None:
    reasons = [f"reason {i} with [brackets] that rich must not read as markup" for i in range(6)]
    rows = [{"domain": f"typo{i}.example", "risk": 0.5, "reasons": reasons} for i in range(450)]
    out = io.StringIO()
    os.environ["COLUMNS"] = "100"
    try:
        assert write_rows(rows, "table", out, ("domain", "risk", "reasons")) == 450
    finally:
        del os.environ["COLUMNS"]
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["DOMAIN", "RISK", "REASONS"]
    assert sum(1 for line in lines if line.startswith("DOMAIN")) == 1  # one header, 3 blocks
    assert max(len(line) for line in lines) <= 100
    assert all(line == line.rstrip() for line in lines)
    text = out.getvalue()
    assert text.count("[brackets]") == 450 * 6  # brackets kept as text, never markup
    domain_lines = [line for line in lines if line.startswith("typo")]
    assert len(domain_lines) == 450
    starts = {line.index("0.5000") for line in domain_lines}
    assert len(starts) == 1  # every block aligned with the first one's widths


def run_all_on_a_terminal(argv: list[str]) -> tuple[int, str]:
    """Run the console script with stdout and stderr on one pseudo-terminal (100 columns);
    returns (exit code, everything the terminal received)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm"}
    process = subprocess.Popen(
        [sys.executable, "-m", "typorisk", *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    return read_terminal(master, process)


def screen(received: str) -> list[str]:
    """What a terminal shows after ``received``: a small emulator of what rich and the table
    writer send (text, CR, LF, cursor up ``ESC[nA``, erase line ``ESC[2K``; other escape
    sequences, colours and cursor visibility, change nothing on screen)."""
    import re

    lines = [""]
    row = col = 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|\r\n|\r|\n|[^\x1b\r\n]+", received):
        if token in ("\n", "\r\n"):
            row += 1
            col = 0
            if row == len(lines):
                lines.append("")
        elif token == "\r":
            col = 0
        elif token.startswith("\x1b["):
            if token.endswith("A"):
                row = max(0, row - int(token[2:-1] or 1))
            elif token == "\x1b[2K":
                lines[row] = ""
        else:
            line = lines[row].ljust(col)
            lines[row] = line[:col] + token + line[col + len(token) :]
            col += len(token)
    return lines


def test_progress_ends_cleanly_before_a_table_on_the_same_terminal(server: str) -> None:
    """The last progress frame is erased and the table header starts its own line (the bar
    used to end '...left 0:00:00TARGET  DOMAIN  RISK' and erase the table's last row)."""
    argv = ["scan", "army.mil", "--top", "60", "--format", "table", "--rate", "40", *dns(server)]
    code, received = run_all_on_a_terminal(argv)
    assert code == 0, received
    assert "names/s" in received  # progress was drawn
    shown = screen(received)
    assert not [line for line in shown if "left" in line and "names/s" in line], shown
    header = [line for line in shown if "DOMAIN" in line and "RISK" in line]
    assert len(header) == 1 and header[0].startswith("TARGET"), shown
    assert any(line.startswith("typorisk: run complete: 60 names") for line in shown)
    table = shown[shown.index(header[0]) + 1 :]
    assert sum(1 for line in table if line.startswith("army.mil ")) == 60, shown
