"""``ScanRecord``: one candidate and what each stage found, as facets.

A record is frozen: a later stage returns a new record with its facet set
(:func:`dataclasses.replace`), never mutating what an earlier stage wrote. A facet is ``None``
when its stage did not run for the name (offline, not registered, no mail, probe off).
:func:`typorisk.pipeline.rows.to_row` flattens a record into the row schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: the record module stays light (the row schema imports it)
    from typorisk.model import Candidate
    from typorisk.probe import ProbeResult
    from typorisk.register.network import NetworkOwner
    from typorisk.register.records import Lookup
    from typorisk.resolve import Resolution
    from typorisk.web import WebResult

CONTRIBUTIONS = ("likelihood", "capture", "graph", "registration", "exposure")
"""The factors of a risk score, in order (the rows flatten them to ``contrib_<factor>``)."""


@dataclass(frozen=True, slots=True)
class RiskFacet:
    """What the rank stage says of a record."""

    risk: float
    """In [0, 1]."""
    capture: str
    defensive: bool
    reasons: tuple[str, ...]
    contributions: tuple[tuple[str, float], ...]
    """(factor, value) for each of :data:`CONTRIBUTIONS`."""
    operation: str | None = None
    """Label of the operation (look-alikes joined by shared infrastructure) it belongs to."""


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """One candidate through the pipeline."""

    candidate: Candidate
    weight: float = 1.0
    """The target's weight (a feed's ``weight``/``sensitivity``; 1 otherwise), > 0."""
    target_mx: tuple[str, ...] = ()
    """The target's own MX hosts (to recognise defensive registrations)."""
    target_ns: tuple[str, ...] = ()
    resolution: Resolution | None = None
    registration: Lookup | None = None
    network: NetworkOwner | None = None
    """The owner of the network of the first A/AAAA (registered names, with RDAP)."""
    probe: ProbeResult | None = None
    web: WebResult | None = None
    risk: RiskFacet | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(target, domain): unique within a scan."""
        return self.candidate.target, self.candidate.domain


def risk_facet(  # noqa: PLR0917 - the rank stage's values, in its order
    risk: float,
    capture: str,
    defensive: bool,
    reasons: Sequence[str],
    contributions: dict[str, float],
    operation: str | None = None,
) -> RiskFacet:
    """A :class:`RiskFacet` from the rank stage's values (contributions in schema order)."""
    return RiskFacet(
        risk,
        capture,
        defensive,
        tuple(reasons),
        tuple((k, float(contributions.get(k, 0.0))) for k in CONTRIBUTIONS),
        operation,
    )
