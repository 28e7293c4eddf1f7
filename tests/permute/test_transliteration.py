"""Transliterations: umlauts and accents spelled in ASCII (and back where IDNs are sold)."""

from __future__ import annotations

import json

import pytest

from typorisk import Candidate, permute
from typorisk.cli import main
from typorisk.permute.translit_ops import ascii_spellings, native_spellings


def by_domain(target: str, **kwargs: object) -> dict[str, Candidate]:
    return {c.domain: c for c in permute([target], **kwargs)}  # type: ignore[arg-type]


def test_the_german_spellings_of_an_umlaut_name_lead_the_list() -> None:
    top = [c.domain for c in permute(["bücher.de"], top=20)]
    assert "buecher.de" in top[:3] and "bucher.de" in top[:3]


@pytest.mark.parametrize(
    ("target", "typo"),
    [
        ("müller.de", "mueller.de"),
        ("müller.de", "muller.de"),
        ("straße.de", "strasse.de"),
        ("grüße.de", "gruesse.de"),
        ("grüße.de", "grusse.de"),
        ("café.fr", "cafe.fr"),
        ("søren.dk", "soeren.dk"),
        ("vårfest.no", "vaarfest.no"),
        ("españa.com", "espana.com"),
    ],
)
def test_each_mapped_letter_reaches_its_ascii_spelling(target: str, typo: str) -> None:
    found = by_domain(target)
    assert typo in found and "transliteration" in found[typo].kinds


@pytest.mark.parametrize(
    ("target", "idn"),
    [("mueller.de", "xn--mller-kva.de"), ("strasse.de", "xn--strae-oqa.de")],
)
def test_the_reverse_where_the_registry_sells_latin_idns(target: str, idn: str) -> None:
    found = by_domain(target)
    assert idn in found and "transliteration" in found[idn].kinds


def test_no_reverse_where_the_registry_sells_no_idns() -> None:
    assert not any("transliteration" in c.kinds for c in permute(["mueller.mil"]))


def test_one_rule_per_name_and_shares_that_sum_to_one() -> None:
    spellings = dict(ascii_spellings("füße"))
    assert set(spellings) == {"fuesse", "fusse"}  # never fueße: every mark spelled one way
    assert abs(sum(spellings.values()) - 1.0) < 1e-9
    native = dict(native_spellings("muellerstrasse"))
    assert {"müllerstrasse", "muellerstraße"} <= set(native)
    assert abs(sum(native.values()) - 1.0) < 1e-9
    assert not list(ascii_spellings("plain"))


def test_the_cli_lists_both_ascii_spellings_in_the_top_20(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["permute", "bücher.de", "--top", "20", "--format", "jsonl"])
    names = [json.loads(line)["domain"] for line in capsys.readouterr().out.splitlines()]
    assert code == 0 and len(names) == 20
    assert {"buecher.de", "bucher.de"} <= set(names)
    # buecher.de is itself an established domain (on the shipped top-sites list): the
    # blocking list leaves it out, as any established domain
    code = main(["permute", "bücher.de", "--top", "20", "--format", "list"])
    listed = capsys.readouterr().out.split()
    assert code == 0 and "bucher.de" in listed and "buecher.de" not in listed
    code = main(["permute", "bücher.de", "--top", "20", "--param", "transliteration=0"])
    assert code == 0 and "buecher.de" not in capsys.readouterr().out
