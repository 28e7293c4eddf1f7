"""The run verdict (pure): what makes a scan incomplete, and what does not."""

from __future__ import annotations

import pytest

from typorisk.pipeline import ScanOptions, ScanSummary, Verdict
from typorisk.pipeline.summary import FAULTS, judge
from typorisk.resolve import Outcome, ResolveStats, ServerStats


def stats(servers: dict[str, ServerStats]) -> ResolveStats:
    return ResolveStats(
        names=100, queries=100, rcodes={}, timeouts=0, retries=0, tcp=0, mismatched=0,
        registrations={}, wildcard_zones=(), elapsed=1.0, servers=servers,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("unknown", "max_unknown", "verdict"),
    [(0, 0.02, Verdict.COMPLETE), (2, 0.02, Verdict.COMPLETE), (3, 0.02, Verdict.INCOMPLETE),
     (50, 0.5, Verdict.COMPLETE), (51, 0.5, Verdict.INCOMPLETE)],
)  # fmt: skip
def test_max_unknown_judges_the_share_of_faults(
    unknown: int, max_unknown: float, verdict: Verdict
) -> None:
    summary = ScanSummary(records=100, unknown=unknown)
    judge(summary, ScanOptions(max_unknown=max_unknown))
    assert summary.verdict is verdict
    if verdict is Verdict.INCOMPLETE:
        assert f"{unknown} of 100 names" in summary.reasons[0]


def test_a_server_that_stopped_answering_makes_the_run_incomplete() -> None:
    summary = ScanSummary(records=100, unknown=0)
    summary.dns = stats(
        {
            "127.0.0.1:53": ServerStats(sent=100, answered=100, timeouts=0),
            "127.0.0.2:53": ServerStats(sent=80, answered=20, timeouts=60),
        }
    )
    judge(summary, ScanOptions())
    assert summary.verdict is Verdict.INCOMPLETE
    assert summary.reasons == [
        "name server 127.0.0.2:53 stopped answering: 60 of 80 queries timed out"
    ]


def test_wildcard_answers_are_facts_not_faults() -> None:
    assert Outcome.WILDCARD not in FAULTS
    assert {Outcome.TIMEOUT, Outcome.SERVFAIL, Outcome.MALFORMED, Outcome.BUDGET} <= FAULTS
    assert Outcome.NXDOMAIN not in FAULTS and Outcome.ANSWER not in FAULTS
