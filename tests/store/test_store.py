"""The SQLite history: runs, changes, diffs, crash safety and resume."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.errors import TyporiskError
from typorisk.store import Store, diff

from ..conftest import Ledger


def row(domain: str, **facts: object) -> dict[str, object]:
    base: dict[str, object] = {
        "target": "corp.com",
        "domain": domain,
        "likelihood": 1e-3,
        "registration": "unregistered",
        "mail": "none",
        "mx": [],
        "risk": 0.2,
    }
    base.update(facts)
    return base


RUN_1 = [
    row("crop.com"),
    row("corpp.com", registration="registered", mail="none", registrar="Reg A"),
    row("cporp.com", registration="registered", mail="mx", mx=["mx.a.example"], risk=0.6),
    row(
        "coro.com",
        registration="registered",
        mail="mx",
        mx=["mx.b.example"],
        smtp="rejects-unknown",
    ),
]
RUN_2 = [
    row("crop.com", registration="registered", mail="mx", mx=["mx.evil.example"], risk=0.8),
    row(
        "corpp.com",
        registration="registered",
        mail="mx",
        mx=["mx.c.example"],
        registrar="Reg B",
        risk=0.7,
    ),
    row("cporp.com"),
    row(
        "coro.com",
        registration="registered",
        mail="mx",
        mx=["mx.b.example"],
        smtp="accepts-any",
        risk=0.9,
    ),
]


def record(store: Store, rows: list[dict[str, object]], now: str) -> int:
    run_id = store.begin_run("corp", {"top": 10}, now=now)
    store.add(run_id, rows, now=now)
    store.finish_run(run_id, {"rows": len(rows)}, now=now)
    return run_id


def test_diff_groups_what_changed(tmp_path: Path) -> None:
    with Store(tmp_path / "h.db") as store:
        first = record(store, RUN_1, "2026-11-01T00:00:00+00:00")
        second = record(store, RUN_2, "2026-11-08T00:00:00+00:00")
        result = diff(store.observations(first), store.observations(second))
        assert [c.domain for c in result.new_registrations] == ["crop.com"]
        assert [c.domain for c in result.gone] == ["cporp.com"]
        assert {c.domain for c in result.new_mail} == {"corpp.com"}
        assert [(c.old, c.new) for c in result.owner_changes] == [("Reg A", "Reg B")]
        assert [(c.old, c.new) for c in result.smtp_changes] == [("rejects-unknown", "accepts-any")]
        assert {c.domain for c in result.risk_up} == {"crop.com", "corpp.com", "coro.com"}
        changes = store.conn.execute(
            "SELECT field FROM changes WHERE run_id = ? AND domain = 'crop.com'", (second,)
        ).fetchall()
        assert {c[0] for c in changes} >= {"registration", "mail", "mx", "risk"}
        seen = store.seen("crop.com")[0]
        assert seen["first_run"] == first and seen["last_run"] == second
        assert seen["registered_since"] == "2026-11-08T00:00:00+00:00"
        assert diff(store.observations(second), store.observations(second)).empty


def test_store_refuses_foreign_files_and_newer_schemas(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(TyporiskError, match="not a typorisk store"):
        Store(junk)
    newer = tmp_path / "newer.db"
    sqlite3.connect(newer).execute("PRAGMA user_version = 99").connection.close()
    with pytest.raises(TyporiskError, match="newer than this typorisk"):
        Store(newer)


WRITER = """
import sys, time
from typorisk.store import Store
store = Store(sys.argv[1])
run = store.begin_run("corp", {})
def rows():
    for i in range(10_000):
        if i == 2_500:
            print("ready", flush=True)
            time.sleep(60)  # killed here, mid-run, with batches committed
        yield {"target": "corp.com", "domain": f"c{i}.com", "likelihood": 0.001,
               "registration": "unregistered", "mail": "none"}
store.add(run, rows())
"""


def test_sigkill_mid_run_then_resume_loses_and_doubles_nothing(
    tmp_path: Path, ledger: Ledger
) -> None:
    db = tmp_path / "h.db"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    with Store(db) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        (run,) = store.runs()
        assert run.status == "incomplete"
        done = store.done(run.id)
        assert len(done) == 2000  # two whole batches, never a half batch
    source = tmp_path / "rows.jsonl"
    source.write_text(
        "".join(
            json.dumps(
                {
                    "target": "corp.com",
                    "domain": f"c{i}.com",
                    "likelihood": 0.001,
                    "registration": "unregistered",
                    "mail": "none",
                }
            )
            + "\n"
            for i in range(10_000)
        )
    )
    assert main(["record", str(source), "--db", str(db), "--feed", "corp", "--resume"]) == 0
    with Store(db) as store:
        (run,) = store.runs()
        assert run.status == "complete"
        count = store.conn.execute("SELECT count(*), count(DISTINCT domain) FROM observations")
        total, distinct = tuple(count.fetchone())
        stored = dict(
            store.conn.execute("SELECT domain, count(*) FROM observations GROUP BY domain")
        )
    row = ledger.row("process SIGKILLed mid-run, then --resume (rows)")
    expected = [f"c{i}.com" for i in range(10_000)]
    row.lose(sum(1 for domain in expected if domain not in stored))
    for domain in expected:  # each input row: stored exactly once
        with row.case():
            assert stored.get(domain) == 1, (domain, stored.get(domain))
    assert (total, distinct) == (10_000, 10_000)


def test_cli_record_history_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "h.db")
    for number, rows in enumerate((RUN_1, RUN_2), start=1):
        path = tmp_path / f"run{number}.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
        assert main(["record", str(path), "--db", db, "--feed", "corp"]) == 0
        time.sleep(0.01)
    capsys.readouterr()
    assert main(["diff", "--db", db, "--format", "jsonl"]) == 0
    changes = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert {(c["change"], c["domain"]) for c in changes} >= {
        ("new-registration", "crop.com"),
        ("gone", "cporp.com"),
        ("owner", "corpp.com"),
        ("smtp", "coro.com"),
    }
    assert main(["history", "crop.com", "--db", db, "--format", "jsonl"]) == 0
    history = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [h["registration"] for h in history] == ["unregistered", "registered"]
    assert main(["history", "nowhere.com", "--db", db]) == 1
    assert main(["diff", "--db", str(tmp_path / "missing.db")]) == 2
    assert "no store at" in capsys.readouterr().err
    assert main(["diff", "--list", "--db", db, "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("complete") == 2


def test_record_names_the_line_of_a_bad_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "scan.jsonl"
    path.write_text(json.dumps(RUN_1[0]) + "\n" + json.dumps({"domain": "x.com"}) + "\n")
    assert main(["record", str(path), "--db", str(tmp_path / "h.db")]) == 2
    assert f"{path}:2: the row has no target" in capsys.readouterr().err
