"""Rank observations: per-candidate score with reasons, and the findings a reviewer reads first
(operations, infrastructure clusters, defensive registrations, wildcarded suffixes).

:class:`Ranker` streams: observations go in one at a time with a payload (a scan record, a row),
and come out riskiest first with their payload. In memory it holds only what the graph needs
(:class:`~typorisk.rank.graph.InfraIndex`: per infrastructure node, the registered typo domains
behind it, and from it the operations graph of :mod:`typorisk.rank.operations`); the
observations and payloads wait in a :class:`~typorisk.rank.spill.Spill` — a list for
:func:`rank`, or a temporary SQLite file (:class:`~typorisk.rank.spill.SqliteSpill`) for a
scan of any size, which also sorts the output by risk. Same scores either way: operations only
need the candidates that have infrastructure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

import networkx as nx

from typorisk.parse.established import load_top_sites, standing_of
from typorisk.parse.psl import load_psl
from typorisk.rank.facts import Observation
from typorisk.rank.graph import (
    CLONE,
    CLUSTER_KINDS,
    MAIL,
    WEB_DEFENSIVE,
    InfraIndex,
    Node,
    infrastructure,
    own_nodes,
    shared_with_target,
)
from typorisk.rank.operations import (
    FAMILY,
    LINK_KINDS,
    Hub,
    Member,
    Operation,
    find_operations,
    hub_reason,
    link_weight,
    operation_value,
)
from typorisk.rank.providers import KNOWN_PROVIDERS, Providers
from typorisk.rank.score import (
    CAPTURE_LABELS,
    RiskWeights,
    capture_label,
    is_recent,
    likelihood_scale,
    suffix_effect,
    web_effect,
)
from typorisk.rank.spill import MemorySpill, Scored, Spill

P = TypeVar("P")


@dataclass(frozen=True, slots=True)
class Ranked:
    """A candidate with its risk, the reasons, and each factor's contribution to the risk."""

    obs: Observation
    risk: float
    """In [0, 1]; deterministic for the same observations and weights."""
    capture: str
    """Capture capability, a key of :data:`~typorisk.rank.score.CAPTURE_LABELS`."""
    defensive: bool
    """Shares MX/NS/registrar with its own target: probably the brand's own registration."""
    reasons: tuple[str, ...]
    contributions: Mapping[str, float]
    """``likelihood``, ``capture``, ``graph``: their parts of ``risk`` (they sum to it before
    the cap at 1); ``registration`` and ``exposure``: the multipliers applied."""
    operation: str | None = None
    """Label of the :class:`~typorisk.rank.operations.Operation` it belongs to, if any."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """One infrastructure node serving many registered typo domains: an operation."""

    kind: str
    """``mx``, ``ns``, ``ip``, ``net`` or ``owner`` (the network's owner, from IP RDAP): the
    kinds :data:`~typorisk.rank.graph.INFRASTRUCTURE` reports as clusters."""
    name: str
    members: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RankResult:
    """Everything :func:`rank` found."""

    ranked: tuple[Ranked, ...]
    """Highest risk first; ties by domain then target (then input order). Empty in the
    findings of a streamed ranking (:attr:`Ranker.findings`): there the ranked candidates come
    out of :meth:`Ranker.ranked` instead."""
    clusters: tuple[Cluster, ...]
    """Largest first."""
    defensive: tuple[Ranked, ...]
    """Candidates that look like the brand's own registrations, to confirm and allowlist."""
    wildcard_suffixes: Mapping[str, tuple[str, ...]]
    """Suffix → candidates answered only by a wildcard there (one finding per suffix)."""
    operations: tuple[Operation, ...] = ()
    """Look-alikes joined by the infrastructure they share, largest first
    (:mod:`typorisk.rank.operations`)."""
    hubs: tuple[Hub, ...] = ()
    """Internet-wide nodes set aside before joining (they would have joined look-alikes)."""


def _suffix_of(name: str) -> str:
    split = load_psl().split(name)
    return split[1] if split else name.partition(".")[2]


def _primary_reason(obs: Observation) -> str:
    suffix_kinds = [k for k in obs.kinds if k.startswith(("suffix-", "second-level"))]
    if suffix_kinds:
        return f"suffix typo {_suffix_of(obs.target)}→{obs.suffix} ({suffix_kinds[0]})"
    kind = obs.kinds[0] if obs.kinds else "typo"
    return f"{kind} of {obs.target} (likelihood {obs.likelihood:.1e})"


class Ranker(Generic[P]):
    """Rank observations as they come: :meth:`add` each (with a payload, returned with its
    score), then iterate :meth:`ranked`, riskiest first; :attr:`findings` is set once the
    first one comes out.

    ``own`` maps a target name to the observation of the target's own domain (its MX/NS), which
    is how defensive registrations are recognised; :meth:`add_own` adds to it while adding
    (a scan learns them from its rows). ``now`` is the date "recently registered" is measured
    from (no clock is read here). ``providers``: the list of Internet-wide infrastructure that
    never joins an operation (hubs are also recognised by degree). No network; disk only
    through a :class:`SqliteSpill`.
    """

    def __init__(
        self,
        *,
        weights: RiskWeights | None = None,
        own: Mapping[str, Observation] | None = None,
        now: dt.date | None = None,
        spill: Spill[P] | None = None,
        providers: Providers = KNOWN_PROVIDERS,
    ) -> None:
        self.weights = weights or RiskWeights()
        self.providers = providers
        self.own: dict[str, Observation] = dict(own or {})
        self.now = now
        self.spill: Spill[P] = spill if spill is not None else MemorySpill()
        self.index = InfraIndex()
        self.findings: RankResult | None = None
        self.operations: tuple[Operation, ...] = ()
        """After the first ranked row: the operations found."""
        self.hubs: tuple[Hub, ...] = ()
        self.graph: nx.Graph[Node] = nx.Graph()
        """After the first ranked row: the operations graph (look-alikes and the non-hub nodes
        two of them share; :func:`~typorisk.rank.operations.operations_graph`)."""
        self._op_of: dict[str, Operation] = {}
        self._targets_of: dict[str, str | set[str]] = {}

    def add(self, obs: Observation, payload: P) -> None:
        """One candidate observation (and what to return with its score)."""
        self.index.add(obs)
        self.spill.put(obs, payload)

    def add_own(self, target: str, obs: Observation) -> None:
        """The observation of ``target``'s own domain, unless one is known already."""
        self.own.setdefault(target, obs)

    def ranked(self) -> Iterator[tuple[Ranked, P]]:
        """Every observation added, scored, riskiest first (ties by domain, target, then the
        order added), with its payload. Closes the spill at the end."""
        try:
            own = own_nodes(self.own)
            self._learn_targets(self.index.finish(own))
            self._find_operations(own)
            defensive: list[tuple[float, str, str, int, Ranked]] = []
            for seq, obs in self.spill.observations():
                scored = self._score(obs, shared_with_target(obs, own))
                self.spill.put_scored(seq, obs, scored)
                if scored[2]:
                    ranked = Ranked(obs, *scored)
                    defensive.append((-ranked.risk, obs.domain, obs.target, seq, ranked))
            defensive.sort(key=lambda d: d[:4])
            self.findings = RankResult(
                ranked=(),
                clusters=self._clusters(),
                defensive=tuple(d[4] for d in defensive),
                wildcard_suffixes={
                    s: tuple(sorted(d)) for s, d in sorted(self.index.wildcards.items())
                },
                operations=self.operations,
                hubs=self.hubs,
            )
            for obs, scored, payload in self.spill.ordered():
                yield Ranked(obs, *scored), payload
        finally:
            self.spill.close()

    def _learn_targets(self, members: set[str]) -> None:
        """Every target of each domain that is some node's member (for "of N targets"): one
        string for the usual single target, a set for several."""
        for domain, target in self.spill.targets(members):
            known = self._targets_of.get(domain)
            if known is None:
                self._targets_of[domain] = sys.intern(target)
            elif isinstance(known, set):
                known.add(target)
            elif known != target:
                self._targets_of[domain] = {known, target}

    def _targets(self, domain: str) -> Iterable[str]:
        """The targets of a member domain."""
        known = self._targets_of.get(domain, ())
        return (known,) if isinstance(known, str) else known

    def _find_operations(self, own: Mapping[str, set[Node]]) -> None:
        """Join the look-alikes that share identifying infrastructure into operations. Only
        the domains whose non-hub nodes shared with another look-alike weigh enough to join
        can join anything, so only those are handed over, with each node's degree across the
        scan (and the wildcard-answered ones, whose nodes are hubs)."""
        w, index = self.weights, self.index
        wild = {d for ds in index.wildcards.values() for d in ds if d in index.nodes_of}
        wild_nodes = {n for d in wild for n in index.nodes_of[d]}
        own_map = {node: target for target, nodes in sorted(own.items()) for node in nodes}
        degree = {n: len(g) for n, g in index.members.items() if len(g) >= 2}
        joinable = {
            n
            for n, count in degree.items()
            if n[0] in LINK_KINDS
            and hub_reason(n, count, w, self.providers, own_map, wild_nodes) is None
        }
        chosen: dict[str, Member] = {}
        for domain in index.eligible | wild:
            nodes = index.nodes_of[domain]
            if domain not in wild and not _could_join(nodes, joinable, w):
                continue
            bits = index.traits.get(domain, 0)
            if bits & WEB_DEFENSIVE:
                continue  # redirects to its own target's site: the brand's
            chosen[domain] = Member(
                nodes=nodes,
                targets=tuple(sorted(self._targets(domain))),
                mail=bool(bits & MAIL),
                clone=bool(bits & CLONE),
                registrar=index.registrar_of.get(domain),
                wildcard=domain in wild,
            )
        found = find_operations(chosen, w, self.providers, own_map, degree)
        self.operations, self.hubs, self.graph = found.operations, found.hubs, found.graph
        self._op_of = {d: op for op in found.operations for d in op.members}

    def _score(self, obs: Observation, shared: list[Node]) -> Scored:
        w = self.weights
        label = capture_label(obs)
        lik = likelihood_scale(obs.likelihood, w)
        cap = w.capture_value(label)
        op = self._op_of.get(obs.domain)
        best_g = operation_value(op, w) if op is not None else 0.0
        reasons = [_primary_reason(obs), _capture_reason(obs, label)]
        if op is not None:
            reasons.append(op.reason(obs.domain))
        multiplier = 1.0
        if label == "unregistered":
            multiplier, reasons[1] = suffix_effect(obs, w, reasons[1])
        if shared:
            multiplier *= w.defensive
            reasons.append(
                f"shares {shared[0][0].upper()} {shared[0][1]} with {obs.target}: "
                "likely a defensive registration, confirm"
            )
        age = is_recent(obs, self.now, w)
        if age is not None:
            multiplier *= w.recent
            reasons.append(f"registered {age} days ago")
        floor, web_defensive, web_reasons = web_effect(obs, w)
        if web_defensive and not shared:
            multiplier *= w.defensive
        reasons.extend(web_reasons)
        if obs.weight != 1.0:
            reasons.append(f"target weight {obs.weight:g}")
        # an established domain of another organisation (the brand's own already has its
        # "defensive registration" reason; a typed name below the domain blocks that name only)
        if not (shared or web_defensive) and obs.block in ("", obs.domain):
            standing = standing_of(
                obs.domain,
                top=load_top_sites(),
                created=obs.created.isoformat() if obs.created else None,
                this_year=self.now.year if self.now else None,
            )
            if standing is not None:
                reasons.append(standing.reason())
        parts = {
            "likelihood": w.w_likelihood * lik * multiplier,
            "capture": w.w_capture * cap * multiplier,
            "graph": w.w_graph * best_g * multiplier,
        }
        raw = max(floor, min(1.0, sum(parts.values())))
        # exposure E bends the score instead of scaling it: 1 − (1 − raw)^E stays in [0, 1] and
        # keeps the order of candidates within a target (a cap at 1 would tie them all)
        risk = 1.0 - (1.0 - raw) ** obs.weight if obs.weight > 0 else 0.0
        share = risk / sum(parts.values()) if sum(parts.values()) > 0 else 0.0
        contributions = {k: round(v * share, 6) for k, v in parts.items()}
        contributions |= {"registration": multiplier, "exposure": obs.weight}
        defensive = bool(shared) or web_defensive
        name = op.label if op is not None else None
        return round(risk, 6), label, defensive, tuple(reasons), contributions, name

    def _clusters(self) -> tuple[Cluster, ...]:
        found = []
        nodes = set(self.index.nodes())
        nodes.update(node for o in self.own.values() for node, _ in infrastructure(o))
        for node in nodes:
            if node[0] not in CLUSTER_KINDS:
                continue
            group = self.index.members.get(node, ())
            if len(group) >= self.weights.cluster_min:
                owners = sorted({t for d in group for t in self._targets(d)})
                found.append(Cluster(node[0], node[1], group, tuple(owners)))
        found.sort(key=lambda c: (-len(c.members), c.kind, c.name))
        return tuple(found)


def _could_join(nodes: Iterable[Node], joinable: set[Node], w: RiskWeights) -> bool:
    """Whether the joinable nodes among ``nodes`` weigh enough, each family once at its
    heaviest, to join another look-alike (a domain that cannot stays out of the graph)."""
    best: dict[str, float] = {}
    for node in nodes:
        if node in joinable:
            family = FAMILY.get(node[0], node[0])
            best[family] = max(best.get(family, 0.0), link_weight(node[0], w))
    return sum(best.values()) >= w.join - 1e-9


def rank(
    observations: Iterable[Observation],
    *,
    weights: RiskWeights | None = None,
    own: Mapping[str, Observation] | None = None,
    now: dt.date | None = None,
    providers: Providers = KNOWN_PROVIDERS,
) -> RankResult:
    """Score every observation and collect the findings (in memory; :class:`Ranker` streams).

    ``own`` maps a target name to the observation of the target's own domain (its MX/NS), which
    is how defensive registrations are recognised. ``now`` is the date "recently registered" is
    measured from (no clock is read here). Pure: no network, no disk.
    """
    ranker: Ranker[None] = Ranker(weights=weights, own=own, now=now, providers=providers)
    for obs in observations:
        ranker.add(obs, None)
    ranked = tuple(r for r, _ in ranker.ranked())
    assert ranker.findings is not None
    return dataclasses.replace(ranker.findings, ranked=ranked)


def _capture_reason(obs: Observation, label: str) -> str:
    text = CAPTURE_LABELS[label]
    if label in ("mx", "catch-all") and obs.mx:
        return f"{text} ({obs.mx[0]})"
    if label in ("wildcard", "wildcard-mail"):
        return f"{text} (.{obs.suffix})"
    return text
