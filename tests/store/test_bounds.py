"""The store under concurrency, a full disk and wrongly typed rows: real processes, real files."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from typorisk.errors import TyporiskError
from typorisk.store import Store, row_problem
from typorisk.store.schema import MIGRATIONS

from ..conftest import Ledger, ledger_row

ROWS = 300
AT_ONCE = """
import os, sys, time
from typorisk.cli import main
while not os.path.exists(sys.argv[1]):
    time.sleep(0.001)
sys.exit(main(sys.argv[2:]))
"""
FULL_DISK = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (int(sys.argv[1]),) * 2)
from typorisk.cli import main
sys.exit(main(sys.argv[2:]))
"""


def rows_file(path: Path, prefix: str, count: int = ROWS) -> Path:
    with path.open("w") as out:
        for i in range(count):
            row = {"target": "corp.com", "domain": f"{prefix}{i}.com", "likelihood": 0.01}
            out.write(json.dumps(row) + "\n")
    return path


def test_two_processes_create_one_fresh_store(tmp_path: Path, ledger: Ledger) -> None:
    row = ledger.row("store: two record processes create one fresh database at once")
    for trial in range(4):
        with row.case():
            db, go = tmp_path / f"h{trial}.db", tmp_path / f"go{trial}"
            inputs = [rows_file(tmp_path / f"r{trial}{k}.jsonl", f"p{k}x") for k in range(2)]
            procs = [
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        AT_ONCE,
                        str(go),
                        "record",
                        "--db",
                        str(db),
                        "--feed",
                        f"feed{k}",
                        str(inputs[k]),
                    ],
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for k in range(2)
            ]
            time.sleep(1.0)  # both have imported typorisk and wait for the start signal
            go.touch()
            results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
            assert [code for code, _ in results] == [0, 0], results
            with sqlite3.connect(db) as conn:
                counts = conn.execute(
                    "SELECT feed, count(*) FROM observations JOIN runs ON runs.id = run_id "
                    "GROUP BY feed ORDER BY feed"
                ).fetchall()
                version = conn.execute("PRAGMA user_version").fetchone()[0]
            assert counts == [("feed0", ROWS), ("feed1", ROWS)] and version == len(MIGRATIONS)


def test_full_disk_during_record_is_one_line_and_keeps_earlier_runs(
    tmp_path: Path, ledger: Ledger
) -> None:
    row = ledger.row("store: disk full during record (RLIMIT_FSIZE)")
    db = tmp_path / "h.db"
    assert subprocess.run(
        [sys.executable, "-m", "typorisk", "record", "--db", str(db), "--feed", "f",
         str(rows_file(tmp_path / "small.jsonl", "s", 10))],
        check=False,
    ).returncode == 0  # fmt: skip
    big = rows_file(tmp_path / "big.jsonl", "b", 5000)
    with row.case():
        limit = db.stat().st_size + 64 * 1024
        proc = subprocess.run(
            [sys.executable, "-c", FULL_DISK, str(limit), "record", "--db", str(db), "--feed",
             "f", str(big)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )  # fmt: skip
        assert proc.returncode == 5 and "Traceback" not in proc.stderr
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(
            f"typorisk: error: cannot write the store {db}"
        )
        assert "recorded before are kept" in lines[0]
        with Store(db) as store:
            runs = store.runs()
            assert runs[0].status == "complete" and len(store.observations(runs[0].id)) == 10
            assert len(runs) == 2 and runs[1].status == "incomplete"
            assert len(store.observations(runs[1].id)) % 1000 == 0  # whole batches only


WRONG_TYPES = ledger_row("store: a row with a wrongly typed field (named, with its value)")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("likelihood", "high", "likelihood: expected a number in [0, 1], got 'high'"),
        ("likelihood", True, "likelihood: expected a number in [0, 1], got True"),
        ("likelihood", 7, "likelihood: expected a number in [0, 1], got 7"),
        ("mx", 5, "mx: expected a list of strings, got 5"),
        ("mx", [1, 2], "mx: expected a list of strings, got [1, 2]"),
        ("mx", {"a": 1}, "mx: expected a list of strings, got {'a': 1}"),
        ("risk", "0.5", "risk: expected a number in [0, 1], got '0.5'"),
        ("registration", 1, "registration: expected a string or null, got 1"),
        ("registrar", ["x"], "registrar: expected a string or null, got ['x']"),
        ("smtp", {}, "smtp: expected a string or null, got {}"),
        ("target", 5, "target: expected a non-empty string, got 5"),
        ("domain", "", "domain: expected a non-empty string, got ''"),
    ],
)
def test_wrongly_typed_fields(field: str, value: object, expected: str) -> None:
    row: dict[str, object] = {"target": "corp.com", "domain": "c0rp.com", field: value}
    with WRONG_TYPES.case():
        assert row_problem(row) == expected


@pytest.mark.parametrize(
    "good",
    [
        {"likelihood": 0.5, "mx": ["mx.c0rp.com"], "risk": 0.9, "smtp": "accept"},
        {"likelihood": None, "mx": None, "risk": None, "registrar": None},
        {"likelihood": 0, "mx": ["mx.c0rp.com"], "registration": "registered"},
    ],
)
def test_well_typed_rows_pass(good: dict[str, object]) -> None:
    assert row_problem({"target": "corp.com", "domain": "c0rp.com", **good}) is None


def test_store_add_refuses_a_bad_row_and_keeps_earlier_batches(
    tmp_path: Path, ledger: Ledger
) -> None:
    row = ledger.row("store: a wrongly typed row after 1,000 good ones (they are kept)")
    with row.case(), Store(tmp_path / "h.db") as store:
        run = store.begin_run("f", {})
        rows = [{"target": "corp.com", "domain": f"d{i}.com"} for i in range(1000)]
        rows.append({"target": "corp.com", "domain": "bad.com", "likelihood": "high"})
        with pytest.raises(TyporiskError, match=r"'bad\.com': likelihood: expected a number"):
            store.add(run, rows)
        assert len(store.done(run)) == 1000


def test_a_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(TyporiskError, match="it is a directory; give a file"):
        Store(tmp_path)
