"""The permutation engine: the mission's typos, the invariants, and the registry's strictness."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typorisk import Candidate, UnknownKindError, permute
from typorisk.errors import DuplicateKindError, TyporiskError
from typorisk.parse.psl import load_psl
from typorisk.parse.targets import parse_target
from typorisk.permute import DEFAULT_MODEL, OPERATORS, select_kinds
from typorisk.permute.registry import operator

LDH = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")


def by_domain(target: str, **kwargs: object) -> dict[str, Candidate]:
    return {c.domain: c for c in permute([target], **kwargs)}  # type: ignore[arg-type]


def top_domains(target: str, n: int) -> list[str]:
    return [c.domain for c in permute([target], top=n)]


@pytest.mark.parametrize(
    ("target", "typo"), [("pentagon.mil", "pentagon.ml"), ("army.mil", "army.ml")]
)
def test_mil_to_ml_is_in_the_top_ten(target: str, typo: str) -> None:
    assert typo in top_domains(target, 10)


@pytest.mark.parametrize(
    ("target", "typo", "kind"),
    [
        ("google.com", "gogle.com", "omission"),
        ("google.com", "gooogle.com", "repetition"),
        ("google.com", "gogole.com", "transposition"),
        ("google.com", "goofle.com", "replacement"),
        ("google.com", "googlre.com", "insertion"),
        ("google.com", "goo-gle.com", "hyphenation"),
        ("google.com", "google.cm", "suffix-omission"),
        ("google.com", "google.co", "suffix-omission"),
        ("google.com", "google.om", "suffix-omission"),
        ("google.com", "googlec.om", "dot-transposition"),
        ("google.com", "google.net", "suffix-swap"),
        ("gmail.com", "mail.com", "extra-dot"),
        ("example.nl", "example.ml", "suffix-replacement"),
        ("us.corp.com", "uscorp.com", "missing-dot"),
        ("corp.co.uk", "corpco.uk", "missing-dot"),
        ("corp.co.uk", "corp.org.uk", "second-level"),
        ("corp.co.uk", "corp.uk", "second-level"),
        ("x.com.bd", "x.bd", "second-level"),
        ("microsoft.com", "mic2osoft.com", "bitsquatting"),
        ("microsoft.com", "rnicrosoft.com", "homoglyph"),
        ("paypal.com", "paypa1.com", "homoglyph"),
        ("seznam.cz", "seynam.cz", "layout-swap"),
        ("pentagon.mil", "pentagons.mil", "plural"),
    ],
)
def test_each_kind_reaches_its_textbook_example(target: str, typo: str, kind: str) -> None:
    found = by_domain(target)
    assert typo in found, f"{typo} not generated for {target}"
    assert kind in found[typo].kinds


def test_missing_dot_keeps_the_typed_name() -> None:
    cand = by_domain("us.corp.com")["uscorp.com"]
    assert cand.fqdn == "uscorp.com" and cand.target == "us.corp.com"
    # a label typo under a typed subdomain is registered at the registrable level
    assert by_domain("us.corp.com")["cprp.com"].fqdn == "us.cprp.com"


def test_no_unicode_lookalikes_where_the_registry_sells_none() -> None:
    assert all(c.domain.isascii() and "xn--" not in c.domain for c in permute(["pentagon.mil"]))


def test_unicode_lookalikes_where_the_registry_sells_them() -> None:
    found = by_domain("apple.com", kinds=["idn-homoglyph"])
    unicode_forms = {c.unicode for c in found.values()}
    assert "аррӏе.com" in unicode_forms  # whole-script Cyrillic
    assert "äpple.com" in unicode_forms  # Latin with a diacritic
    assert not any("р" in u and "a" in u for u in unicode_forms)  # .com refuses mixed scripts
    for cand in found.values():
        assert cand.domain.startswith("xn--") and cand.domain.isascii()


def test_combosquats_need_words() -> None:
    assert not any("combosquat" in c.kinds for c in permute(["paypal.com"]))
    found = by_domain("paypal.com", words=["login"])
    assert {"paypal-login.com", "paypallogin.com", "login-paypal.com"} <= set(found)


def test_ranked_deterministic_and_filtered() -> None:
    first = list(permute(["pentagon.mil", "army.mil"]))
    assert first == list(permute(["pentagon.mil", "army.mil"]))
    for target in ("pentagon.mil", "army.mil"):
        scores = [(-c.likelihood, c.domain) for c in first if c.target == target]
        assert scores == sorted(scores)
    top = list(permute(["pentagon.mil"], top=5))
    assert [c.domain for c in top] == [c.domain for c in first[:5]]
    assert all(c.likelihood >= 1e-4 for c in permute(["pentagon.mil"], min_likelihood=1e-4))


def test_kind_selection_and_groups() -> None:
    only_suffix = list(permute(["pentagon.mil"], kinds=["suffix"]))
    assert only_suffix and all(c.suffix != "mil" for c in only_suffix)
    no_label = list(permute(["pentagon.mil"], exclude_kinds=["label", "visual"]))
    excluded = {k for k, info in OPERATORS.items() if info.group in ("label", "visual")}
    assert no_label and all(not excluded & set(c.kinds) for c in no_label)
    assert "pentagon.ml" in {c.domain for c in no_label}
    with pytest.raises(UnknownKindError, match="unknown typo kind 'typo'"):
        list(permute(["army.mil"], kinds=["typo"]))
    assert "combosquat" not in select_kinds()
    assert "combosquat" in select_kinds(with_words=True)


def test_registry_rejects_duplicates() -> None:
    with pytest.raises(DuplicateKindError):
        operator("omission", "label", "again")(lambda ctx: iter(()))
    assert len(OPERATORS) >= 20


def test_model_overrides_are_checked() -> None:
    model = DEFAULT_MODEL.with_overrides({"error_rate": "0.02"})
    assert model.error_rate == 0.02
    doubled = by_domain("army.mil", model=model)["amy.mil"].likelihood
    assert doubled == pytest.approx(2 * by_domain("army.mil")["amy.mil"].likelihood)
    with pytest.raises(TyporiskError, match="unknown model parameter"):
        DEFAULT_MODEL.with_overrides({"nope": 1})
    with pytest.raises(TyporiskError, match="out of range"):
        DEFAULT_MODEL.with_overrides({"error_rate": "2"})
    with pytest.raises(TyporiskError, match="not a number"):
        DEFAULT_MODEL.with_overrides({"error_rate": "lots"})


def test_likelihood_prefers_near_keys_and_doubled_letters() -> None:
    found = by_domain("google.com")
    assert found["gogle.com"].likelihood > found["googe.com"].likelihood  # doubled pair
    assert found["goofle.com"].likelihood > found["goozle.com"].likelihood  # f is next to g
    assert found["google.co"].likelihood > found["google.biz"].likelihood


def assert_candidate_invariants(target_text: str, cands: list[Candidate]) -> None:
    psl = load_psl()
    target = parse_target(target_text)
    seen: set[str] = set()
    for c in cands:
        assert c.domain not in seen
        seen.add(c.domain)
        assert c.domain != target.registrable
        assert c.domain.isascii() and c.domain == c.domain.lower()
        assert len(c.domain) <= 253
        assert all(LDH.match(label) for label in c.domain.split("."))
        assert psl.split(c.domain) == (c.domain, c.suffix)
        assert c.fqdn == c.domain or c.fqdn.endswith("." + c.domain)
        assert 0.0 < c.likelihood <= 1.0
        assert c.kinds and all(k in OPERATORS for k in c.kinds)


@pytest.mark.parametrize(
    "target", ["pentagon.mil", "us.corp.com", "corp.co.uk", "bücher.de", "x.com.bd", "a.io"]
)
def test_invariants_on_known_targets(target: str) -> None:
    assert_candidate_invariants(target, list(permute([target], words=["mail"])))


labels = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?", fullmatch=True).filter(
    lambda s: s[2:4] != "--"
)
suffixes = st.sampled_from(["com", "mil", "co.uk", "de", "ml", "com.bd", "nl", "cz"])


@settings(max_examples=60, deadline=None)
@given(labels, suffixes, st.sampled_from(["", "us.", "mail.eu."]))
def test_invariants_hold_for_arbitrary_targets(label: str, suffix: str, prefix: str) -> None:
    text = f"{prefix}{label}.{suffix}"
    cands = list(permute([text]))
    assert cands, text
    assert_candidate_invariants(text, cands)
