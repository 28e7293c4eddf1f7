"""The streaming ranker scores as main's in-memory networkx ranker did
(:mod:`tests.rank.reference`) in everything but the graph signal, which now comes from
operations rather than from the best single node: with the graph weight at 0 in both, every
row's risk, capture, defensive flag, reasons (the graph's own reason left out of each) and
contributions, the order, and the findings (clusters, defensive registrations, wildcarded
suffixes) are the reference's — on the test worlds (the generated world of
:mod:`tests.rank.world`, the benchmark's world, random worlds full of edge cases, the demo's
world through the whole pipeline, and the NSD + Unbound world through ``typorisk scan``). The
streamed (SQLite spill) and in-memory rankings are compared in full, graph signal included.
No expected number is written here: the reference computes them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import ipaddress
import json
import random
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

from tests.benchmarks.bench_rank import world as bench_world
from typorisk.cli import main
from typorisk.demo.run import run_demo
from typorisk.rank import (
    Observation,
    Ranked,
    Ranker,
    RankResult,
    RiskWeights,
    SqliteSpill,
    rank,
)
from typorisk.rank.rows import ranked_rows

from . import reference
from .test_scan_rank import TARGET, resolver  # noqa: F401 - the shared NSD + Unbound world
from .world import TODAY, make_world

FACETS = ("risk", "capture", "defensive", "reasons", "contrib_likelihood", "contrib_capture")
FACETS += ("contrib_graph", "contrib_registration", "contrib_exposure")


def streamed(
    observations: Iterable[Observation],
    own: Mapping[str, Observation],
    weights: RiskWeights,
    now: dt.date | None,
) -> RankResult:
    """Rank through the SQLite spill, as a scan does (payload: the input position)."""
    ranker: Ranker[int] = Ranker(weights=weights, own=own, now=now, spill=SqliteSpill())
    for i, obs in enumerate(observations):
        ranker.add(obs, i)
    ranked = tuple(r for r, _ in ranker.ranked())
    assert ranker.findings is not None
    f = ranker.findings
    return dataclasses.replace(f, ranked=ranked)


GRAPH_REASONS = (" shared with ", "network owner ", " of operation ")
"""Phrases of the graph's own reasons: the reference's best node, this ranker's operation."""


def without_graph(r: Ranked) -> Ranked:
    """``r`` without its graph reason and operation (what the reference cannot know)."""
    kept = tuple(x for x in r.reasons if not any(p in x for p in GRAPH_REASONS))
    return dataclasses.replace(r, reasons=kept, operation=None)


def assert_same(expected: RankResult, got: RankResult, *, graph: bool = False) -> None:
    """``got`` equals ``expected``; with ``graph`` False, graph reasons and operations aside."""
    assert len(got.ranked) == len(expected.ranked)
    for i, (wanted, had) in enumerate(zip(expected.ranked, got.ranked, strict=True)):
        want, have = (wanted, had) if graph else (without_graph(wanted), without_graph(had))
        assert have == want, (i, want.obs.target, want.obs.domain)
    assert got.clusters == expected.clusters
    assert [without_graph(r) for r in got.defensive] == [
        without_graph(r) for r in expected.defensive
    ]
    assert dict(got.wildcard_suffixes) == dict(expected.wildcard_suffixes)
    if graph:
        assert (got.operations, got.hubs) == (expected.operations, expected.hubs)


def check(
    observations: list[Observation],
    own: Mapping[str, Observation],
    weights: RiskWeights | None = None,
    now: dt.date | None = TODAY,
) -> RankResult:
    """The reference's findings (graph weight 0), after checking this ranker against them
    (graph weight 0) and the streamed ranking against the in-memory one (given weights)."""
    w = weights or RiskWeights()
    flat = dataclasses.replace(w, w_graph=0.0)
    expected = reference.rank(observations, weights=flat, own=own, now=now)
    assert_same(expected, rank(observations, weights=flat, own=own, now=now))
    full = rank(observations, weights=w, own=own, now=now)
    assert_same(full, streamed(observations, own, w, now), graph=True)
    return expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_generated_world_ranks_as_before(seed: int) -> None:
    world = make_world(seed)
    expected = check(world.observations, world.own)
    assert expected.clusters and expected.defensive and expected.wildcard_suffixes  # it bites


def test_the_benchmark_world_ranks_as_before() -> None:
    observations = bench_world(4000)
    check(observations, {})
    assert any(r.contributions["graph"] > 0 for r in rank(observations).ranked)


def random_world(seed: int) -> tuple[list[Observation], dict[str, Observation]]:
    """Observations full of the cases the graph walk must get right: one domain typo of two
    targets with different facts, two IPs of one /24, IPv6, unparsable addresses, registrars,
    defensive sharing by NS, MX or registrar, registered names with no records, duplicates,
    wildcards, recent registrations and target weights. A (target, domain) pair is unique, as
    in a scan, except for exact duplicates (main's ranker judged a pair by its last
    observation, so two different observations of one pair are not compared)."""
    rng = random.Random(seed)
    targets = [f"brand{i}.com" for i in range(4)]
    mx = [f"mx{i}.host.example" for i in range(6)] + ["mx.brand0.com"]
    ns = [f"ns{i}.dns.example" for i in range(4)] + ["ns1.brand1.com"]
    registrars = ["Registrar A", "registrar a", "Registrar B", None]
    own = {
        "brand0.com": Observation("brand0.com", "brand0.com", "com", mx=("mx.brand0.com",)),
        "brand1.com": Observation(
            "brand1.com", "brand1.com", "com", ns=("ns1.brand1.com",), registrar="Registrar B"
        ),
        "brand2.com": Observation("brand2.com", "brand2.com", "com", a=("192.0.2.1",)),
    }
    out: list[Observation] = []
    keys: set[tuple[str, str]] = set()
    while len(out) < 400:
        domain = f"typo{rng.randrange(250)}.{rng.choice(['com', 'net', 'ml'])}"
        target = rng.choice(targets)
        if (target, domain) in keys:
            continue
        keys.add((target, domain))
        state = rng.choice(["registered"] * 3 + ["unregistered", "unknown"])
        has = state == "registered" and rng.random() < 0.85
        a = tuple(
            rng.choice(
                [
                    f"198.51.100.{rng.randrange(8)}",
                    f"203.0.{rng.randrange(3)}.{rng.randrange(4)}",
                    str(ipaddress.IPv6Address(0x20010DB8 << 96 | rng.randrange(4) << 80 | 1)),
                    "not-an-ip",
                ]
            )
            for _ in range(rng.randrange(3) if has else 0)
        )
        out.append(
            Observation(
                target,
                domain,
                domain.partition(".")[2],
                10 ** rng.uniform(-8, -1),
                tuple(rng.sample(["omission", "suffix-omission", "replacement"], rng.randrange(3))),
                state,
                rng.choice(["mx", "implicit", "null-mx", "none", "unknown"]),
                mx=tuple(rng.sample(mx, rng.randrange(3))) if has else (),
                ns=tuple(rng.sample(ns, rng.randrange(3))) if has else (),
                a=a,
                wildcard=domain.endswith(".ml") and rng.random() < 0.5,
                registrar=rng.choice(registrars) if has else None,
                created=TODAY - dt.timedelta(days=rng.randrange(200)) if has else None,
                smtp=rng.choice([None, "accepts-any", "rejects-unknown"]),
                weight=rng.choice([1.0, 1.0, 2.0, 0.5]),
            )
        )
    out += rng.sample(out, 20)  # the same (target, domain) twice
    return out, own


@pytest.mark.parametrize("seed", range(6))
def test_random_worlds_rank_as_before(seed: int) -> None:
    observations, own = random_world(seed)
    expected = check(observations, own)
    assert expected.defensive and expected.clusters
    # every cluster threshold, including 0 (every node, even one no candidate is eligible on)
    check(observations, own, RiskWeights(cluster_min=0, saturation=3), now=None)
    check(observations, own, RiskWeights(cluster_min=2, w_graph=0.9))


def test_input_order_does_not_matter_and_shuffled_worlds_rank_as_before() -> None:
    observations, own = random_world(9)
    rng = random.Random(4)
    for _ in range(3):
        rng.shuffle(observations)
        check(observations, own)


def _facets(row: Mapping[str, object]) -> tuple[object, ...]:
    reasons = row.get("reasons")
    assert isinstance(reasons, list)
    kept = [x for x in reasons if not any(p in x for p in GRAPH_REASONS)]
    return (*(row.get(f) for f in FACETS if f != "reasons"), kept)


def assert_rows_as_reference(rows: list[dict[str, object]], today: dt.date) -> None:
    """``rows`` (ranked, in their order) are what :func:`ranked_rows` gives for them, and
    with the graph weight at 0 this ranker's rows carry the reference's scores and order."""
    bare = [{k: v for k, v in r.items() if k not in (*FACETS, "operation")} for r in rows]
    mine, _ = ranked_rows(bare, RiskWeights(), today)
    assert [(r["domain"], *(r.get(f) for f in (*FACETS, "operation"))) for r in rows] == [
        (r["domain"], *(r.get(f) for f in (*FACETS, "operation"))) for r in mine
    ]
    flat = RiskWeights(w_graph=0.0)
    expected, _ = reference.ranked_rows_reference(bare, flat, today)
    flat_rows, _ = ranked_rows(bare, flat, today)
    assert [(r["target"], r["domain"]) for r in flat_rows] == [
        (r["target"], r["domain"]) for r in expected
    ]
    assert [_facets(r) for r in flat_rows] == [_facets(r) for r in expected]


def test_the_demo_world_ranks_as_before(tmp_path: Path) -> None:
    today = dt.date(2026, 11, 28)
    result = run_demo(tmp_path, today=today)
    assert_rows_as_reference([dict(r) for r in result.rows], today)
    week1 = [json.loads(line) for line in (tmp_path / "scan-week1.jsonl").read_text().splitlines()]
    assert_rows_as_reference(week1, today)


def test_scan_ranks_the_nsd_unbound_world_as_before(
    resolver: str,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["scan", TARGET, "--top", "40", "--max-unknown", "0.2", "--nameserver", resolver]
    argv += ["--format", "jsonl", "--today", "2026-11-28", "--timeout", "1"]
    assert main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 40 and any(r["contrib_graph"] for r in rows)
    assert_rows_as_reference(rows, dt.date(2026, 11, 28))


def test_the_streamed_findings_hold_no_ranked_rows() -> None:
    """A streamed ranking's findings do not keep a copy of every candidate."""
    world = make_world(1)
    ranker: Ranker[None] = Ranker(own=world.own, now=TODAY, spill=SqliteSpill())
    for obs in world.observations:
        ranker.add(dataclasses.replace(obs), None)
    out = list(ranker.ranked())
    assert len(out) == len(world.observations)
    assert ranker.findings is not None and ranker.findings.ranked == ()
    assert ranker.findings.clusters
