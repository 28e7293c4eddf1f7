"""Operations: look-alikes joined by the infrastructure they share, one operator per group.

The graph (networkx, :func:`operations_graph`) holds the look-alikes that have infrastructure
(registered and not the brand's own, or answered by a wildcard) and the nodes they point at:
MX, NS, IP, /24 (/48), network owner (AS), registrant organisation at its registrar, TLS
certificate (SHA-256 fingerprint, and the set of names of a multi-domain certificate), favicon
hash and page fuzzy hash. Each edge weighs how identifying its kind is (``link_<kind>`` in
:class:`~typorisk.rank.score.RiskWeights`, in [0, 1]: a certificate 1.0, its set of names
0.9, an MX 0.8, a registrant organisation 0.7, an IP 0.6, a favicon or a page's fuzzy hash
0.5 (a clone carries its brand's favicon, whoever made it), an NS 0.3, a /24 0.2, an AS 0.1).

**Hubs** are set aside before anything joins, because they serve countless unrelated domains:

- a node on the shipped list of Internet-wide providers (:mod:`typorisk.rank.providers`: big
  DNS, parking and mail hosts by host suffix, clouds and CDNs by AS, privacy services);
- a node whose degree across the scan reaches ``hub_<kind>`` look-alikes (100 for an MX, 50
  for an IP or a /24, 30 for an NS...): the provider nobody listed;
- a node of a protected target's own infrastructure (a defensive registration never joins a
  squatter's operation), and the records of a wildcard (every name under the suffix has them).

Two look-alikes are **joined** when the weights of the non-hub nodes they share add up to
``join`` (0.7), each **family** counted once at its heaviest: an address, its /24 and its AS
are one family (sharing an IP implies sharing the rest), a certificate and its name set
another, two NS hosts are one name service. One MX or certificate joins on its own; an IP
needs an NS, a favicon or a fuzzy hash beside it (a shared web host alone serves strangers);
a favicon needs an NS, an IP or the page's fuzzy hash; an NS and a /24 do not join.
The connected components of the joined look-alikes are the **operations**; each is labelled by
its most identifying shared node. Pure: no network, no clock.

Memory: only look-alikes with infrastructure take part, and the networkx graph holds only the
nodes that two of them share (a node with one look-alike joins nothing): it grows with the
registered names of a scan, not with its candidates.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from typorisk.rank.providers import KNOWN_PROVIDERS, Providers, known_provider
from typorisk.rank.score import RiskWeights

Node = tuple[str, str]
LINK_KINDS = ("cert", "san", "mx", "favicon", "fuzzy", "registrant", "ip", "ns", "net", "owner")
"""Node kinds that can join look-alikes (the registrar alone cannot: it serves millions)."""
HOST_KINDS = frozenset({"mx", "ns", "ip", "net"})
"""Kinds whose node name is shown alone in a label (the others are prefixed by their kind)."""
FAMILY = {"ip": "network", "net": "network", "owner": "network", "san": "cert"}
"""Kinds that imply each other, counted once per pair of look-alikes (at the heaviest)."""


@dataclass(frozen=True, slots=True)
class Hub:
    """A node set aside as Internet-wide infrastructure: it joins nothing."""

    kind: str
    name: str
    degree: int
    """Look-alikes of the scan that point at it."""
    why: str
    """``listed provider <match>``, ``degree <n> ≥ <limit>``, ``own infrastructure of
    <target>`` or ``wildcard records``."""


@dataclass(frozen=True, slots=True)
class Operation:
    """Look-alikes joined by shared infrastructure: one operator, one takedown."""

    label: str
    """The most identifying shared node, as people read it (``mx.collector.example``,
    ``favicon -1200719813``); unique within one ranking."""
    kind: str
    """Kind of the label's node."""
    node: str
    """Name of the label's node."""
    members: tuple[str, ...]
    """Its look-alikes (registrable domains, A-labels), sorted."""
    targets: tuple[str, ...]
    """The protected targets they imitate, sorted."""
    mail_capable: int
    """Members that can receive mail (MX, implicit MX, catch-all, wildcard mail)."""
    clones: int
    """Members whose page is a clone of their target's."""
    registrars: tuple[str, ...]
    """Registrars of the members (as the registries name them), sorted."""
    evidence: Mapping[str, tuple[Node, ...]]
    """Member → the nodes it shares with other members (most identifying first)."""
    shared: tuple[tuple[Node, int], ...]
    """Every shared node with how many members point at it, most identifying first."""

    def reason(self, domain: str) -> str:
        """The graph reason of one member: ``one of 9 look-alikes of operation
        mx.collector.example, 6 can receive mail`` (and the targets, clones when any)."""
        text = f"one of {len(self.members)} look-alikes of operation {self.label}"
        text += f", {self.mail_capable} can receive mail"
        if len(self.targets) > 1:
            text += f", imitating {len(self.targets)} targets"
        if self.clones:
            text += f", {self.clones} serve a clone"
        joined = self.evidence.get(domain, ())
        if joined:
            text += " (joined by " + ", ".join(node_text(n) for n in joined[:3]) + ")"
        return text


@dataclass(frozen=True, slots=True)
class Member:
    """What an operation needs to know of one look-alike."""

    nodes: tuple[Node, ...]
    targets: tuple[str, ...]
    mail: bool
    """Can receive mail."""
    clone: bool
    registrar: str | None
    wildcard: bool = False
    """Answered only by a wildcard: its records are the suffix's, not an operator's."""


def node_text(node: Node, *, full: bool = False) -> str:
    """A node as people read it: ``MX mx.collector.example``, ``favicon -1200719813``,
    ``certificate 3f2a0c9d1e7b4a55`` (a SHA-256 fingerprint cut to its first 16 hex digits, as
    a short git hash is; ``certificate sha256 <all 64>`` with ``full``)."""
    kind, name = node
    if kind == "cert":
        return f"certificate sha256 {name}" if full else f"certificate {name[:16]}"
    if kind == "san":
        return f"certificate names {name}"
    if kind == "net":
        return f"network {name}"
    if kind == "owner":
        return f"network owner {name}"
    return f"{kind.upper() if kind in HOST_KINDS else kind} {name}"


def label_of(node: Node) -> str:
    """The label of an operation named after ``node``: the name alone for hosts and networks,
    else :func:`node_text`."""
    return node[1] if node[0] in HOST_KINDS else node_text(node)


def link_weight(kind: str, w: RiskWeights) -> float:
    """How identifying a node kind is, in [0, 1] (``link_<kind>``; 0 for other kinds)."""
    return float(getattr(w, f"link_{kind}", 0.0))


def hub_reason(  # noqa: PLR0917 - a node, its degree, and what decides
    node: Node,
    degree: int,
    w: RiskWeights,
    providers: Providers,
    own: Mapping[Node, str],
    wild: set[Node],
) -> str | None:
    """Why ``node`` (pointed at by ``degree`` look-alikes) is a hub, or None."""
    if node in own:
        return f"own infrastructure of {own[node]}"
    if node in wild:
        return "wildcard records"
    listed = known_provider(node[0], node[1], providers)
    if listed is not None:
        return f"listed provider {listed}"
    limit = int(getattr(w, f"hub_{node[0]}", 0))
    if limit and degree >= limit:
        return f"degree {degree} ≥ {limit}"
    return None


@dataclass(frozen=True, slots=True)
class Found:
    """What :func:`find_operations` found."""

    operations: tuple[Operation, ...]
    """Largest first, then by label."""
    hubs: tuple[Hub, ...]
    """Hubs pointed at by at least two look-alikes (those that would have joined something),
    most look-alikes first."""
    graph: nx.Graph[Node]
    """The look-alikes (``("lookalike", domain)``) and the non-hub nodes two of them share,
    edges weighted (``weight``) by how identifying the node's kind is."""


def operations_graph(
    members: Mapping[str, Member],
    w: RiskWeights,
    providers: Providers = KNOWN_PROVIDERS,
    own: Mapping[Node, str] | None = None,
    degree: Mapping[Node, int] | None = None,
) -> tuple[nx.Graph[Node], list[Hub]]:
    """The graph of ``members`` (domain → :class:`Member`) and the nodes two of them share,
    without hubs; and the hubs set aside. ``own``: each protected target's own nodes (node →
    target). ``degree``: look-alikes on each node across the whole scan, when ``members``
    holds only those that can join something (a node's degree is the larger of that and its
    members here)."""
    behind: dict[Node, list[str]] = {}
    wild: set[Node] = set()
    for domain, m in members.items():
        for node in m.nodes:
            if node[0] in LINK_KINDS:
                behind.setdefault(node, []).append(domain)
                if m.wildcard:
                    wild.add(node)
    counts = dict(degree or {})
    for node, domains in behind.items():
        counts[node] = max(counts.get(node, 0), len(domains))
    hubs = []
    for node, count in counts.items():
        if count < 2 or node[0] not in LINK_KINDS:
            continue  # joins nothing, hub or not
        why = hub_reason(node, count, w, providers, own or {}, wild)
        if why is not None:
            hubs.append(Hub(node[0], node[1], count, why))
    set_aside = {(h.kind, h.name) for h in hubs}
    graph: nx.Graph[Node] = nx.Graph()
    graph.add_nodes_from(("lookalike", d) for d in members)
    for node, domains in behind.items():
        if len(domains) >= 2 and node not in set_aside:
            weight = link_weight(node[0], w)
            graph.add_edges_from((("lookalike", d), node, {"weight": weight}) for d in domains)
    hubs.sort(key=lambda h: (-h.degree, h.kind, h.name))
    return graph, hubs


def joined(graph: nx.Graph[Node], join: float) -> nx.Graph[Node]:
    """Look-alikes joined: an edge where the nodes two look-alikes share weigh ``join`` or
    more, each family (:data:`FAMILY`; else the kind) counted once at its heaviest. A node
    that reaches ``join`` alone joins its look-alikes in a chain (enough for the components);
    weaker ones add up pair by pair, among the look-alikes whose weak nodes could reach
    ``join`` together (the others are left out of the pairs: most look-alikes share one /24
    or nothing weak at all)."""
    out: nx.Graph[Node] = nx.Graph()
    weak: dict[str, list[tuple[Node, float]]] = {}
    best: dict[tuple[Node, str], float] = {}
    for node in graph.nodes:
        if node[0] == "lookalike":
            continue
        around = sorted(graph.adj[node])
        weight = float(graph.adj[node][around[0]]["weight"]) if around else 0.0
        if weight >= join:
            out.add_edges_from(itertools.pairwise(around))
            continue
        family = FAMILY.get(node[0], node[0])
        weak.setdefault(family, []).append((node, weight))
        for a in around:
            best[(a, family)] = max(best.get((a, family), 0.0), weight)
    potential: dict[Node, float] = {}
    for (a, _), weight in best.items():
        potential[a] = potential.get(a, 0.0) + weight
    total: dict[tuple[Node, Node], float] = {}
    for nodes in weak.values():
        heaviest: dict[tuple[Node, Node], float] = {}
        for node, weight in nodes:
            able = sorted(a for a in graph.adj[node] if potential[a] >= join - 1e-9)
            for pair in itertools.combinations(able, 2):
                heaviest[pair] = max(heaviest.get(pair, 0.0), weight)
        for pair, weight in heaviest.items():
            total[pair] = total.get(pair, 0.0) + weight
    out.add_edges_from(pair for pair, weight in total.items() if weight >= join - 1e-9)
    return out


def find_operations(
    members: Mapping[str, Member],
    w: RiskWeights | None = None,
    providers: Providers = KNOWN_PROVIDERS,
    own: Mapping[Node, str] | None = None,
    degree: Mapping[Node, int] | None = None,
) -> Found:
    """The operations among ``members`` (domain → :class:`Member`; see the module docstring
    and :func:`operations_graph` for ``own`` and ``degree``)."""
    w = w or RiskWeights()
    graph, hubs = operations_graph(members, w, providers, own, degree)
    found = []
    for component in nx.connected_components(joined(graph, w.join)):
        domains = sorted(d for _, d in component)
        if len(domains) >= max(2, w.operation_min):
            found.append(_operation(domains, graph, members, w))
    found.sort(key=lambda o: (-len(o.members), o.label))
    return Found(_unique_labels(found), tuple(hubs), graph)


def _operation(
    domains: Sequence[str], graph: nx.Graph[Node], members: Mapping[str, Member], w: RiskWeights
) -> Operation:
    counts: dict[Node, int] = {}
    for d in domains:
        for node in graph.adj[("lookalike", d)]:
            counts[node] = counts.get(node, 0) + 1
    shared = sorted(
        ((n, c) for n, c in counts.items() if c >= 2),
        key=lambda nc: (-link_weight(nc[0][0], w), -nc[1], nc[0]),
    )
    rank = {n: i for i, (n, _) in enumerate(shared)}
    evidence = {
        d: tuple(
            sorted((n for n in graph.adj[("lookalike", d)] if n in rank), key=rank.__getitem__)
        )
        for d in domains
    }
    best = shared[0][0]
    facts = [members[d] for d in domains]
    return Operation(
        label=label_of(best),
        kind=best[0],
        node=best[1],
        members=tuple(domains),
        targets=tuple(sorted({t for m in facts for t in m.targets})),
        mail_capable=sum(m.mail for m in facts),
        clones=sum(m.clone for m in facts),
        registrars=tuple(sorted({m.registrar for m in facts if m.registrar})),
        evidence=evidence,
        shared=tuple(shared),
    )


def _unique_labels(found: Iterable[Operation]) -> tuple[Operation, ...]:
    """Operations with labels made unique (``#2`` after a repeated one; rare: two operations
    share a label node only when it is too weak to join them)."""
    seen: dict[str, int] = {}
    out = []
    for op in found:
        n = seen.get(op.label, 0) + 1
        seen[op.label] = n
        out.append(op if n == 1 else _relabel(op, f"{op.label} #{n}"))
    return tuple(out)


def _relabel(op: Operation, label: str) -> Operation:
    return Operation(
        label, op.kind, op.node, op.members, op.targets, op.mail_capable, op.clones,
        op.registrars, op.evidence, op.shared,
    )  # fmt: skip


def operation_value(op: Operation, w: RiskWeights) -> float:
    """G of a member of ``op``, in [0, 1]: the operation's size on a log scale (its other
    members; full at ``saturation``) times ``op_base`` + ``op_mail`` × the share of members
    that can receive mail + ``op_targets`` when it imitates several targets + ``op_clones``
    when a member serves a clone (capped at 1)."""
    others = len(op.members) - 1
    size = min(1.0, _log_share(others, w.saturation))
    spread = w.op_base + w.op_mail * op.mail_capable / max(len(op.members), 1)
    spread += w.op_targets * (len(op.targets) > 1) + w.op_clones * (op.clones > 0)
    return min(1.0, size * spread)


def _log_share(k: int, saturation: int) -> float:
    return math.log1p(max(k, 0)) / math.log1p(max(saturation, 1))
