"""Every example in examples/ is executed or validated by the tool that consumes it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk.demo.world import TARGETS, build_world

from .resolve.servers import free_port, nsd, require

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


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing (apt-get install systemd)")
        pytest.skip("systemd-analyze is missing")
    for unit in ("typorisk-weekly.service", "typorisk-weekly.timer"):
        text = (WEEKLY / unit).read_text()
        # the unit's paths are where an install puts them; point them at this checkout
        text = text.replace("/opt/typorisk/examples/weekly/weekly.sh", str(WEEKLY / "weekly.sh"))
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


def test_cron_line_is_well_formed() -> None:
    lines = [
        line
        for line in (WEEKLY / "typorisk.cron").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    (entry,) = lines
    fields = entry.split()
    minute, hour, day, month, weekday, user = fields[:6]
    assert (minute, hour, day, month, weekday, user) == ("0", "6", "*", "*", "1", "typorisk")
    assert fields[6] == "/opt/typorisk/examples/weekly/weekly.sh" and os.access(
        WEEKLY / "weekly.sh", os.X_OK
    )


ALERT = "typorisk: new high-risk typo domains"
FAILED = "typorisk: the weekly job failed"


def cron_command(weekly: Path) -> str:
    """The command of the shipped cron entry (what cron hands to /bin/sh), with the installed
    weekly.sh replaced by ``weekly``."""
    (entry,) = [
        line
        for line in (WEEKLY / "typorisk.cron").read_text().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    command = entry.split(None, 6)[6]
    return command.replace("/opt/typorisk/examples/weekly/weekly.sh", str(weekly))


def run_cron(weekly: Path, env: dict[str, str] | None = None) -> str:
    """Run the cron entry's command with /bin/sh, as cron does; returns what cron would mail."""
    proc = subprocess.run(
        ["/bin/sh", "-c", cron_command(weekly)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("code", "alert", "failed"),
    [(0, False, False), (3, True, False), (4, False, True), (1, False, True)],
)
def test_cron_line_alerts_only_when_the_job_exits_3(
    tmp_path: Path, code: int, alert: bool, failed: bool
) -> None:
    """The cron line, run by /bin/sh around a job that exits ``code``: the alert on 3 only
    (``weekly.sh || [ $? -eq 3 ] && echo`` printed it after every successful run)."""
    job = tmp_path / "weekly.sh"
    job.write_text(f"#!/bin/sh\nexit {code}\n")
    job.chmod(0o755)
    mailed = run_cron(job)
    assert (ALERT in mailed) is alert, mailed
    assert (FAILED in mailed) is failed, mailed


@pytest.fixture
def world_server(tmp_path: Path) -> Iterator[tuple[str, int, Path]]:
    require("nsd")
    yield "127.0.0.1", free_port(), tmp_path


def week_env(where: tuple[str, int, Path]) -> dict[str, str]:
    """The environment weekly.sh reads, for the demo world served at ``where``."""
    host, port, tmp = where
    targets = tmp / "targets.txt"
    targets.write_text("\n".join(TARGETS) + "\n")
    return {
        **os.environ,
        "TYPORISK": str(Path(sys.executable).with_name("typorisk")),
        "TARGETS": str(targets),
        "STATE": str(tmp / "state"),
        "TOP": "60",
        "NAMESERVER": f"{host}:{port}",
    }


def run_week(week: int, where: tuple[str, int, Path]) -> int:
    host, port, tmp = where
    zones = build_world(week).zones
    env = week_env(where)
    with nsd(tmp / f"nsd{week}-{os.urandom(2).hex()}", zones, host=host, port=port):
        proc = subprocess.run(
            [str(WEEKLY / "weekly.sh")],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert proc.returncode in (0, 3), proc.stderr
    return proc.returncode


def test_weekly_job_with_a_dead_resolver_records_an_incomplete_run(
    world_server: tuple[str, int, Path],
) -> None:
    """A good week, then the resolver is dead: the scan exits 4 (one line, nothing resolved),
    the run is recorded incomplete, the review says so, and the job exits 4 for cron."""
    import socket

    assert run_week(1, world_server) == 3
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        dead = probe.getsockname()[1]
    tmp = world_server[2]
    env = {
        **os.environ,
        "TYPORISK": str(Path(sys.executable).with_name("typorisk")),
        "TARGETS": str(tmp / "targets.txt"),
        "STATE": str(tmp / "state"),
        "TOP": "60",
        "NAMESERVER": f"127.0.0.1:{dead}",
    }
    proc = subprocess.run(
        [str(WEEKLY / "weekly.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 4, proc.stderr
    assert f"name server 127.0.0.1:{dead} is not usable" in proc.stderr
    assert "recorded incomplete" in proc.stderr and "did not complete" in proc.stderr
    assert "Traceback" not in proc.stderr
    review = (tmp / "state" / "review" / "review.md").read_text()
    assert "did not complete (scan exited 4" in review.splitlines()[2]


def test_weekly_job_against_a_real_nsd(world_server: tuple[str, int, Path]) -> None:
    """The weekly script, run three times by 'cron': the first review finds everything new,
    the second finds the operation's new domains, the third (nothing changed) finds nothing."""
    assert run_week(1, world_server) == 3
    assert run_week(2, world_server) == 3
    assert run_week(2, world_server) == 0
    review = (world_server[2] / "state" / "review" / "review.html").read_text()
    assert "mx.collector.example" in review


def test_cron_line_runs_the_weekly_job_and_alerts_only_on_new_findings(
    world_server: tuple[str, int, Path],
) -> None:
    """The shipped cron line around the real weekly.sh against a real NSD: the first week has
    new high-risk findings (the alert is mailed), the same world a week later has none (no
    alert, no failure)."""
    host, port, tmp = world_server
    env = week_env(world_server)
    with nsd(tmp / "nsd-cron", build_world(1).zones, host=host, port=port):
        first = run_cron(WEEKLY / "weekly.sh", env)
        again = run_cron(WEEKLY / "weekly.sh", env)
    assert ALERT in first and FAILED not in first, first
    assert "0 new high-risk finding(s)" in again, again
    assert ALERT not in again and FAILED not in again, again
