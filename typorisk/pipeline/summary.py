"""How a run ends: :class:`ScanSummary`, :class:`Verdict` and :func:`judge`.

Apart from :mod:`typorisk.pipeline.core` so that ``typorisk resolve``, which needs only these
and :mod:`typorisk.pipeline.lifecycle`, does not import the ranking graph (networkx), aiohttp
and the enrich stages: about 0.3 s of every run's start-up
(``python -X importtime -m typorisk resolve --help``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from typorisk.errors import InvalidTargetError
from typorisk.pipeline.options import ScanOptions
from typorisk.pipeline.servers import server_problems
from typorisk.resolve import Outcome, Registration, Resolution, ResolveStats

if TYPE_CHECKING:
    from typorisk.rank import RankResult

FAULTS = frozenset(o for o in Outcome if o.registration is Registration.UNKNOWN) - {
    Outcome.WILDCARD
}
"""Outcomes that mean the scan did not see the name (a wildcard answer is a fact, not a fault);
their share is compared with ``max_unknown``."""


class Verdict(enum.Enum):
    """How a run ended."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    """It ran but did not see enough of the world (see :mod:`typorisk.pipeline.core`)."""


@dataclass(slots=True)
class ScanSummary:
    """What a scan did; filled as it runs, final when the iteration ends."""

    verdict: Verdict = Verdict.COMPLETE
    reasons: list[str] = field(default_factory=list)
    """Why the verdict is not complete, one line each."""
    records: int = 0
    unknown: int = 0
    """Records whose DNS registration stayed unknown by a fault (timeout, SERVFAIL, REFUSED,
    an unusable reply, the budget): not wildcard answers."""
    rejected: list[InvalidTargetError] = field(default_factory=list)
    dns: ResolveStats | None = None
    lines: list[str] = field(default_factory=list)
    """Statistics lines of the register and probe stages."""
    findings: RankResult | None = None

    def incomplete(self, reason: str) -> None:
        """Mark the scan incomplete, for ``reason``."""
        self.verdict = Verdict.INCOMPLETE
        self.reasons.append(reason)

    def count(self, resolution: Resolution) -> None:
        """Count one resolved name (and whether a fault left it unknown)."""
        self.records += 1
        if resolution.outcome in FAULTS:
            self.unknown += 1


def judge(summary: ScanSummary, options: ScanOptions) -> None:
    """Set ``summary``'s verdict from what ran (see the module docstring), and say which
    non-public networks the outbound policy opened, when the user opened any."""
    if options.allow_private_network:
        summary.lines.append(
            "typorisk: outbound policy: private networks opened by --allow-private-network: "
            + ", ".join(options.allow_private_network)
        )
    for problem in server_problems(summary.dns):
        summary.incomplete(problem)
    if summary.records and summary.unknown / summary.records > options.max_unknown:
        share = summary.unknown / summary.records
        summary.incomplete(
            f"{summary.unknown} of {summary.records} names ({share:.1%}) stayed unknown, "
            f"more than max_unknown {options.max_unknown:.1%}"
        )
