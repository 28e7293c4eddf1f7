"""The repository never stops processes by name, and the test servers leave nothing behind.

``pkill``/``killall`` would stop every such daemon on the machine, not just the one a script
started; the tests and CI stop what they started by its PID (or the process group it leads)."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import Ledger
from .resolve.servers import free_port, nsd, require

ROOT = Path(__file__).resolve().parents[1]
BY_NAME = re.compile(rb"\b(pkill|killall)\b")


def tracked_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z"], capture_output=True, check=True
    ).stdout
    return [ROOT / name for name in listed.decode().split("\0") if name]


def test_no_tracked_file_kills_by_name(ledger: Ledger) -> None:
    here = Path(__file__).resolve()
    files = [p for p in tracked_files() if p.resolve() != here and p.is_file()]
    assert len(files) > 50  # the listing worked
    row = ledger.row("CI and tests stop processes by PID, never by name (each tracked file)")
    offenders: list[str] = []
    for p in files:
        found = [
            f"{p.relative_to(ROOT)}:{n}: {line.strip().decode(errors='replace')}"
            for n, line in enumerate(p.read_bytes().splitlines(), 1)
            if BY_NAME.search(line)
        ]
        offenders += found
        # a file with an offender is a case not survived; the assertion below lists them all
        with contextlib.suppress(AssertionError), row.case():
            assert found == []
    assert offenders == [], "stop processes by the PID you started, not by name:\n" + "\n".join(
        offenders
    )


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                members.append(int(entry.name))
    return members


def test_nsd_and_its_forks_are_gone_after_the_fixture(tmp_path: Path, ledger: Ledger) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("needs /proc")
    require("nsd")
    zone = "$ORIGIN t.\n$TTL 60\n@ SOA ns.t. h.t. 1 3600 600 86400 60\n@ NS ns.t.\nns A 127.0.0.1\n"
    before = set(Path("/proc").iterdir())
    with ledger.row("test servers: NSD and its forks gone after the fixture").case():
        with nsd(tmp_path / "nsd", {"t.": zone}, port=free_port()):
            started = [
                int(p.name)
                for p in set(Path("/proc").iterdir()) - before
                if p.name.isdigit() and _is_nsd(p) and os.getpgid(int(p.name)) == int(p.name)
            ]
            assert len(started) == 1  # the leader of its own process group
            assert len(_group_members(started[0])) >= 2  # NSD forked (xfrd, server)
        assert _group_members(started[0]) == []


def _is_nsd(proc: Path) -> bool:
    try:
        return Path(os.readlink(proc / "exe")).name == "nsd"
    except OSError:
        return False
