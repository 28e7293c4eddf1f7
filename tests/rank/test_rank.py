"""Ranking on generated worlds with known ground truth."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest

from typorisk.errors import RankInputError, TyporiskError
from typorisk.rank import Observation, RiskWeights, observation_from_row, rank

from .world import BRANDS, COLLECTOR, TODAY, make_world


def test_operation_and_wildcard_rank_above_unregistered_noise() -> None:
    world = make_world()
    result = rank(world.observations, own=world.own, now=TODAY)
    risk = {r.obs.domain: r.risk for r in result.ranked}
    noise_max = max(risk[d] for d in world.noise)
    assert min(risk[d] for d in world.operation) > noise_max
    assert min(risk[d] for d in world.wildcarded) > noise_max
    assert all(0.0 <= r.risk <= 1.0 for r in result.ranked)
    assert [r.risk for r in result.ranked] == sorted((r.risk for r in result.ranked), reverse=True)


def test_defensive_registrations_are_identified_and_ranked_down() -> None:
    world = make_world()
    result = rank(world.observations, own=world.own, now=TODAY)
    assert {r.obs.domain for r in result.defensive} == world.defensive
    risk = {r.obs.domain: r.risk for r in result.ranked}
    assert max(risk[d] for d in world.defensive) < min(risk[d] for d in world.operation)
    defensive = next(r for r in result.ranked if r.obs.domain in world.defensive)
    assert any("defensive registration" in reason for reason in defensive.reasons)
    assert defensive.contributions["registration"] == RiskWeights().defensive


def test_the_operation_is_reported_as_a_cluster_with_its_reasons() -> None:
    world = make_world()
    result = rank(world.observations, own=world.own, now=TODAY)
    top = result.clusters[0]
    assert (top.kind, top.name) == ("mx", COLLECTOR)
    assert set(top.members) == world.operation and top.targets == tuple(BRANDS)
    member = next(r for r in result.ranked if r.obs.domain in world.operation)
    assert member.operation == COLLECTOR
    reason = next(r for r in member.reasons if "of operation" in r)
    assert reason.startswith(
        f"one of 50 look-alikes of operation {COLLECTOR}, 50 can receive mail, imitating 5 targets"
        f" (joined by MX {COLLECTOR}"
    )
    assert any(reason.startswith("has MX") for reason in member.reasons)
    assert sum(member.contributions[k] for k in ("likelihood", "capture", "graph")) == (
        pytest.approx(member.risk, abs=1e-5)
    )
    # the defensive registrations' own name servers are not a cluster
    assert not any(c.kind == "ns" and c.name.endswith(".com") for c in result.clusters)


def test_wildcarded_suffix_is_one_finding() -> None:
    world = make_world()
    result = rank(world.observations, own=world.own, now=TODAY)
    assert result.wildcard_suffixes == {"cm": tuple(sorted(world.wildcarded))}
    cm = next(r for r in result.ranked if r.obs.domain == "brand0.cm")
    assert cm.capture == "wildcard-mail"
    assert cm.reasons[0] == "suffix typo com→cm (suffix-omission)"


def test_deterministic_whatever_the_input_order() -> None:
    world = make_world()
    first = rank(world.observations, own=world.own, now=TODAY)
    shuffled = list(world.observations)
    random.Random(5).shuffle(shuffled)
    second = rank(shuffled, own=world.own, now=TODAY)
    assert first == second


def test_capture_order_and_recency() -> None:
    base = Observation("corp.com", "c0rp.com", "com", 1e-4, ("homoglyph",), "registered", "mx")
    variants = {
        "catch-all": dataclasses.replace(base, smtp="accepts-any"),
        "mx": base,
        "implicit": dataclasses.replace(base, mail="implicit"),
        "registered": dataclasses.replace(base, mail="none"),
        "unregistered": dataclasses.replace(base, registration="unregistered", mail="none"),
        "null-mx": dataclasses.replace(base, mail="null-mx"),
    }
    risks = [rank([obs]).ranked[0].risk for obs in variants.values()]
    assert risks == sorted(risks, reverse=True) and len(set(risks)) == len(risks)
    fresh = dataclasses.replace(base, created=TODAY - dt.timedelta(days=3))
    ranked = rank([fresh], now=TODAY).ranked[0]
    assert ranked.risk > rank([base], now=TODAY).ranked[0].risk
    assert "registered 3 days ago" in ranked.reasons


def test_weights_are_overridable_and_checked() -> None:
    world = make_world(noise=20)
    no_graph = RiskWeights().with_overrides({"w_graph": "0"})
    result = rank(world.observations, own=world.own, weights=no_graph)
    assert all(r.contributions["graph"] == 0 for r in result.ranked)
    with pytest.raises(TyporiskError, match="unknown risk weight"):
        RiskWeights().with_overrides({"nope": 1})
    with pytest.raises(TyporiskError, match="must be ≥ 0"):
        RiskWeights().with_overrides({"mx": -1})


@pytest.mark.parametrize(
    ("row", "needle"),
    [
        ({"target": "a.com"}, "no 'domain'"),
        ({"domain": "b.com"}, "no 'target'"),
        ({"domain": "b.com", "target": "a.com", "likelihood": "x"}, "must be numbers"),
        ({"domain": "b.com", "target": "a.com", "mx": 5}, "list of strings"),
        ({"domain": "b.com", "target": "a.com", "created": "yesterday"}, "ISO date"),
    ],
)
def test_bad_rows_are_named(row: dict[str, object], needle: str) -> None:
    with pytest.raises(RankInputError, match=needle):
        observation_from_row(row)


def test_rows_from_permute_alone_still_rank() -> None:
    obs = observation_from_row(
        {
            "target": "army.mil",
            "domain": "army.ml",
            "likelihood": 0.0015,
            "kinds": ["suffix-omission"],
            "suffix": "ml",
        }
    )
    ranked = rank([obs]).ranked[0]
    assert ranked.capture == "unknown" and 0 < ranked.risk < 1
    assert ranked.reasons[0] == "suffix typo mil→ml (suffix-omission)"


def test_one_mx_for_many_typos_stays_linear() -> None:
    """One MX for 20,000 typo domains: by default a hub (its degree is over ``hub_mx``), and
    with the limit lifted one operation whose reason counts every member (joining a node's
    look-alikes is a chain, not every pair)."""
    many = [
        Observation(
            "brand.com",
            f"t{i}.com",
            "com",
            1e-4,
            ("omission",),
            "registered",
            "mx",
            mx=("mx.one.example",),
        )
        for i in range(20_000)
    ]
    result = rank(many)
    assert result.operations == () and result.ranked[0].operation is None
    assert [(h.name, h.degree, h.why) for h in result.hubs] == [
        ("mx.one.example", 20_000, "degree 20000 ≥ 100")
    ]
    first = rank(many, weights=RiskWeights(hub_mx=10**6)).ranked[0]
    assert (
        "one of 20000 look-alikes of operation mx.one.example, 20000 can receive mail "
        "(joined by MX mx.one.example)"
    ) in first.reasons


def test_a_registry_lookup_settles_what_dns_could_not() -> None:
    row = {
        "target": "corp.com",
        "domain": "c0rp.com",
        "registration": "unknown",
        "registration_lookup": "found",
        "registrar": "Example Registrar",
    }
    assert observation_from_row(row).registration == "registered"
    row["registration_lookup"] = "unknown"
    assert observation_from_row(row).registration == "unknown"
