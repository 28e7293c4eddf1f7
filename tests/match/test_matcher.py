"""Distance, the distance rule's search, matcher decisions and aggregation: tables."""

from __future__ import annotations

import itertools
import random

import pytest

from typorisk.match import Aggregator, MatchSettings, build_matcher, osa_distance
from typorisk.match.logline import LogEvent
from typorisk.match.model import edit_part


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("pentagon.mil", "pentagon.mil", 0),
        ("pentagon.mil", "pentagon.ml", 1),
        ("pentagon.mil", "pentagonm.il", 1),
        ("pentagon.mil", "petnagon.mil", 1),
        ("us.corp.com", "uscorp.com", 1),
        ("pentagon.mil", "pemtagkn.mil", 2),
        ("abc", "ca", 3),
        ("", "ab", 2),
    ],
)
def test_osa_distance(a: str, b: str, expected: int) -> None:
    assert osa_distance(a, b, 5) == expected
    assert osa_distance(b, a, 5) == expected
    assert osa_distance(a, b, 0) == min(expected, 1)


def test_distance_rule_finds_exactly_the_near_keys() -> None:
    # the rule's search (Indel prefilter, then OSA on the pairs that pass) against brute force
    rnd = random.Random(3)
    keys = sorted(
        {"".join(rnd.choice("abcd") for _ in range(rnd.randint(8, 10))) for _ in range(60)}
    )
    settings = MatchSettings(rules=frozenset({"distance"}), words=False, other_suffixes=False)
    matcher = build_matcher([f"{k}.com" for k in keys], settings)
    words = ["".join(p) for n in (8, 9) for p in itertools.product("abcd", repeat=n)][::97]
    found = {h.name: h for h in matcher.match_names([f"{w}.com" for w in words])}
    for word in words:
        near = {k: osa_distance(word, k, 2) for k in keys if 0 < osa_distance(word, k, 2) <= 2}
        hit = found.get(f"{word}.com")
        assert (hit is not None) == bool(near) and word not in keys, word
        if hit is not None:
            assert hit.target.removesuffix(".com") in near
            assert hit.distance == min(near.values()) == near[hit.target.removesuffix(".com")]


@pytest.mark.parametrize(
    ("domain", "reference", "part"),
    [
        ("pentagn.mil", "pentagon.mil", "label"),
        ("pentagon.ml", "pentagon.mil", "suffix"),
        ("pentagonm.il", "pentagon.mil", "dot"),
        ("uscorp.com", "us.corp.com", "dot"),
        ("pentagn.ml", "pentagon.mil", "label+suffix"),
    ],
)
def test_edit_part(domain: str, reference: str, part: str) -> None:
    assert edit_part(domain, reference) == part


@pytest.fixture(scope="module")
def matcher():  # type: ignore[no-untyped-def]
    settings = MatchSettings(top=200, allow=frozenset({"army.ml"}))
    return build_matcher(["pentagon.mil", "us.corp.com", "ibm.com", "army.mil"], settings)


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        ("pentagon.ml", ("pentagon.ml", "pentagon.mil", "candidate", 1, "suffix")),
        ("MAIL.Pentagon.ML.", ("pentagon.ml", "pentagon.mil", "candidate", 1, "suffix")),
        ("pentagonm.il", ("pentagonm.il", "pentagon.mil", "candidate", 1, "dot")),
        ("uscorp.com", ("uscorp.com", "us.corp.com", "candidate", 1, "dot")),
        ("pemtagkn.mil", ("pemtagkn.mil", "pentagon.mil", "distance", 2, "label")),
        ("pentaxgon.ml", ("pentaxgon.ml", "pentagon.mil", "distance", 2, "label+suffix")),
        # rule (f) of rule (a): ibn is a generated typo label of ibm (ibn.com), here under .co
        ("ibn.co", ("ibn.co", "ibm.com", "candidate", 2, "label+suffix")),
        ("ibm.co", ("ibm.co", "ibm.com", "candidate", 1, "suffix")),
        ("pentagon.mil", None),  # the target itself
        ("smtp.pentagon.mil", None),  # its subdomain
        ("eu.corp.com", None),  # another subdomain of a target's registrable domain
        ("army.ml", None),  # allow-listed
        ("pentagon.mill", None),  # not a real suffix: no mail can go there
        ("gmail.com", None),
        ("xn--80ak6aa92e.com", None),
        ("under_score.mil", None),
        ("", None),
        ("..", None),
    ],
)
def test_matcher_decisions(matcher, logged: str, expected: tuple[str, ...] | None) -> None:  # type: ignore[no-untyped-def]
    hit = matcher.lookup(logged)
    got = None if hit is None else (hit.domain, hit.target, hit.match, hit.distance, hit.part)
    assert got == expected
    assert matcher.lookup(logged) == hit  # cached answer is the same


def test_candidate_hits_carry_kinds_and_likelihood(matcher) -> None:  # type: ignore[no-untyped-def]
    hit = matcher.lookup("pentagon.ml")
    assert hit.kinds == ("suffix-omission",) and 0 < hit.likelihood <= 1
    assert matcher.lookup("pemtagkn.mil").likelihood == 0.0


def test_distance_zero_turns_the_edit_check_off() -> None:
    m = build_matcher(["pentagon.mil"], MatchSettings(top=50, max_distance=0))
    assert m.lookup("pemtagkn.mil") is None
    assert m.lookup("pentagon.ml") is not None


def test_aggregation_counts_times_statuses_and_ids(matcher) -> None:  # type: ignore[no-untyped-def]
    agg = Aggregator()
    events = [
        LogEvent("pentagon.ml", "a@pentagon.ml", "recipient", "Jan 1 00:00:01", "Q1", "deferred"),
        LogEvent("pentagon.ml", "a@pentagon.ml", "recipient", "Jan 1 00:10:00", "Q1", "sent"),
        LogEvent("mx.pentagon.ml", "b@mx.pentagon.ml", "sender", "Jan 2 00:00:00", "Q2", ""),
        LogEvent("uscorp.com", "c@uscorp.com", "address", "", "", ""),
    ]
    for event in events:
        agg.add(event, matcher.lookup(event.domain))
    first, second = agg.findings()
    assert first.row() | {"kinds": None, "likelihood": None} == {
        "domain": "pentagon.ml", "target": "pentagon.mil", "match": "candidate", "kinds": None,
        "distance": 1, "part": "suffix", "likelihood": None, "count": 3, "messages": 2,
        "first_seen": "Jan 1 00:00:01", "last_seen": "Jan 2 00:00:00",
        "status": ["deferred:1", "sent:1"], "roles": ["recipient:2", "sender:1"],
        "queue_ids": ["Q1", "Q2"], "addresses": ["a@pentagon.ml", "b@mx.pentagon.ml"],
    }  # fmt: skip
    assert (second.hit.domain, second.count, second.first_seen) == ("uscorp.com", 1, "")


def test_short_labels_allow_one_edit_outside_the_candidates() -> None:
    m = build_matcher(["ibm.com"], MatchSettings(top=3, min_distance_label=1))
    assert [(h.match, h.distance) for h in map(m.lookup, ["ibx.com", "ixx.com"]) if h] == [
        ("distance", 1)
    ]
