"""Every example in examples/ is executed or validated by the tool that consumes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from typorisk.demo.world import TARGETS

from .demo.served import Ports, env, served

ROOT = Path(__file__).resolve().parents[1]
WEEKLY = ROOT / "examples" / "weekly"


def test_library_example_runs() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "library.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "riskiest: pentagon.ml" in proc.stdout and "suffix typo mil→ml" in proc.stdout


CRON_TYPORISK = "/opt/typorisk/.venv/bin/typorisk"


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing (apt-get install systemd)")
        pytest.skip("systemd-analyze is missing")
    for unit in ("typorisk-weekly.service", "typorisk-weekly.timer"):
        text = (WEEKLY / unit).read_text()
        # the unit's paths are where an install puts them; point them at this checkout
        text = text.replace(CRON_TYPORISK, str(Path(sys.executable).with_name("typorisk")))
        (tmp_path / unit).write_text(text)
    proc = subprocess.run(
        [
            analyze,
            "verify",
            str(tmp_path / "typorisk-weekly.service"),
            str(tmp_path / "typorisk-weekly.timer"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def cron_command() -> str:
    """The command of the one cron line (after the five time fields and the user)."""
    lines = [
        line
        for line in (WEEKLY / "typorisk.cron").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    (entry,) = lines
    fields = entry.split(maxsplit=6)
    assert fields[:6] == ["0", "6", "*", "*", "1", "typorisk"]
    return fields[6]


def test_cron_line_is_one_typorisk_run() -> None:
    command = cron_command()
    assert command.startswith(f"{CRON_TYPORISK} run /etc/typorisk/weekly.yaml --db ")
    assert "--review /var/lib/typorisk/review" in command and "%" not in command


def weekly_feed(tmp: Path, scan: dict[str, object]) -> Path:
    """examples/weekly/weekly.yaml with the demo world's targets and scan settings, writing
    under ``tmp`` instead of /var/lib/typorisk."""
    text = (WEEKLY / "weekly.yaml").read_text().replace("/var/lib/typorisk", str(tmp / "state"))
    feed = yaml.safe_load(text)
    feed["targets"] = list(TARGETS)
    feed["scan"] = {**feed["scan"], **scan}
    feed["scan"]["resolve"] = {**feed["scan"]["resolve"], **scan["resolve"]}  # type: ignore[dict-item]
    feed["scan"]["registration"] = {**feed["scan"]["registration"], **scan["registration"]}  # type: ignore[dict-item]
    path = tmp / "weekly.yaml"
    path.write_text(yaml.safe_dump(feed, sort_keys=False))
    return path


def run_cron_line(tmp: Path) -> subprocess.CompletedProcess[str]:
    """The cron line's command, as cron runs it (``sh -c``), on this checkout and ``tmp``."""
    wrapper = tmp / "typorisk"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m typorisk "$@"\n')
    wrapper.chmod(0o755)
    (tmp / "state").mkdir(exist_ok=True)
    command = (
        cron_command()
        .replace(CRON_TYPORISK, str(wrapper))
        .replace("/etc/typorisk/weekly.yaml", str(tmp / "weekly.yaml"))
        .replace("/var/lib/typorisk", str(tmp / "state"))
    )
    return subprocess.run(
        ["/bin/sh", "-c", f"{command}; echo exit=$?"],
        env=env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def runs_of(db: Path) -> list[tuple[int, str]]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT id, status FROM runs ORDER BY id"))


def test_weekly_cron_line_against_the_demo_world(tmp_path: Path) -> None:
    """The cron line run in week 1 and week 2 of the served world: two runs in the store,
    a review, exit 3 both times (new high-risk findings, so cron mails); a third run with
    nothing new is silent (exit 0)."""
    ports = Ports.free()
    with served(tmp_path / "w1", ports, week=1) as world:
        weekly_feed(tmp_path, world.scan)
        first = run_cron_line(tmp_path)
    with served(tmp_path / "w2", ports, week=2):
        second = run_cron_line(tmp_path)
        third = run_cron_line(tmp_path)
    for proc in (first, second):
        assert proc.stdout.startswith("typorisk run exited 3 (3: new high-risk"), proc
    assert third.stdout == "exit=0\n", (third, (tmp_path / "state" / "run.log").read_text())
    assert runs_of(tmp_path / "state" / "typorisk.db") == [
        (1, "complete"),
        (2, "complete"),
        (3, "complete"),
    ]
    review = (tmp_path / "state" / "review" / "review.html").read_text()
    assert "mx.collector.example" in review
    assert (tmp_path / "state" / "weekly" / "typo.rpz").read_text().count("CNAME") > 5


def test_weekly_cron_line_with_a_dead_resolver_records_an_incomplete_run(
    tmp_path: Path,
) -> None:
    """A good week, then the resolver is dead: the run is recorded incomplete, the blocklist
    is kept, the review says so, and cron mails exit 4."""
    import socket

    with served(tmp_path / "w1", Ports.free(), week=1) as world:
        feed = weekly_feed(tmp_path, world.scan)
        assert run_cron_line(tmp_path).stdout.startswith("typorisk run exited 3")
    rpz = (tmp_path / "state" / "weekly" / "typo.rpz").read_text()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    data = yaml.safe_load(feed.read_text())
    data["scan"]["resolve"]["nameservers"] = [f"127.0.0.1:{dead}"]
    feed.write_text(yaml.safe_dump(data))
    proc = run_cron_line(tmp_path)
    log = (tmp_path / "state" / "run.log").read_text()
    assert proc.stdout.startswith("typorisk run exited 4"), (proc, log)
    assert "recorded incomplete" in log and "Traceback" not in log
    assert runs_of(tmp_path / "state" / "typorisk.db") == [(1, "complete"), (2, "incomplete")]
    assert (tmp_path / "state" / "weekly" / "typo.rpz").read_text() == rpz
    review = (tmp_path / "state" / "review" / "review.md").read_text()
    assert "did not complete" in review
