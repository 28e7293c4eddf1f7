"""``typorisk demo --serve``: the world kept running, used by ``typorisk scan`` with the flags it
prints, stopped by its PID."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from typorisk.demo.world import TARGETS, build_world

from .served import Ports, env, served, typorisk


def test_scan_with_the_printed_flags_sees_the_world(tmp_path: Path) -> None:
    with served(tmp_path, Ports.free(), week=2) as world:
        assert "--allow-private-network" in world.flags
        proc = subprocess.run(
            [*typorisk(), "scan", *TARGETS, *world.flags, "--format", "jsonl"],
            capture_output=True,
            text=True,
            env=env(),
            timeout=300,
            check=False,
        )
    assert proc.returncode == 0, proc.stderr
    rows = {row["domain"]: row for row in map(json.loads, proc.stdout.splitlines())}
    operation = build_world(2).operation
    assert {rows[name]["registration"] for name in operation} == {"registered"}
    assert {rows[name]["smtp"] for name in operation} == {"accepts-any"}
    assert rows[operation[0]]["registrar"]  # RDAP answered
    assert "run complete" in proc.stderr
    assert "opened by --allow-private-network: 127.0.0.0/8" in proc.stderr


def test_sigint_stops_the_world_cleanly(tmp_path: Path) -> None:
    command = [*typorisk(), "demo", "--serve", "--bootstrap-dir", str(tmp_path)]
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("serving;"):
            break
    assert (tmp_path / "dns.json").exists()
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "stopped" in err and "Traceback" not in err
