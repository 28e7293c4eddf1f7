"""The reliability ledger: every fault test counts the cases it runs, the cases it survived
(finished, nothing misclassified) and the rows it lost. The table is printed at the end of the
run (and written as JSON when TYPORISK_RELIABILITY_JSON names a file), so the figures in
RELIABILITY.md come from a run, not from memory.

Counting, not typing: a row's figures come from the cases that ran::

    def test_x(ledger: Ledger) -> None:
        row = ledger.row("resolver drops 30% of queries")
        for name in names:
            with row.case():          # cases += 1 on entry, survived += 1 if the block ends
                assert classify(name) == expected[name]
        row.lose(missing_rows)

A property test (hypothesis calls its body once per example, and a function-scoped fixture
cannot be used with ``@given``) counts into a module-level :func:`ledger_row`, and so can the
parametrized cases or the several tests of one class; the row joins the table when its first
case runs and lists every test that ran one of its cases. A row any of whose tests failed is
marked ``passed: false`` and ``make reliability`` refuses to render it.
``ledger(fault, cases, survived, lost)`` still records figures computed by a test itself; those
rows are marked ``counted: false`` (rendered with a dagger): write ``row.case()`` instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

import pytest


@dataclass
class Row:
    """One line of the ledger; its figures only grow as cases run."""

    fault: str
    """The fault or input class, as the table shows it."""
    test: str = ""
    """Node id of the test that ran the first case (``""`` until one ran)."""
    tests: list[str] = field(default_factory=list)
    """Node ids of every test that ran a case of this row (a failure in any marks the row)."""
    cases: int = 0
    """Cases that started."""
    survived: int = 0
    """Cases whose block ended without an exception (every assertion held); ≤ cases."""
    lost: int = 0
    """Rows or answers lost (never delivered at all), as counted by the test."""
    counted: bool = True
    """False for a row whose figures were passed in by the test (the legacy call)."""
    passed: bool = True
    """False when a test that counted into the row failed."""
    shared: bool = False
    """A module-level row (:func:`ledger_row`): a failure in any parameter of a test function
    that counted into it marks it, even a parameter that failed before its case began."""

    @contextmanager
    def case(self) -> Iterator[None]:
        """One case: counted on entry, survived only if the block ends without an exception
        (a case that calls ``pytest.skip`` is not counted at all)."""
        current = _CURRENT_TEST[0]
        if not self.test:  # a module-level row: it joins the table when its first case runs
            self.test = current
            LEDGER.append(self)
        if current not in self.tests:
            self.tests.append(current)
        self.cases += 1
        try:
            yield
        except pytest.skip.Exception:
            self.cases -= 1  # a case that skipped (a tool is missing) did not run
            raise
        self.survived += 1

    def lose(self, rows: int) -> None:
        """Add ``rows`` (≥ 0) to the rows lost."""
        if rows < 0:
            raise ValueError("rows lost cannot be negative")
        self.lost += rows


LEDGER: list[Row] = []
_CURRENT_TEST = [""]


def ledger_row(fault: str) -> Row:
    """A row for a property test's body: create it at module level, count with ``.case()``."""
    return Row(fault, shared=True)


class Ledger:
    """The ``ledger`` fixture: rows owned by one test."""

    def __init__(self, test: str) -> None:
        self.test = test

    def row(self, fault: str) -> Row:
        """A new row for this test; count its cases with :meth:`Row.case`."""
        row = Row(fault, self.test, tests=[self.test])
        LEDGER.append(row)
        return row

    def __call__(self, fault: str, cases: int, survived: int, lost: int) -> None:
        """Legacy: record figures the test computed itself (rendered as not counted)."""
        LEDGER.append(Row(fault, self.test, [self.test], cases, survived, lost, counted=False))


Record = Ledger  # the name tests imported before rows were counted


@pytest.fixture
def ledger(request: pytest.FixtureRequest) -> Ledger:
    """Rows of the reliability ledger for this test (see the module docstring)."""
    return Ledger(request.node.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _CURRENT_TEST[0] = item.nodeid


def _function(nodeid: str) -> str:
    """``path::test`` of a node id (its parameters dropped)."""
    return nodeid.split("[", 1)[0]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        for row in LEDGER:
            if report.nodeid in row.tests or (
                row.shared and _function(report.nodeid) in map(_function, row.tests)
            ):
                row.passed = False


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    rows = LEDGER
    if not rows:
        return
    terminalreporter.section("reliability ledger")
    width = max(len(r.fault) for r in rows)
    terminalreporter.write_line(
        f"{'fault or input class':{width}} {'cases':>6} {'survived':>8} {'lost':>5}"
    )
    for r in rows:
        flag = "" if r.passed else "  TEST FAILED"
        flag += "" if r.counted else "  (not counted)"
        line = f"{r.fault:{width}} {r.cases:6d} {r.survived:8d} {r.lost:5d}{flag}"
        terminalreporter.write_line(line)
    target = os.environ.get("TYPORISK_RELIABILITY_JSON")
    if target:
        with open(target, "w", encoding="utf-8") as handle:
            json.dump([asdict(r) for r in rows], handle, indent=1)
