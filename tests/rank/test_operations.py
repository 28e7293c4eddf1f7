"""Operations: look-alikes joined by the infrastructure they share, hubs set aside
(:mod:`typorisk.rank.operations`), on the world of :mod:`tests.rank.operations_world`: three
planted operations that share different kinds, two hub providers used by many unrelated
look-alikes, controls that share one weak node, defensive registrations."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

import pytest

from tests.conftest import Ledger
from typorisk.rank import (
    NO_PROVIDERS,
    Observation,
    Ranker,
    RankResult,
    RiskWeights,
    SqliteSpill,
    observation_from_row,
    rank,
)
from typorisk.rank.providers import known_provider
from typorisk.rank.rows import add_row, ranked_rows

from .operations_world import (
    CERT,
    COLLECTOR,
    FAVICON,
    LISTED_MX,
    OP2_NS,
    PARKING_IP,
    PARKING_NS,
    OpsWorld,
    make_ops_world,
)
from .world import TODAY, make_world

Row = dict[str, object]


def ranked(
    rows: Sequence[Row], weights: RiskWeights | None = None, **kw: object
) -> tuple[list[Row], RankResult]:
    """Rank rows as a scan does (streamed through the SQLite spill)."""
    ranker: Ranker[Row] = Ranker(
        weights=weights or RiskWeights(),
        now=TODAY,
        spill=SqliteSpill(),
        **kw,  # type: ignore[arg-type]
    )
    for row in rows:
        add_row(ranker, row, row)
    out = []
    for r, row in ranker.ranked():
        out.append({**row, "risk": r.risk, "reasons": list(r.reasons), "operation": r.operation,
                    "contrib_graph": r.contributions["graph"]})  # fmt: skip
    assert ranker.findings is not None
    return out, ranker.findings


def groups(result: RankResult) -> dict[str, set[str]]:
    return {op.label: set(op.members) for op in result.operations}


def test_exactly_the_three_planted_operations_come_out_with_their_members() -> None:
    world = make_ops_world()
    _, result = ranked(world.rows)
    by_kind = {op.kind: op for op in result.operations}
    assert len(result.operations) == 3 and set(by_kind) == {"mx", "favicon", "cert"}
    op1, op2, op3 = by_kind["mx"], by_kind["favicon"], by_kind["cert"]
    assert set(op1.members) == world.operations["op-mx"] and op1.label == COLLECTOR
    assert set(op2.members) == world.operations["op-ns-favicon"]
    assert op2.label == f"favicon {FAVICON}"
    assert set(op3.members) == world.operations["op-cert-net"]
    assert op3.label == f"certificate {CERT[:16]}"
    # the evidence joining each member names each kind it shares
    for member in op2.members:
        assert {k for k, _ in op2.evidence[member]} == {"favicon", "ns"}
    for member in op3.members:
        assert {k for k, _ in op3.evidence[member]} == {"cert", "san", "net", "owner"}
    assert op1.targets == ("alpha.com", "beta.com") and op1.mail_capable == 6
    assert op1.registrars == ("Cheap Names",) and op2.clones == 5
    assert op3.targets == ("gamma.org",) and op3.mail_capable == 4


def test_hubs_are_recognised_by_degree_and_by_the_shipped_list() -> None:
    world = make_ops_world()
    _, result = ranked(world.rows)
    hubs = {(h.kind, h.name): (h.degree, h.why) for h in result.hubs}
    assert hubs[("ip", PARKING_IP)] == (66, "degree 66 ≥ 50")
    assert hubs[("net", "192.0.2.0/24")] == (66, "degree 66 ≥ 50")
    assert hubs[("ns", PARKING_NS)] == (66, "degree 66 ≥ 30")
    assert hubs[("mx", LISTED_MX)] == (19, "listed provider secureserver.net")
    members = {d for op in result.operations for d in op.members}
    for users in world.hub_users.values():
        assert not users & members  # the hubs merge nothing


def test_without_hub_recognition_the_hubs_would_merge_operations_with_strangers() -> None:
    """Each recognition bites: without the list, the listed mail host joins op-cert-net to its
    fifteen other users; with the degree limits lifted, the parking service (its NS and IP)
    joins op-mx to sixty."""
    world = make_ops_world()
    _, unlisted = ranked(world.rows, providers=NO_PROVIDERS)
    merged = next(op for op in unlisted.operations if op.kind == "cert")
    assert set(merged.members) == world.operations["op-cert-net"] | world.hub_users[LISTED_MX]
    lifted = RiskWeights(hub_ip=10**6, hub_net=10**6, hub_ns=10**6)
    _, no_degree = ranked(world.rows, lifted)
    merged = next(op for op in no_degree.operations if COLLECTOR in op.label)
    assert set(merged.members) == world.operations["op-mx"] | world.hub_users[PARKING_IP]


def test_one_weak_link_joins_nothing() -> None:
    """The controls share one weak node with an operation (its NS, its favicon, its /24) and
    stay out; op-ns-favicon needs both its NS and its favicon."""
    world = make_ops_world()
    rows, result = ranked(world.rows)
    members = {d for op in result.operations for d in op.members}
    assert not world.controls & members
    for row in rows:
        if row["domain"] in world.controls:
            assert row["operation"] is None and row["contrib_graph"] == 0
    for drop in ("ns", "web_favicon"):
        cut = [
            {**r, drop: [f"ns.{r['domain']}"] if drop == "ns" else None}
            if r["domain"] in world.operations["op-ns-favicon"]
            else r
            for r in world.rows
        ]
        _, result = ranked(cut)
        assert not any(op.kind in ("favicon", "ns") for op in result.operations), drop


def test_defensive_registrations_never_join_a_squatters_operation() -> None:
    """alpha.com's two defensive registrations share its MX and NS (and one its favicon, as
    op-ns-favicon's clones do): recognised as the brand's own, they join nothing; the same rows
    without the target's records would make an operation of them."""
    world = make_ops_world()
    rows, result = ranked(world.rows)
    members = {d for op in result.operations for d in op.members}
    assert not world.defensive & members
    assert all(r["operation"] is None for r in rows if r["domain"] in world.defensive)
    blind = [{**r, "target_mx": [], "target_ns": []} for r in world.rows]
    _, result = ranked(blind)
    assert groups(result).get("mx.alpha.com") == world.defensive


def test_the_graph_signal_and_its_reason_come_from_the_operation() -> None:
    world = make_ops_world()
    rows, _ = ranked(world.rows)
    by = {str(r["domain"]): r for r in rows}
    member = by["alpha-mail0.com"]
    assert member["operation"] == COLLECTOR
    assert (
        f"one of 6 look-alikes of operation {COLLECTOR}, 6 can receive mail, imitating 2 "
        f"targets (joined by MX {COLLECTOR}, network owner AS64501 PARKCO)"
    ) in member["reasons"]  # type: ignore[operator]
    clone = by["alpha-login0.net"]
    assert (
        f"one of 5 look-alikes of operation favicon {FAVICON}, 5 can receive mail, 5 serve a "
        f"clone (joined by favicon {FAVICON}, NS {OP2_NS})"
    ) in clone["reasons"]  # type: ignore[operator]
    for domains in world.operations.values():
        assert all(float(by[d]["contrib_graph"]) > 0 for d in domains)  # type: ignore[arg-type]
    for users in world.hub_users.values():
        assert all(by[d]["contrib_graph"] == 0 and by[d]["operation"] is None for d in users)
    # a larger operation weighs more: op-mx (6, two targets) above op-cert-net (4, one)
    assert float(member["contrib_graph"]) > float(by["gamma-pay0.org"]["contrib_graph"])  # type: ignore[arg-type]


def test_rows_name_their_operation_the_same_in_memory_and_streamed() -> None:
    world = make_ops_world()
    mine, result = ranked_rows(world.rows, RiskWeights(), TODAY)
    streamed, _ = ranked(world.rows)
    assert [(r["domain"], r["operation"]) for r in mine] == [
        (r["domain"], r["operation"]) for r in streamed
    ]
    named = {r["domain"]: r["operation"] for r in mine if r["operation"]}
    assert named == {d: op.label for op in result.operations for d in op.members}


def test_the_graph_grows_with_registered_names_not_candidates() -> None:
    """Free candidates have no infrastructure: 20,000 more leave the graph as it was, and so
    do ten more registered users of a hub (they can join nothing); five more registered
    look-alikes on op-mx's collecting MX make it larger."""

    def graph_size(world: OpsWorld) -> tuple[int, int]:
        ranker: Ranker[None] = Ranker(now=TODAY)
        for row in world.rows:
            add_row(ranker, row, None)
        for _ in ranker.ranked():
            pass
        return ranker.graph.number_of_nodes(), ranker.graph.number_of_edges()

    small = graph_size(make_ops_world())
    assert small[0] > 0
    assert graph_size(make_ops_world(20_000)) == small
    assert graph_size(make_ops_world(0, (60, 25))) == small
    grown = make_ops_world()
    mx_row = next(r for r in grown.rows if r["domain"] in grown.operations["op-mx"])
    grown.rows += [{**mx_row, "domain": f"alpha-mail-more{i}.com"} for i in range(5)]
    assert graph_size(grown) == (small[0] + 5, small[1] + 10)  # each: its MX and its AS


def test_names_answered_by_a_wildcard_enter_the_graph_but_join_nothing() -> None:
    """The .cm names of the generated world all show the wildcard's MX: the suffix's records,
    a hub, not an operation."""
    world = make_world(noise=10)
    result = rank(world.observations, own=world.own, now=TODAY)
    assert ("mx", "mx.wildcard-registry.example", "wildcard records") in {
        (h.kind, h.name, h.why) for h in result.hubs
    }
    assert all(not set(op.members) & world.wildcarded for op in result.operations)
    assert [op.label for op in result.operations] == ["mx.collector.example"]


@pytest.mark.parametrize(
    ("kind", "name", "match"),
    [
        ("ns", "ns-1536.awsdns-00.co.uk", "awsdns-00"),
        ("ns", "NS1.SedoParking.com.", "sedoparking.com"),
        ("mx", "alpha-com.mail.protection.outlook.com", "outlook.com"),
        ("owner", "AS13335 CLOUDFLARENET", "AS13335"),
        ("registrant", "domains by proxy, llc at godaddy.com, llc", "privacy"),
        ("ns", "ns1.cloudflare.com.evil.example", None),
        ("owner", "AS64500 SMALLHOST", None),
        ("ip", "104.16.0.1", None),
    ],
)
def test_the_shipped_provider_list(kind: str, name: str, match: str | None) -> None:
    found = known_provider(kind, name)
    assert found == match or (match == "privacy" and found is not None)


def test_hostile_web_and_registration_facts_are_bounded(ledger: Ledger) -> None:
    """What a look-alike's server and registry say is a stranger's text: every value is cut,
    a certificate's thousand names kept to a hundred, a wrong type ignored, never a crash."""
    row = ledger.row("rank: hostile certificate, favicon and registrant facts in a row")
    base: Row = {"target": "alpha.com", "domain": "alpha-x.com", "registration": "registered"}
    cases: list[Row] = [
        {"web_cert_names": [f"n{i}.example" for i in range(1000)], "web_cert_sha256": "a" * 10**5},
        {"registrant_org": "x" * 10**6, "registrar": "R"},
        {"web_favicon": True, "web_fuzzy": {"nested": 1}},
        {"web_favicon": 2**70, "web_fuzzy": "T1" + "0" * 5000},
    ]
    for facts in cases:
        with row.case():
            obs = observation_from_row({**base, **facts})
            assert len(obs.cert_names) <= 100
            assert all(
                len(v or "") <= 200 for v in (obs.cert, obs.registrant, obs.favicon, obs.fuzzy)
            )
            pair = [obs, dataclasses.replace(obs, domain="alpha-y.com")]
            found = rank(pair)
            assert len(found.ranked) == 2


def test_a_registrant_at_its_registrar_joins_but_a_registrar_alone_does_not() -> None:
    base = Observation("alpha.com", "a1.com", "com", 1e-4, registration="registered",
                       mail="none", registrar="Example Registrar")  # fmt: skip
    others = [dataclasses.replace(base, domain=f"a{i}.com") for i in range(2, 5)]
    assert rank([base, *others]).operations == ()
    owned = [dataclasses.replace(o, registrant="Squat Holdings Ltd") for o in [base, *others]]
    ops = rank(owned).operations
    assert [(op.label, len(op.members)) for op in ops] == [
        ("registrant squat holdings ltd at example registrar", 4)
    ]
    private = [dataclasses.replace(o, registrant="Privacy Service Ltd") for o in owned]
    assert rank(private).operations == ()


def test_operations_are_deterministic_whatever_the_input_order() -> None:
    world = make_ops_world()
    first = ranked_rows(world.rows, RiskWeights(), dt.date(2026, 11, 28))[1].operations
    again = ranked_rows(world.rows[::-1], RiskWeights(), dt.date(2026, 11, 28))[1].operations
    assert first == again


def test_another_brands_own_infrastructure_joins_nothing() -> None:
    """Two look-alikes of beta.com on alpha.com's own MX are alpha.com's (a brand registering
    a partner's typos), not a squatter's operation."""
    own = {"alpha.com": Observation("alpha.com", "alpha.com", "com", mx=("mx.alpha.com",))}
    pair = [
        Observation(
            "beta.com",
            f"beta{i}.com",
            "com",
            1e-4,
            registration="registered",
            mail="mx",
            mx=("mx.alpha.com",),
        )
        for i in range(2)
    ]
    result = rank(pair, own=own)
    assert result.operations == ()
    assert [(h.name, h.why) for h in result.hubs] == [
        ("mx.alpha.com", "own infrastructure of alpha.com")
    ]
    assert rank(pair).operations[0].members == ("beta0.com", "beta1.com")  # it would join
