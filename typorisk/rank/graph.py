"""The infrastructure graph: targets, candidates, suffixes, MX/NS hosts, IPs, networks, registrars.

Nodes are ``(kind, name)`` tuples — ``("target", "army.mil")``, ``("candidate", "army.ml")``,
``("mx", "mx.example.net")``, ``("ip", "192.0.2.7")``, ``("net", "192.0.2.0/24")``,
``("owner", "AS64500 EXAMPLE-HOSTING")`` (the network owner, from IP RDAP)... — so two kinds
never collide. Edges carry a ``rel`` attribute: ``typo`` (target→candidate, with the
likelihood and kinds), ``mx``/``ns``/``a``/``registrar``/``owner`` (candidate→infrastructure),
``own`` (target→its own infrastructure), ``in`` (IP→network) and ``suffix``. Built from observations
alone: no network.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

import networkx as nx

from typorisk.rank.facts import Observation

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
    if obs.network_owner:
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
