"""The reliability ledger: every fault test records how many cases it ran, how many were
survived (finished, nothing misclassified) and how many rows were lost. The table is printed at
the end of the run (and written as JSON when TYPORISK_RELIABILITY_JSON names a file), so the
figures in RELIABILITY.md come from a run, not from memory."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass

import pytest


@dataclass
class Entry:
    fault: str
    cases: int
    survived: int
    lost: int
    test: str


LEDGER: list[Entry] = []
Record = Callable[[str, int, int, int], None]


@pytest.fixture
def ledger(request: pytest.FixtureRequest) -> Record:
    """``ledger(fault_class, cases, survived, lost)`` adds a line to the table."""

    def record(fault: str, cases: int, survived: int, lost: int) -> None:
        LEDGER.append(Entry(fault, cases, survived, lost, request.node.nodeid))

    return record


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not LEDGER:
        return
    terminalreporter.section("reliability ledger")
    terminalreporter.write_line(
        f"{'fault or input class':58} {'cases':>6} {'survived':>8} {'lost':>5}"
    )
    for e in LEDGER:
        terminalreporter.write_line(f"{e.fault:58} {e.cases:6d} {e.survived:8d} {e.lost:5d}")
    target = os.environ.get("TYPORISK_RELIABILITY_JSON")
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            json.dump([asdict(e) for e in LEDGER], handle, indent=1)
