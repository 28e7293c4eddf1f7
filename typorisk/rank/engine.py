"""Rank observations: graph, per-candidate score with reasons, and the findings a reviewer reads
first (infrastructure clusters, defensive registrations, wildcarded suffixes)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from typorisk.parse.psl import load_psl
from typorisk.rank.facts import Observation
from typorisk.rank.graph import (
    Node,
    build_graph,
    candidates_behind,
    own_infrastructure,
    shared_with_target,
)
from typorisk.rank.score import (
    CAPTURE_LABELS,
    RiskWeights,
    capture_label,
    graph_value,
    is_recent,
    likelihood_scale,
    web_effect,
)


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


@dataclass(frozen=True, slots=True)
class Cluster:
    """One infrastructure node serving many registered typo domains: an operation."""

    kind: str
    """``mx``, ``ns``, ``ip``, ``net`` or ``registrar``."""
    name: str
    members: tuple[str, ...]
    targets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RankResult:
    """Everything :func:`rank` found."""

    ranked: tuple[Ranked, ...]
    """Highest risk first; ties by domain then target."""
    clusters: tuple[Cluster, ...]
    """Largest first."""
    defensive: tuple[Ranked, ...]
    """Candidates that look like the brand's own registrations, to confirm and allowlist."""
    wildcard_suffixes: Mapping[str, tuple[str, ...]]
    """Suffix → candidates answered only by a wildcard there (one finding per suffix)."""


def _suffix_of(name: str) -> str:
    split = load_psl().split(name)
    return split[1] if split else name.partition(".")[2]


def _primary_reason(obs: Observation) -> str:
    suffix_kinds = [k for k in obs.kinds if k.startswith(("suffix-", "second-level"))]
    if suffix_kinds:
        return f"suffix typo {_suffix_of(obs.target)}→{obs.suffix} ({suffix_kinds[0]})"
    kind = obs.kinds[0] if obs.kinds else "typo"
    return f"{kind} of {obs.target} (likelihood {obs.likelihood:.1e})"


class _Members:
    """Registered, non-defensive candidates behind each infrastructure node (memoised)."""

    def __init__(
        self, graph: nx.MultiDiGraph[Node], eligible: set[str], targets_of: Mapping[str, set[str]]
    ):
        self.graph = graph
        self.eligible = eligible
        self.targets_of = targets_of
        self.cache: dict[Node, set[str]] = {}
        self.owner_counts: dict[Node, int] = {}

    def of(self, node: Node) -> set[str]:
        found = self.cache.get(node)
        if found is None:
            found = candidates_behind(self.graph, node) & self.eligible
            self.cache[node] = found
        return found

    def others(self, node: Node, domain: str) -> int:
        """How many members other than ``domain`` (O(1): no set is copied per candidate)."""
        group = self.of(node)
        return len(group) - (domain in group)

    def owners(self, node: Node) -> int:
        """Distinct protected targets among the node's members (memoised)."""
        count = self.owner_counts.get(node)
        if count is None:
            count = len({t for d in self.of(node) for t in self.targets_of[d]})
            self.owner_counts[node] = count
        return count


def rank(
    observations: Iterable[Observation],
    *,
    weights: RiskWeights | None = None,
    own: Mapping[str, Observation] | None = None,
    now: dt.date | None = None,
) -> RankResult:
    """Score every observation and collect the findings.

    ``own`` maps a target name to the observation of the target's own domain (its MX/NS), which
    is how defensive registrations are recognised. ``now`` is the date "recently registered" is
    measured from (no clock is read here). Pure: no network, no disk.
    """
    w = weights or RiskWeights()
    obs_list = list(observations)
    graph = build_graph(obs_list, own)
    own_nodes = own_infrastructure(graph)
    shared = {(o.target, o.domain): shared_with_target(o, own_nodes) for o in obs_list}
    targets_of: defaultdict[str, set[str]] = defaultdict(set)
    for o in obs_list:
        targets_of[o.domain].add(o.target)
    eligible = {
        o.domain
        for o in obs_list
        if o.registration == "registered" and not shared[(o.target, o.domain)]
    }
    members = _Members(graph, eligible, targets_of)
    ranked = [
        _score(o, graph, members, shared[(o.target, o.domain)], w=w, now=now) for o in obs_list
    ]
    ranked.sort(key=lambda r: (-r.risk, r.obs.domain, r.obs.target))
    return RankResult(
        ranked=tuple(ranked),
        clusters=_clusters(graph, members, w),
        defensive=tuple(r for r in ranked if r.defensive),
        wildcard_suffixes=_wildcards(obs_list),
    )


def _infra_nodes(graph: nx.MultiDiGraph[Node], domain: str) -> list[Node]:
    cand: Node = ("candidate", domain)
    nodes = [n for n in graph.successors(cand) if n[0] in ("mx", "ns", "ip", "registrar")]
    nets = [m for n in nodes if n[0] == "ip" for m in graph.successors(n)]
    return sorted(set(nodes + nets))


def _score(
    obs: Observation,
    graph: nx.MultiDiGraph[Node],
    members: _Members,
    shared: list[Node],
    *,
    w: RiskWeights,
    now: dt.date | None,
) -> Ranked:
    label = capture_label(obs)
    lik = likelihood_scale(obs.likelihood, w)
    cap = w.capture_value(label)
    best_g, best_node, best_k = 0.0, None, 0
    for node in _infra_nodes(graph, obs.domain):
        others = members.others(node, obs.domain)
        value = graph_value(node[0], others, w)
        if value > best_g:
            best_g, best_node, best_k = value, node, others
    reasons = [_primary_reason(obs), _capture_reason(obs, label)]
    if best_node is not None:
        reasons.append(
            f"{best_node[0].upper()} {best_node[1]} shared with {best_k} typo domains "
            f"of {members.owners(best_node)} targets"
        )
    multiplier = 1.0
    if shared:
        multiplier = w.defensive
        reasons.append(
            f"shares {shared[0][0].upper()} {shared[0][1]} with {obs.target}: "
            "likely a defensive registration, confirm"
        )
    age = is_recent(obs, now, w)
    if age is not None:
        multiplier *= w.recent
        reasons.append(f"registered {age} days ago")
    floor, web_defensive, web_reasons = web_effect(obs, w)  # issue 19
    if web_defensive and not shared:
        multiplier *= w.defensive
    reasons.extend(web_reasons)
    if obs.weight != 1.0:
        reasons.append(f"target weight {obs.weight:g}")
    parts = {
        "likelihood": w.w_likelihood * lik * multiplier,
        "capture": w.w_capture * cap * multiplier,
        "graph": w.w_graph * best_g * multiplier,
    }
    raw = max(floor, min(1.0, sum(parts.values())))
    # exposure E bends the score instead of scaling it: 1 − (1 − raw)^E stays in [0, 1] and keeps
    # the order of candidates within a target (a cap at 1 would tie them all)
    risk = 1.0 - (1.0 - raw) ** obs.weight if obs.weight > 0 else 0.0
    share = risk / sum(parts.values()) if sum(parts.values()) > 0 else 0.0
    contributions = {k: round(v * share, 6) for k, v in parts.items()}
    contributions |= {"registration": multiplier, "exposure": obs.weight}
    defensive = bool(shared) or web_defensive
    return Ranked(obs, round(risk, 6), label, defensive, tuple(reasons), contributions)


def _capture_reason(obs: Observation, label: str) -> str:
    text = CAPTURE_LABELS[label]
    if label in ("mx", "catch-all") and obs.mx:
        return f"{text} ({obs.mx[0]})"
    if label in ("wildcard", "wildcard-mail"):
        return f"{text} (.{obs.suffix})"
    return text


def _clusters(
    graph: nx.MultiDiGraph[Node], members: _Members, w: RiskWeights
) -> tuple[Cluster, ...]:
    found = []
    for node in graph.nodes:
        if node[0] not in ("mx", "ns", "ip", "net"):
            continue
        group = members.of(node)
        if len(group) >= w.cluster_min:
            owners = sorted({t for d in group for t in members.targets_of[d]})
            found.append(Cluster(node[0], node[1], tuple(sorted(group)), tuple(owners)))
    found.sort(key=lambda c: (-len(c.members), c.kind, c.name))
    return tuple(found)


def _wildcards(obs_list: list[Observation]) -> dict[str, tuple[str, ...]]:
    by_suffix: defaultdict[str, set[str]] = defaultdict(set)
    for o in obs_list:
        if o.wildcard:
            by_suffix[o.suffix].add(o.domain)
    return {s: tuple(sorted(d)) for s, d in sorted(by_suffix.items())}
