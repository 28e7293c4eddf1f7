"""The look-alike matcher: every rule, scores, allowlist, rule (f), batches and bad names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.match import (
    RULES,
    MatchSettings,
    build_matcher,
    normal_name,
)
from typorisk.match.confusables import ascii_preimages, skeleton, version

TARGETS = ["paypal.com", "pentagon.mil", "ibm.com", "example.co.uk", "microsoft.com"]


@pytest.fixture(scope="module")
def matcher():  # type: ignore[no-untyped-def]
    return build_matcher(TARGETS, MatchSettings(top=200))


def idn(text: str) -> str:
    return text.encode("idna").decode("ascii")


@pytest.mark.parametrize(
    ("name", "rule", "target", "other"),
    [
        ("paypak.com", "candidate", "paypal.com", False),
        ("paypa1.com", "skeleton", "paypal.com", False),
        ("pentagon.ml", "candidate", "pentagon.mil", True),
        ("exampel.co.uk", "candidate", "example.co.uk", False),
        (idn("pаypal") + ".com", "skeleton", "paypal.com", False),  # Cyrillic а
        (idn("micrоsoft") + ".net", "skeleton", "microsoft.com", True),  # Cyrillic о
        ("rnicrosoft.com", "skeleton", "microsoft.com", False),  # m → rn
        ("paypal.net", "candidate", "paypal.com", True),  # a suffix swap is generated
        ("paypal-login.net", "combo", "paypal.com", True),
        ("secure-paypal.com", "combo", "paypal.com", False),
        ("paypallogin.xyz", "combo", "paypal.com", True),
        ("ibm-login.com", "combo", "ibm.com", False),
        ("login.paypal.com.evil.net", "combo", "paypal.com", True),
        (idn("pаypal-secure") + ".com", "combo", "paypal.com", False),
        # names whose label the generator's suffix-fold kind also lists are rule (a)
        ("paypalcom.net", "candidate", "paypal.com", True),
        ("paypalcom.xyz", "candidate", "paypal.com", True),
        ("pentagon-mil.xyz", "folded", "pentagon.mil", True),
        ("www-paypal-com.org", "folded", "paypal.com", True),
        ("example-co-uk.com", "folded", "example.co.uk", True),
        ("pentagnoo.mil", "distance", "pentagon.mil", False),
        ("micorsotf.org", "distance", "microsoft.com", True),
        (idn("micrоsoκt") + ".com", "distance", "microsoft.com", False),  # κ has no Latin twin
    ],
)
def test_each_rule_fires(matcher, name, rule, target, other):  # type: ignore[no-untyped-def]
    hit = matcher.match(name)
    assert hit is not None, name
    assert (hit.rule, hit.target, hit.other_suffix) == (rule, target, other)
    assert 0.0 < hit.score <= 1.0


@pytest.mark.parametrize(
    "name",
    [
        "paypal.com",  # the target itself
        "www.paypal.com",  # its subdomain
        "nibmle.com",  # a short brand inside a word: only as a separated word
        "weather.com",
        "pentagon",  # no suffix
    ],
)
def test_not_lookalikes(matcher, name):  # type: ignore[no-untyped-def]
    assert matcher.match(name) is None


def test_short_targets_take_less_distance() -> None:
    only = build_matcher(TARGETS, MatchSettings(rules=frozenset({"distance"})))
    assert only.match("ibn.com") is None  # a 3-letter target takes no edit distance
    assert only.match("paypak.com") is not None  # 6 letters: one edit
    assert only.match("paypkk.com") is None  # ... not two
    assert only.match("pentagnoo.mil") is not None  # 8 letters: two edits


def test_batch_keeps_order_and_equals_one_by_one(matcher) -> None:  # type: ignore[no-untyped-def]
    names = ["weather.com", "paypa1.com", "paypal-login.net", "x.com", "pentagnoo.mil"] * 3
    names += [idn("pаypal-secure") + ".com", "exampel.co.uk", "example-co-uk.com"]
    batch = matcher.match_names(names)
    assert matcher.match_names(names, registrable=True) == batch
    single = [h for n in names if (h := matcher.match(n)) is not None]
    assert batch == single
    assert [h.name for h in batch] == [n for n in names if matcher.match(n)]


def test_registrable_fast_path_agrees_on_rules_a_b() -> None:
    fast = build_matcher(
        TARGETS, MatchSettings(rules=frozenset({"candidate", "skeleton"}), top=200)
    )
    names = ["paypa1.com", idn("pаypal") + ".com", "paypal.net", "weather.com", "paypa1.de"]
    assert fast.match_names(names, registrable=True) == fast.match_names(names)
    assert {h.name for h in fast.match_names(names)} == {
        "paypa1.com",
        idn("pаypal") + ".com",
        "paypal.net",
        "paypa1.de",
    }


def test_allowlist_and_other_suffix_switch() -> None:
    allowed = build_matcher(TARGETS, MatchSettings(top=50, allow=frozenset({"paypal-login.net"})))
    assert allowed.match("paypal-login.net") is None
    assert allowed.match("paypal-login.com") is not None
    same_only = build_matcher(TARGETS, MatchSettings(top=50, other_suffixes=False))
    assert same_only.match("paypal-login.net") is None
    assert same_only.match("paypal.net") is None
    assert same_only.match("paypal-login.com") is not None


def test_rules_can_be_chosen_and_scores_filter() -> None:
    only_combo = build_matcher(TARGETS, MatchSettings(rules=frozenset({"combo"})))
    assert only_combo.candidate_count == 0
    assert only_combo.match("paypa1.com") is None
    assert only_combo.match("paypal-login.com") is not None
    strict = build_matcher(TARGETS, MatchSettings(top=50, min_score=0.9))
    assert strict.match("paypallogintoyouraccount.com") is None  # a long combo scores low
    assert strict.match(idn("pаypal") + ".com") is not None
    with pytest.raises(ValueError, match="unknown rule"):
        build_matcher(TARGETS, MatchSettings(rules=frozenset({"fuzzy"})))
    assert set(RULES) == {"candidate", "skeleton", "combo", "folded", "distance"}


def test_scores_order_rules() -> None:
    m = build_matcher(["paypal.com"], MatchSettings(top=50))
    scores = {
        n: m.match(n).score  # type: ignore[union-attr]
        for n in ("paypa1.com", "paypal-login.com", "paypallogintoyouraccount.com", "paypal.net")
    }
    assert scores["paypa1.com"] > scores["paypal-login.com"]
    assert scores["paypal-login.com"] > scores["paypallogintoyouraccount.com"]
    assert scores["paypal.net"] < 1.0  # rule (f) costs a factor


def test_confusables_snapshot() -> None:
    assert version() == "13.0.0"
    assert skeleton("pаypal") == skeleton("paypal")  # Cyrillic а
    assert skeleton("m") == "rn"
    assert ascii_preimages("paypal") == {"paypal", "paypa1"}
    assert "rnicrosoft" in ascii_preimages("microsoft")
    assert ascii_preimages("münchen") == set()  # no ASCII spelling of ü


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("  PayPal.COM.\r\n", "paypal.com"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("not a name", None),
        ("-bad-.com", None),
        ("nodot", None),
        ("\x00\xff.com", None),
    ],
)
def test_normal_name(line: str, name: str | None) -> None:
    assert normal_name(line) == name


def test_match_lookalike_flag_finds_what_typo_matching_misses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "mail.log"
    line = "Jan  3 10:00:0{n} mx postfix/smtp[1]: AAAA{n}: to=<x@{d}>, relay=x, status=sent (ok)\n"
    names = ["paypa1.com", "paypal-login.net", idn("pаypal") + ".com", "gmail.com"]
    log.write_text("".join(line.format(n=n, d=d) for n, d in enumerate(names)))
    argv = ["match", str(log), "--target", "paypal.com", "--top", "50", "--format", "jsonl"]
    assert main([*argv, "--rule", "candidate", "--rule", "distance"]) == 3  # typos only
    plain = {json.loads(r)["domain"] for r in capsys.readouterr().out.splitlines()}
    assert main([*argv, "--lookalike"]) == 3
    rows = [json.loads(r) for r in capsys.readouterr().out.splitlines()]
    assert {r["domain"]: r["match"] for r in rows} == {
        "paypa1.com": "skeleton",
        "paypal-login.net": "combo",
        idn("pаypal") + ".com": "skeleton",
    }
    assert plain < {r["domain"] for r in rows}
