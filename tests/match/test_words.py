"""Word boundaries for rule (c), English words for rule (e), and dot remnants for rule (a)."""

from __future__ import annotations

import random

import pytest
from rapidfuzz.distance import OSA

from typorisk import permute
from typorisk.match import MatchSettings, build_matcher
from typorisk.match.words import WordSplitter

BRANDS = ["paypal", "other", "table", "microsoft", "my-brand"]


@pytest.mark.parametrize(
    ("text", "brand", "word"),
    [
        ("paypallogin", "paypal", True),  # not an English word: always a word of its own
        ("securepaypal", "paypal", True),
        ("login-paypalsecure", "paypal", True),
        ("paypal123", "paypal", True),
        ("otherdog", "other", True),
        ("mytable", "table", True),
        ("microsoftsupport", "microsoft", True),
        ("another", "other", False),  # inside the word "another"
        ("anotherdog", "other", False),
        ("othersand", "other", False),  # others + and
        ("tablecloth", "table", False),
        ("vegetables", "table", False),
        ("x-my-brandx", "my-brand", True),  # a brand with a hyphen is not split
    ],
)
def test_brand_on_word_boundaries(text: str, brand: str, word: bool) -> None:
    begin = text.index(brand)
    assert WordSplitter(BRANDS).is_word_of(text, begin, begin + len(brand)) is word


TARGETS = ["other.com", "paypal.com", "collection.com", "curvilinear.com"]


def test_combo_rule_takes_glued_brands_only_between_words() -> None:
    m = build_matcher(TARGETS, MatchSettings(top=100))
    assert m.match("another.com") is None and m.match("anotherdog.com") is None
    found = m.match("otherdog.com")
    assert found is not None and found.rule == "combo"
    assert m.match("other-sand.com") is not None  # separated: no split needed
    plain = build_matcher(TARGETS, MatchSettings(top=100, words=False))
    hit = plain.match("anotherdog.com")
    assert hit is not None and hit.rule == "combo"


def test_distance_rule_skips_english_words() -> None:
    only = MatchSettings(rules=frozenset({"distance"}))
    m = build_matcher(TARGETS, only)
    assert m.match("correction.com") is None  # 2 edits from collection, and a word
    assert m.match("colectiom.com") is not None
    off = build_matcher(TARGETS, MatchSettings(rules=frozenset({"distance"}),
                                                             words=False))  # fmt: skip
    assert off.match("correction.com") is not None


def test_dot_remnants_shorter_than_half_the_brand_are_no_candidates() -> None:
    generated = {c.domain for c in permute(["curvilinear.com"], top=500)}
    assert "ear.com" in generated  # curvilin.ear.com
    m = build_matcher(["curvilinear.com"], MatchSettings(top=500))
    assert "ear.com" not in m._candidates and "linear.com" in m._candidates
    label = len("curvilinear")
    assert all(2 * d.find(".") >= label for d in m._candidates)


def test_distance_prefilter_loses_no_pair() -> None:
    """Rule (e) through its Indel prefilter finds exactly what OSA over every pair finds,
    transpositions included (each costs 2 in Indel: the bound 2k is reached)."""
    rnd = random.Random(7)
    labels = ["collection", "microsoft", "pentagon", "sandwiches", "typorisk"]
    targets = [f"{label}.com" for label in labels]
    settings = MatchSettings(rules=frozenset({"distance"}), words=False)
    m = build_matcher(targets, settings)
    names = []
    for _ in range(3000):
        chars = list(rnd.choice(labels))
        for _ in range(rnd.randint(1, 3)):
            i = rnd.randrange(len(chars) - 1)
            op = rnd.choice("tsid")
            if op == "t":
                chars[i], chars[i + 1] = chars[i + 1], chars[i]
            elif op == "s":
                chars[i] = rnd.choice("abcdefghijklmnopqrstuvwxyz")
            elif op == "i":
                chars.insert(i, rnd.choice("abcdefghijklmnopqrstuvwxyz"))
            else:
                del chars[i]
        names.append("".join(chars) + ".com")
    found = {h.name for h in m.match_names(names, registrable=True)}
    expected = {n for n in names
                if any(0 < OSA.distance(n[:-4], label) <= 2 for label in labels)}  # fmt: skip
    assert found == expected
    assert any(OSA.distance(n[:-4], lb) == 2 for n in found for lb in labels)
