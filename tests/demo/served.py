"""``typorisk demo --serve`` as a process for tests: started with fixed ports, its announced
flags read from stdout, stopped by the PID the test started (SIGTERM), never by name."""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from typorisk.cli.demo import READY

from ..resolve.servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Ports:
    """The world's ports, fixed so that a restarted world (another week) keeps its flags."""

    dns: int
    rdap: int
    smtp: int

    @classmethod
    def free(cls) -> Ports:
        return cls(free_port(), free_port(), free_port())


@dataclass(frozen=True)
class Served:
    """What the running world announced."""

    pid: int
    flags: list[str]
    """The ``typorisk scan`` flags it printed."""
    scan: dict[str, object]
    """The feed definition's ``scan:`` section it printed."""
    text: str
    """Everything it printed before serving."""


def typorisk() -> list[str]:
    """The command line that runs this checkout's typorisk."""
    return [sys.executable, "-m", "typorisk"]


def env() -> dict[str, str]:
    """The environment of a typorisk process that imports this checkout."""
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{path}" if path else str(ROOT)}


@contextlib.contextmanager
def served(where: Path, ports: Ports, week: int = 2) -> Iterator[Served]:
    """``typorisk demo --serve`` running until the block ends; asserts it stops with exit 0."""
    command = [
        *typorisk(), "demo", "--serve", "--week", str(week),
        "--dns-port", str(ports.dns), "--rdap-port", str(ports.rdap),
        "--smtp-port", str(ports.smtp), "--bootstrap-dir", str(where / "bootstrap"),
    ]  # fmt: skip
    proc = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:  # the announcement ends with the READY line
            lines.append(line)
            if line.rstrip("\n") == READY:
                break
        text = "".join(lines)
        assert READY in text, (text, proc.stderr.read() if proc.stderr else "")
        flags = shlex.split(lines[lines.index("flags:\n") + 1])
        start = next(i for i, x in enumerate(lines) if x.startswith("in a feed definition"))
        section = yaml.safe_load("".join(lines[start + 1 : -1]))
        yield Served(proc.pid, flags, section["scan"], text)
    finally:
        os.kill(proc.pid, signal.SIGTERM)  # by the PID this test started
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "typorisk demo: stopped" in err
