"""The in-memory ranker as it was before ranking streamed (main at 6a8545c), kept verbatim as
the reference the streaming ranker is compared with: a networkx graph with a node per candidate.
Only the imports differ (it returns today's result types), the scoring rules added since are
called as the ranker calls them (``suffix_effect``: a free name under a restricted suffix), and
``graph_value`` with its node weights lives here now: its per-node graph signal is no longer the
ranker's (operations are), so the comparison covers everything but the graph signal (see
test_reference)."""

# ruff: noqa
# mypy: ignore-errors
from __future__ import annotations

import datetime as dt
import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

import networkx as nx

from typorisk.rank import (
    Cluster,
    Observation,
    Ranked,
    RankResult,
    RiskWeights,
    observation_from_row,
)
from typorisk.parse.psl import load_psl
from typorisk.rank.score import (
    CAPTURE_LABELS,
    capture_label,
    is_recent,
    likelihood_scale,
    suffix_effect,
    web_effect,
)

NODE_WEIGHTS = {"mx": 1.0, "ip": 0.6, "net": 0.4, "ns": 0.4, "registrar": 0.3, "owner": 0.3}
"""The node weights of that ranker (RiskWeights.node_<kind> then)."""


def graph_value(kind: str, others: int, w: RiskWeights) -> float:
    """G contributed by one infrastructure node shared with ``others`` other typo domains."""
    import math

    if others <= 0:
        return 0.0
    node_weight = NODE_WEIGHTS.get(kind, 0.0)
    return node_weight * min(1.0, math.log1p(others) / math.log1p(max(w.saturation, 1)))


Node = tuple[str, str]
INFRA_KINDS = ("mx", "ns", "ip", "net", "registrar", "owner")


def network_of(address: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network of an address, or None when it does not parse."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def infrastructure(obs: Observation) -> list[tuple[Node, str]]:
    """``(node, rel)`` for every piece of infrastructure an observation names."""
    out: list[tuple[Node, str]] = [(("mx", h), "mx") for h in obs.mx if h]
    out += [(("ns", h), "ns") for h in obs.ns]
    out += [(("ip", ip), "a") for ip in (*obs.a, *obs.aaaa)]
    if obs.registrar:
        out.append((("registrar", obs.registrar.lower()), "registrar"))
    if obs.network_owner:  # issue 16: the network's owner (IP RDAP)
        out.append((("owner", obs.network_owner), "owner"))
    return out


def build_graph(
    observations: Iterable[Observation], own: Mapping[str, Observation] | None = None
) -> nx.MultiDiGraph[Node]:
    """Build the graph from candidate observations and, optionally, each target's own records
    (``own``: target name → the observation of the target's own domain)."""
    graph: nx.MultiDiGraph[Node] = nx.MultiDiGraph()
    for obs in observations:
        target, cand = ("target", obs.target), ("candidate", obs.domain)
        graph.add_node(cand, obs=obs)
        graph.add_edge(target, cand, rel="typo", likelihood=obs.likelihood, kinds=obs.kinds)
        graph.add_edge(("suffix", obs.suffix), cand, rel="suffix")
        _link(graph, cand, obs)
    for name, own_obs in (own or {}).items():
        for node, _ in infrastructure(own_obs):
            graph.add_edge(("target", name), node, rel="own")
    return graph


def _link(graph: nx.MultiDiGraph[Node], source: Node, obs: Observation) -> None:
    for node, rel in infrastructure(obs):
        graph.add_edge(source, node, rel=rel)
        if node[0] == "ip":
            net = network_of(node[1])
            if net is not None:
                graph.add_edge(node, ("net", net), rel="in")


def candidates_behind(graph: nx.MultiDiGraph[Node], node: Node) -> set[str]:
    """Candidate domains attached to an infrastructure node (for a network: through its IPs)."""
    members = {p[1] for p in graph.predecessors(node) if p[0] == "candidate"}
    if node[0] == "net":
        for ip in graph.predecessors(node):
            members |= {p[1] for p in graph.predecessors(ip) if p[0] == "candidate"}
    return members


def own_infrastructure(graph: nx.MultiDiGraph[Node]) -> dict[str, set[Node]]:
    """Each target's own infrastructure nodes (its ``own`` edges), computed once."""
    own: dict[str, set[Node]] = {}
    edges: Iterable[tuple[Node, Node, object]] = graph.edges(data="rel")
    for source, node, rel in edges:
        if rel == "own":
            own.setdefault(source[1], set()).add(node)
    return own


def shared_with_target(obs: Observation, own: Mapping[str, set[Node]]) -> list[Node]:
    """Infrastructure the candidate shares with its own target (a sign of a defensive
    registration): MX or NS hosts, or the registrar, that the target also uses. ``own`` comes
    from :func:`own_infrastructure`."""
    mine = own.get(obs.target)
    if not mine:
        return []
    return [
        node
        for node, rel in infrastructure(obs)
        if rel in ("mx", "ns", "registrar") and node in mine
    ]


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
    nodes = [n for n in graph.successors(cand) if n[0] in ("mx", "ns", "ip", "registrar", "owner")]
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
    if best_node is not None and best_node[0] == "owner":
        reasons.append(
            f"network owner {best_node[1]}: {best_k} other typo domains "
            f"of {members.owners(best_node)} targets on its networks"
        )
    elif best_node is not None:
        reasons.append(
            f"{best_node[0].upper()} {best_node[1]} shared with {best_k} typo domains "
            f"of {members.owners(best_node)} targets"
        )
    multiplier = 1.0
    if label == "unregistered":
        multiplier, reasons[1] = suffix_effect(obs, w, reasons[1])
    if shared:
        multiplier *= w.defensive
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
        if node[0] not in ("mx", "ns", "ip", "net", "owner"):
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


Row = Mapping[str, object]


def own_records(observed: Iterable[tuple[Observation, Row]]) -> dict[str, Observation]:
    """Targets' own MX/NS, from the ``target_mx``/``target_ns`` columns scan writes."""
    own: dict[str, Observation] = {}
    for obs, row in observed:
        mx, ns = row.get("target_mx"), row.get("target_ns")
        if obs.target not in own and (mx or ns):
            own[obs.target] = observation_from_row(
                {"target": obs.target, "domain": obs.target, "mx": mx, "ns": ns}
            )
    return own


def rank_rows_reference(
    rows: Sequence[Row], weights: RiskWeights, today: dt.date | None
) -> RankResult:
    """Rank rows: the :class:`RankResult` (``ranked`` riskiest first, and the findings)."""
    return _rank([(observation_from_row(row), row) for row in rows], weights, today)


def _rank(
    observed: list[tuple[Observation, Row]], weights: RiskWeights, today: dt.date | None
) -> RankResult:
    return rank((o for o, _ in observed), weights=weights, own=own_records(observed), now=today)


def ranked_rows_reference(
    rows: Sequence[Row], weights: RiskWeights, today: dt.date | None
) -> tuple[list[dict[str, object]], RankResult]:
    """Rank rows; returns them riskiest first with ``risk``, ``capture``, ``defensive``,
    ``reasons`` and the flat ``contrib_<factor>`` columns set (no mapping cells), and the
    findings."""
    observed = [(observation_from_row(row), row) for row in rows]
    by_key = {(o.target, o.domain): row for o, row in observed}
    result = _rank(observed, weights, today)
    out: list[dict[str, object]] = []
    for r in result.ranked:
        row = dict(by_key[(r.obs.target, r.obs.domain)])
        row.update(
            risk=r.risk,
            capture=r.capture,
            defensive=r.defensive,
            reasons=list(r.reasons),
        )
        row.update({f"contrib_{k}": v for k, v in r.contributions.items()})
        out.append(row)
    return out, result
