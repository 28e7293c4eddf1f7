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

from typorisk.rank.facts import Observation, observation, owner_key

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


def observation_of(record: ScanRecord) -> Observation:
    """What ranking reads of ``record``: its facets' facts, cleaned as the same facts read from
    the record's row would be (``observation_from_row(to_row(record))``, without the row)."""
    c = record.candidate
    res, lookup, probe, web = record.resolution, record.registration, record.probe, record.web
    facts = lookup.facts if lookup is not None else None
    cert = web.cert if web is not None else None
    net = record.network
    return observation(
        target=c.target,
        domain=c.domain,
        suffix=c.suffix,
        likelihood=c.likelihood,
        weight=record.weight,
        kinds=c.kinds,
        registration=res.registration.value if res else None,
        lookup=lookup.status.value if lookup else None,
        mail=res.mail.value if res else None,
        mx=[m.host or "." for m in res.records.mx] if res else None,
        ns=res.records.ns if res else None,
        a=res.records.a if res else None,
        aaaa=res.records.aaaa if res else None,
        wildcard=res.wildcard if res else None,
        zone_wildcard=res.zone_wildcard if res else None,
        registrar=facts.registrar if facts else None,
        created=facts.created if facts else None,
        registrant=facts.registrant_org if facts else None,
        smtp=probe.verdict.value if probe else None,
        network_owner=owner_key(net.asn, net.asn_name, net.net_name) if net else None,
        web=web.web_class.value if web else None,
        web_similarity=web.similarity if web else None,
        web_cert_age_days=cert.age_days if cert else None,
        cert=cert.sha256 or None if cert else None,
        cert_names=cert.names if cert else None,
        favicon=web.favicon if web else None,
        fuzzy=web.fuzzy if web else None,
        block=c.blocked,
    )


def own_observation(record: ScanRecord) -> Observation | None:
    """The observation of the target's own domain (its MX and NS) that ``record`` carries, or
    ``None`` when it carries none (not resolved, or the target has neither)."""
    if record.resolution is None or not (record.target_mx or record.target_ns):
        return None
    target = record.candidate.target
    return observation(target=target, domain=target, mx=record.target_mx, ns=record.target_ns)
