"""The infrastructure graph: targets, candidates, suffixes, MX/NS hosts, IPs, networks, registrars,
registrant organisations, TLS certificates and their name sets, favicon and page fuzzy hashes.

Nodes are ``(kind, name)`` tuples — ``("target", "army.mil")``, ``("candidate", "army.ml")``,
``("mx", "mx.example.net")``, ``("ip", "192.0.2.7")``, ``("net", "192.0.2.0/24")``,
``("owner", "AS64500 EXAMPLE-HOSTING")`` (the network's owner, from IP RDAP: one hosting
company spans many /24s)... — so two kinds never collide. Which infrastructure a candidate links
to is one table, :data:`INFRASTRUCTURE`: a new kind of infrastructure key is one entry there
(and its node weight ``node_<kind>`` in :class:`~typorisk.rank.score.RiskWeights`).

Ranking does not build a graph with a node per candidate: operations
(:mod:`typorisk.rank.operations`) and clusters need, per infrastructure node, only the
registered typo domains behind it, so :class:`InfraIndex` keeps those (and each domain's
nodes, for the domains that have any), which is a few entries per registered candidate instead
of a few hundred bytes per candidate (a million candidates cost 3.4 GiB as a networkx graph).
:func:`build_graph` still builds the full networkx graph from the same table, for a library
user who wants to draw or walk it. Built from observations alone: no network.
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from typorisk.kit.net import network_of
from typorisk.rank.facts import Observation
from typorisk.rank.score import capture_label

Node = tuple[str, str]
MAIL_CAPTURE = frozenset({"catch-all", "mx", "wildcard-mail", "implicit"})
"""Capture labels of a look-alike that can receive mail."""
MAIL, CLONE, WEB_DEFENSIVE = 1, 2, 4
"""Bits of :attr:`InfraIndex.traits`."""
_Entry = tuple[str, tuple[Node, ...]]


@dataclass(frozen=True, slots=True)
class InfraKind:
    """One kind of infrastructure a candidate can share with others."""

    kind: str
    """The node kind (``mx``, ``ns``...); its graph weight is ``RiskWeights.node_<kind>``."""
    rel: str
    """The edge's ``rel`` in :func:`build_graph`."""
    names: Callable[[Observation], Iterable[str]] = lambda obs: ()
    """The node names an observation links to directly."""
    via: str | None = None
    """Reached through nodes of this kind rather than from the candidate (a network through its
    IPs): not a direct edge, and not compared with the target's own infrastructure."""
    derive: Callable[[str], str | None] = lambda name: None
    """With ``via``: the node name derived from a ``via`` node's name (None: none)."""
    defensive: bool = False
    """Sharing it with the candidate's own target marks a likely defensive registration."""
    cluster: bool = True
    """Reported as a cluster when enough typo domains share one node."""


def _registrant(obs: Observation) -> list[str]:
    """The registrant organisation at its registrar (``Acme Ltd at example registrar``): one
    organisation's names at one registrar; none when the registry shows no organisation."""
    if not obs.registrant:
        return []
    org = " ".join(obs.registrant.split()).lower()
    return [f"{org} at {obs.registrar.lower()}" if obs.registrar else org]


def _san_set(names: tuple[str, ...]) -> list[str]:
    """The certificate's set of names as one node (``a.example+2 names #1f2e3d4c``: the first
    name, how many more, and a digest of the sorted set), when it names several domains: a
    certificate covering look-alikes of different brands was ordered by one party."""
    unique = sorted(set(names))
    if len(unique) < 2:
        return []
    digest = hashlib.sha256("\n".join(unique).encode()).hexdigest()[:8]
    return [f"{unique[0]}+{len(unique) - 1} names #{digest}"]


INFRASTRUCTURE: tuple[InfraKind, ...] = (
    InfraKind("mx", "mx", lambda o: [h for h in o.mx if h], defensive=True),
    InfraKind("ns", "ns", lambda o: o.ns, defensive=True),
    InfraKind("ip", "a", lambda o: (*o.a, *o.aaaa)),
    InfraKind("net", "in", via="ip", derive=network_of),
    InfraKind(
        "registrar",
        "registrar",
        lambda o: [o.registrar.lower()] if o.registrar else [],
        defensive=True,
        cluster=False,
    ),
    InfraKind("owner", "owner", lambda o: [o.network_owner] if o.network_owner else []),
    InfraKind("registrant", "registrant", _registrant, cluster=False),
    InfraKind("cert", "cert", lambda o: [o.cert.lower()] if o.cert else [], cluster=False),
    InfraKind("san", "san", lambda o: _san_set(o.cert_names), cluster=False),
    InfraKind("favicon", "favicon", lambda o: [o.favicon] if o.favicon else [], cluster=False),
    InfraKind("fuzzy", "fuzzy", lambda o: [o.fuzzy] if o.fuzzy else [], cluster=False),
)
"""Every infrastructure key, in one table (see the module docstring)."""
INFRA_KINDS = tuple(k.kind for k in INFRASTRUCTURE)
DEFENSIVE_RELS = frozenset(k.rel for k in INFRASTRUCTURE if k.defensive)
CLUSTER_KINDS = frozenset(k.kind for k in INFRASTRUCTURE if k.cluster)


_DIRECT = tuple(k for k in INFRASTRUCTURE if k.via is None)


def infrastructure(obs: Observation) -> list[tuple[Node, str]]:
    """``(node, rel)`` for every piece of infrastructure an observation names directly (not the
    networks, which hang off its IPs)."""
    dns = obs.mx or obs.ns or obs.a or obs.aaaa
    owner = obs.registrar or obs.network_owner or obs.registrant
    if not (dns or owner or obs.cert or obs.cert_names or obs.favicon or obs.fuzzy):
        return []  # most candidates: free names, nothing to walk (a fast path, same answer)
    return [((k.kind, name), k.rel) for k in _DIRECT for name in k.names(obs)]


def infra_nodes(obs: Observation) -> set[Node]:
    """Every infrastructure node the graph signal walks from a candidate (networks included)."""
    direct = infrastructure(obs)
    nodes = {node for node, _ in direct}
    if not direct:
        return nodes
    for k in INFRASTRUCTURE:
        if k.via is not None:
            for node, _ in direct:
                name = k.derive(node[1]) if node[0] == k.via else None
                if name is not None:
                    nodes.add((k.kind, name))
    return nodes


def build_graph(
    observations: Iterable[Observation], own: Mapping[str, Observation] | None = None
) -> nx.MultiDiGraph[Node]:
    """The full networkx graph of candidate observations and, optionally, each target's own
    records (``own``: target name → the observation of the target's own domain). Edges carry a
    ``rel``: ``typo`` (target→candidate, with the likelihood and kinds), the table's rels
    (candidate→infrastructure; ``in`` IP→network), ``own`` (target→its own infrastructure) and
    ``suffix``. Ranking does not need it (:class:`InfraIndex`)."""
    graph: nx.MultiDiGraph[Node] = nx.MultiDiGraph()
    for obs in observations:
        target, cand = ("target", obs.target), ("candidate", obs.domain)
        graph.add_node(cand, obs=obs)
        graph.add_edge(target, cand, rel="typo", likelihood=obs.likelihood, kinds=obs.kinds)
        graph.add_edge(("suffix", obs.suffix), cand, rel="suffix")
        for node, rel in infrastructure(obs):
            graph.add_edge(cand, node, rel=rel)
            for k in INFRASTRUCTURE:
                name = k.derive(node[1]) if k.via == node[0] else None
                if name is not None:
                    graph.add_edge(node, (k.kind, name), rel=k.rel)
    for name, own_obs in (own or {}).items():
        for node, _ in infrastructure(own_obs):
            graph.add_edge(("target", name), node, rel="own")
    return graph


def shared_with_target(obs: Observation, own: Mapping[str, set[Node]]) -> list[Node]:
    """Infrastructure the candidate shares with its own target (a sign of a defensive
    registration): the table's ``defensive`` kinds (MX or NS hosts, the registrar) that the
    target also uses. ``own`` maps a target to its own nodes (:func:`own_nodes`)."""
    mine = own.get(obs.target)
    if not mine:
        return []
    return [node for node, rel in infrastructure(obs) if rel in DEFENSIVE_RELS and node in mine]


def own_nodes(own: Mapping[str, Observation]) -> dict[str, set[Node]]:
    """Each target's own infrastructure nodes, from the observations of its own domain."""
    return {name: {node for node, _ in infrastructure(obs)} for name, obs in own.items()}


class InfraIndex:
    """What the graph signal needs, aggregated per infrastructure key; fed one observation at a
    time, memory grows with the candidates that *have* infrastructure (registered, wildcarded),
    not with all of them.

    Holds: each such domain's nodes (interned, so a node shared by many is one object), the
    defensive-kind nodes of each registered observation (to decide, once the targets' own
    records are known, whether it is a defensive registration), and the domains answered by a
    wildcard per suffix. :meth:`finish` turns that into each node's members (registered,
    non-defensive domains behind it), as a walk candidate → infrastructure → candidates would.
    """

    def __init__(self) -> None:
        self.nodes_of: dict[str, tuple[Node, ...]] = {}
        """Domain → its infrastructure nodes, sorted (domains with none are absent)."""
        self._registered: dict[str, _Entry | list[_Entry]] = {}
        """Domain → (target, nodes of defensive kinds) of its registered observation, or a list
        of them when there are several (one tuple, not a list, for the usual single one)."""
        self._interned: dict[Node, Node] = {}
        self._combos: dict[tuple[Node, ...], tuple[Node, ...]] = {}
        """Defensive-node tuples, interned (most registered names share a few combinations)."""
        self.wildcards: dict[str, set[str]] = {}
        """Suffix → the domains answered only by a wildcard there."""
        self.traits: dict[str, int] = {}
        """Domain (with nodes) → :data:`MAIL` | :data:`CLONE` | :data:`WEB_DEFENSIVE` bits, any
        of its observations counting."""
        self.registrar_of: dict[str, str] = {}
        """Domain (with nodes) → its registrar (interned), when known."""
        self.members: dict[Node, tuple[str, ...]] = {}
        """After :meth:`finish`: node → registered, non-defensive domains behind it, sorted (a
        tuple: a third of a set's memory; membership is asked of :attr:`eligible`)."""
        self.eligible: set[str] = set()
        """After :meth:`finish`: every node's members (registered, non-defensive, linked)."""

    def add(self, obs: Observation) -> None:
        """Take one candidate observation into account."""
        nodes = infra_nodes(obs)
        if nodes:
            seen = self.nodes_of.get(obs.domain)
            if seen is not None:
                nodes |= set(seen)
            self.nodes_of[obs.domain] = tuple(
                sorted(self._interned.setdefault(n, n) for n in nodes)
            )
            bits = MAIL * (capture_label(obs) in MAIL_CAPTURE) | CLONE * (obs.web == "clone")
            bits |= WEB_DEFENSIVE * (obs.web == "redirect-target")
            self.traits[obs.domain] = self.traits.get(obs.domain, 0) | bits
            if obs.registrar:
                self.registrar_of.setdefault(obs.domain, sys.intern(obs.registrar))
        if obs.registration == "registered":
            defensive = tuple(
                self._interned.setdefault(node, node)
                for node, rel in infrastructure(obs)
                if rel in DEFENSIVE_RELS
            )
            entry = (sys.intern(obs.target), self._combos.setdefault(defensive, defensive))
            earlier = self._registered.get(obs.domain)
            if earlier is None:
                self._registered[obs.domain] = entry
            elif isinstance(earlier, list):
                earlier.append(entry)
            else:
                self._registered[obs.domain] = [earlier, entry]
        if obs.wildcard:
            self.wildcards.setdefault(obs.suffix, set()).add(obs.domain)

    def finish(self, own: Mapping[str, set[Node]]) -> set[str]:
        """Decide membership now that every target's own nodes (``own``) are known; returns
        the members of any node (registered, non-defensive domains that have nodes)."""
        eligible = self.eligible
        for domain, found in self._registered.items():
            if domain not in self.nodes_of:
                continue  # registered but linked to nothing: a member of no node
            entries = found if isinstance(found, list) else [found]
            if any(not (own.get(t) and any(n in own[t] for n in nodes)) for t, nodes in entries):
                eligible.add(domain)
        self._registered.clear()
        self._combos.clear()
        members: dict[Node, list[str]] = {}
        for domain in eligible:
            for node in self.nodes_of[domain]:
                members.setdefault(node, []).append(domain)
        while members:
            node, group = members.popitem()
            self.members[node] = tuple(sorted(group))
        return eligible

    def others(self, node: Node, domain: str) -> int:
        """Members of ``node`` other than ``domain``."""
        group = self.members.get(node)
        if not group:
            return 0
        return len(group) - (domain in self.eligible)

    def nodes(self) -> Iterable[Node]:
        """Every node some candidate links to."""
        return self._interned.keys()
