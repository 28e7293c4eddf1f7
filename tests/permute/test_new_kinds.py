"""Kinds added for issue 17, table-driven: what each reaches, what it must not, its prior."""

from __future__ import annotations

import pytest

from typorisk import Candidate, permute
from typorisk.errors import TyporiskError
from typorisk.parse.psl import load_psl
from typorisk.parse.targets import parse_target
from typorisk.permute import DEFAULT_MODEL, OPERATORS, make_context
from typorisk.permute.word_ops import word_confusions

NEW_KINDS = (
    "dot-hyphen",
    "hyphen-dot",
    "suffix-fold",
    "dot-bitflip",
    "two-hyphens",
    "numeral-word",
    "far-swap",
    "vowel-swap",
    "dvorak",
    "word-swap",
    "typo-suffix-swap",
)


def of_kind(target: str, kind: str) -> dict[str, Candidate]:
    return {c.domain: c for c in permute([target], kinds=[kind])}


# (target, kind, registrable domain reached, typed fqdn)
REACHES = [
    ("us.corp.com", "dot-hyphen", "us-corp.com", "us-corp.com"),
    ("bbc.co.uk", "dot-hyphen", "bbc-co.uk", "bbc-co.uk"),
    ("google.com", "dot-hyphen", "www-google.com", "www-google.com"),
    ("t-online.de", "hyphen-dot", "online.de", "t.online.de"),
    ("army.mil", "suffix-fold", "armymil.com", "armymil.com"),
    ("google.com", "suffix-fold", "googlecom.com", "googlecom.com"),
    ("google.com", "suffix-fold", "google-com.net", "google-com.net"),
    ("google.com", "dot-bitflip", "wwwngoogle.com", "wwwngoogle.com"),
    ("bbc.co.uk", "dot-bitflip", "bbcnco.uk", "bbcnco.uk"),
    ("1und1.de", "two-hyphens", "1-und-1.de", "1-und-1.de"),
    ("1password.com", "numeral-word", "onepassword.com", "onepassword.com"),
    ("onepassword.com", "numeral-word", "1password.com", "1password.com"),
    ("google.com", "far-swap", "ggoole.com", "ggoole.com"),
    ("google.com", "far-swap", "gooelg.com", "gooelg.com"),
    ("google.com", "vowel-swap", "gaagle.com", "gaagle.com"),
    ("google.com", "vowel-swap", "goagle.com", "goagle.com"),
    ("google.com", "dvorak", "goqgle.com", "goqgle.com"),
    ("weather.com", "word-swap", "whether.com", "whether.com"),
    ("whether.com", "word-swap", "weather.com", "weather.com"),
    ("mail.weather.com", "word-swap", "whether.com", "mail.whether.com"),
    ("google.com", "typo-suffix-swap", "gogle.net", "gogle.net"),
    ("google.com", "typo-suffix-swap", "gogle.org", "gogle.org"),
]


@pytest.mark.parametrize(("target", "kind", "domain", "fqdn"), REACHES)
def test_each_new_kind_reaches_its_example(target: str, kind: str, domain: str, fqdn: str) -> None:
    found = of_kind(target, kind)
    assert domain in found, sorted(found)[:20]
    assert found[domain].fqdn == fqdn
    assert found[domain].kinds == (kind,)


# (target, kind, domain that must NOT appear): not registrable, the target itself, out of scope
NEVER = [
    ("google.com", "dot-hyphen", "google-com"),  # no suffix left
    ("google.com", "dot-bitflip", "googlencom"),
    ("google.com", "hyphen-dot", "google.com"),  # no hyphen: nothing to do
    ("google.com", "two-hyphens", "go-og-le.com"),  # no letter/digit boundary
    ("google.com", "numeral-word", "google.com"),
    ("aaa.com", "far-swap", "aaa.com"),  # swapping equal letters is no typo
    ("gmail.com", "typo-suffix-swap", "gmail.net"),  # that is a plain suffix swap
]


@pytest.mark.parametrize(("target", "kind", "domain"), NEVER)
def test_each_new_kind_stays_registrable(target: str, kind: str, domain: str) -> None:
    found = of_kind(target, kind)
    assert domain not in found
    psl = load_psl()
    for cand in found.values():
        assert psl.split(cand.domain) == (cand.domain, cand.suffix)
        assert cand.domain != parse_target(target).registrable


@pytest.mark.parametrize("kind", NEW_KINDS)
def test_each_new_kind_is_registered_by_default_with_a_summary(kind: str) -> None:
    info = OPERATORS[kind]
    assert info.default and info.summary and info.func.__doc__


# (kind, target, typed name, probability under the default priors)
m = DEFAULT_MODEL
PRIORS = [
    ("dot-hyphen", "us.corp.com", "us-corp.com", m.dot_hyphen),
    ("dot-hyphen", "bbc.co.uk", "bbc-co.uk", m.dot_hyphen * (1 + m.www_share)),
    ("hyphen-dot", "t-online.de", "t.online.de", m.hyphen_dot),
    ("dot-bitflip", "google.com", "wwwngoogle.com", m.bitflip * m.www_share),
    ("two-hyphens", "1und1.de", "1-und-1.de", m.two_hyphens),
    ("numeral-word", "onepassword.com", "1password.com", m.numeral_word),
    ("numeral-word", "1password.com", "onepassword.com", m.numeral_word / 2),
    ("word-swap", "weather.com", "whether.com", m.word_confusion),
    ("vowel-swap", "google.com", "gaagle.com", m.vowel_swap),
    ("vowel-swap", "google.com", "goagle.com", m.vowel_swap / 2),
    (
        "far-swap",
        "google.com",
        "ggoole.com",
        m.error_rate * m.theta_transposition * m.far_swap_share * 2 / 3,
    ),
]


@pytest.mark.parametrize(("kind", "target", "typed", "p"), PRIORS)
def test_each_prior_is_the_documented_parameter(
    kind: str, target: str, typed: str, p: float
) -> None:
    ctx = make_context(parse_target(target))
    total = sum(q for name, q in OPERATORS[kind].func(ctx) if name == typed)
    assert total == pytest.approx(p)


def test_typo_suffix_swap_is_the_product_of_its_two_channels() -> None:
    found = of_kind("google.com", "typo-suffix-swap")
    omission = {c.domain: c for c in permute(["google.com"], kinds=["omission"])}["gogle.com"]
    swap = {c.domain: c for c in permute(["google.com"], kinds=["suffix-swap"])}["google.net"]
    assert found["gogle.net"].likelihood == pytest.approx(omission.likelihood * swap.likelihood)
    assert len(found) <= DEFAULT_MODEL.typo_swap_top * 3


def test_dvorak_neighbours_are_dvorak_keys() -> None:
    # on Dvorak, o sits between a and e on the home row with q below it; p is two rows away
    # (on QWERTY p is o's neighbour and q is far: this kind must not be the QWERTY kernel)
    found = of_kind("google.com", "dvorak")
    assert {"gaogle.com", "geogle.com", "gqogle.com", "fooglr.com"} - set(found) == {"fooglr.com"}
    assert "gpogle.com" not in found
    assert {"foogle.com", "coogle.com", "hoogle.com"} <= set(found)  # f, c, h flank g


def test_word_table_is_loaded_with_both_directions_of_homophones() -> None:
    pairs = set(word_confusions())
    assert ("weather", "whether") in pairs and ("whether", "weather") in pairs
    assert ("receive", "recieve") in pairs and ("recieve", "receive") not in pairs
    assert all(a != b and a.isascii() and b.isascii() for a, b in pairs)


def test_extra_dot_keeps_the_typed_labels_in_fqdn() -> None:
    found = {c.domain: c for c in permute(["gmail.com"])}
    mail = found["mail.com"]
    assert mail.fqdn == "g.mail.com"  # also reached by omission (gmail → mail), likelier
    assert set(mail.kinds) == {"omission", "extra-dot"}
    assert found["ail.com"].fqdn == "gm.ail.com"
    # a name reached only bare keeps its bare fqdn; a subdomain target keeps its prefix
    assert found["gmal.com"].fqdn == "gmal.com"
    assert {c.domain: c for c in permute(["us.corp.com"])}["cprp.com"].fqdn == "us.cprp.com"


def test_a_sharp_key_kernel_does_not_underflow() -> None:
    # sigma 0.06 puts every non-adjacent key at exp(-1/(2·0.0036)) ≈ 1e-60 and beyond: the
    # kernel is computed relative to the nearest key, so rows still sum to 1
    model = DEFAULT_MODEL.with_overrides({"sigma": "0.06"})
    found = {c.domain for c in permute(["google.com"], model=model, kinds=["replacement"])}
    assert {"goofle.com", "goohle.com"} <= found
    with pytest.raises(TyporiskError, match=r"sigma=0.01 is out of range \[0.05, 10\]"):
        DEFAULT_MODEL.with_overrides({"sigma": "0.01"})
