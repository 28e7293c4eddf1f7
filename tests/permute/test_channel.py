"""The fitted typing channel: the shipped table, the fit that writes it, and what it implies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from typorisk import Candidate, permute
from typorisk.permute import DEFAULT_MODEL, fitparts
from typorisk.permute import fit as channel_fit
from typorisk.permute.channel import fitted, pair_rows
from typorisk.permute.edits import position_bound, position_factors
from typorisk.permute.keyboards import LDH, key_kernel
from typorisk.permute.likelihood import layouts_for, tables_for

ROOT = Path(__file__).resolve().parents[2]
FITTED = DEFAULT_MODEL.with_overrides({"channel": "fitted"})
"""The fitted channel (opt-in: ``--param channel=fitted``)."""


def by_domain(target: str, **kwargs: object) -> dict[str, Candidate]:
    kwargs.setdefault("model", FITTED)
    return {c.domain: c for c in permute([target], **kwargs)}  # type: ignore[arg-type]


def test_the_fitted_channel_is_the_shipped_fit() -> None:
    doc = fitted()
    model = doc["model"]
    assert isinstance(model, dict) and len(model) >= 20
    for name, value in model.items():
        assert getattr(FITTED, name) == value, name
    keyed = ("substitution", "omission", "insertion", "transposition")
    assert sum(getattr(FITTED, f"theta_{k}") for k in keyed) <= channel_fit.KEYED_SHARE


def test_the_shipped_pair_table_is_a_distribution_per_key() -> None:
    rows = pair_rows(FITTED.layout_mix, FITTED.sigma)
    assert set(rows) == set(LDH)
    for a, row in rows.items():
        assert a not in row and abs(sum(row.values()) - 1.0) < 1e-9, a
        assert all(p > 0 for p in row.values()), a  # the uniform floor: no pair impossible


def test_the_table_is_read_lazily_not_at_import() -> None:
    code = (
        "import importlib, typorisk.cli;"
        "c = importlib.import_module('typorisk.permute.channel');"
        "print(c.fitted.cache_info().currsize)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "0"


@pytest.mark.parametrize(
    ("word", "typed", "want"),
    [
        ("hotmail", "hotmial", ("transposition", 4, "")),
        ("hotmail", "hotmal", ("omission", 5, "")),
        ("hotmail", "hotmaill", ("repetition", 6, "l")),
        ("hotmail", "hotmaikl", ("insertion", 6, "k")),
        ("hotmail", "hotnail", ("substitution", 3, "n")),
        ("hotmail", "hitmaol", None),
    ],
)
def test_align_names_the_single_edit(
    word: str, typed: str, want: tuple[str, int, str] | None
) -> None:
    assert fitparts.align(word, typed) == want


def _write_corpus(tmp: Path) -> None:
    """A tiny corpus with known shapes: every insertion a neighbour of the previous key, every
    substitution s → a, omissions only at the last letter."""
    words = ["intended\ttyped\tcount"]
    words += ["sad\tsadf\t6", "dog\tdogh\t6"]  # f next to d, h next to g: previous key
    words += ["sand\tsanf\t1", "mass\tmaas\t5", "fast\tfas\t4", "last\tlas\t4"]
    (tmp / "aalto_word_errors.tsv").write_text("\n".join(words) + "\n", encoding="utf-8")
    first = ["kind\tintended\ttyped\tprev\tnext_intended\tpos_in_word\tword_len"]
    first += ["sub\ts\ta\tm\ts\t2\t4"] * 50 + ["sub\ts\tx\tm\tt\t2\t4"] * 5
    first += ["sub\tk\tl\tm\tl\t2\t4"] * 30  # typed = the next key: left out of the table
    (tmp / "aalto_first_errors.tsv").write_text("\n".join(first) + "\n", encoding="utf-8")


def test_the_fit_recovers_a_known_corpus_and_writes_a_deterministic_table(
    tmp_path: Path,
) -> None:
    _write_corpus(tmp_path)
    out_a, out_b = tmp_path / "a.json", tmp_path / "b.json"
    channel_fit.write_table(tmp_path, out_a)
    channel_fit.write_table(tmp_path, out_b)
    assert out_a.read_bytes() == out_b.read_bytes()
    doc = json.loads(out_a.read_text(encoding="utf-8"))
    model = doc["model"]
    assert model["insert_prev"] > 0.2 and model["insert_prev"] > 10 * model["insert_next"]
    assert model["last_omission"] > 5 * model["first_omission"]
    table = doc["substitution"]
    assert table["s"]["a"] > 2 * table["s"]["x"]  # both neighbours of s; a seen 10 times as often
    prior = fitparts.pair_table([], doc["alpha"], key_kernel("qwerty", doc["sigma"]))
    assert table["s"]["a"] > 1.5 * prior["s"]["a"]
    # rows whose typed key is the next intended one are left out: k keeps the prior alone
    assert table["k"]["l"] == pytest.approx(prior["k"]["l"], rel=1e-3)


def test_position_factors_sum_to_the_length_and_stay_under_their_bound() -> None:
    for first, last in ((0.38, 2.34), (0.225, 0.607), (3.0, 0.1)):
        bound = position_bound(first, last)
        for n in range(1, 40):
            factors = position_factors(n, first, last)
            assert abs(sum(factors) - n) < 1e-9
            assert max(factors) <= bound + 1e-12


def test_the_fitted_position_prior_orders_omissions_first_middle_last() -> None:
    found = by_domain("example.com")
    first, middle, last = (found[d].likelihood for d in ("xample.com", "exaple.com", "exampl.com"))
    assert first < middle < last  # the data: 5.9% first, 36.9% last


def test_an_insertion_near_the_previous_key_beats_one_near_the_next() -> None:
    found = by_domain("hotmail.com")
    # y is a neighbour of the t before the gap, n of the m after it
    assert found["hotymail.com"].likelihood > found["hotnmail.com"].likelihood


def test_the_suffix_keeps_its_own_term_without_the_label_position_prior() -> None:
    found = by_domain("pentagon.mil")
    assert found["pentagon.il"].likelihood == found["pentagon.ml"].likelihood
    rate = FITTED.error_rate * FITTED.suffix_factor
    assert found["pentagon.ml"].likelihood == pytest.approx(rate * FITTED.theta_omission)


def test_the_layout_follows_the_suffix_and_can_be_overridden() -> None:
    assert layouts_for(FITTED, "de")[0][0] == "qwertz"
    assert layouts_for(FITTED, "fr")[0][0] == "azerty"
    assert layouts_for(FITTED, "co.uk") == FITTED.layout_mix
    german = tables_for(FITTED, layouts_for(FITTED, "de")).substitution["z"]
    assert german["t"] > german["a"]  # on QWERTZ, z sits between t and u
    found = by_domain("zeit.de")
    assert found["teit.de"].likelihood > found["aeit.de"].likelihood
    qwerty = FITTED.with_overrides({"layout": "qwerty"})
    found = by_domain("zeit.de", model=qwerty)
    assert found["teit.de"].likelihood < found["aeit.de"].likelihood


def test_a_bad_layout_says_which_are_known() -> None:
    with pytest.raises(Exception, match="qwertz"):
        DEFAULT_MODEL.with_overrides({"layout": "colemak"})


@pytest.mark.parametrize("channel", ["hand", "fitted"])
def test_an_implausible_two_edit_pair_stays_below_the_plausible_single_edits(
    channel: str,
) -> None:
    model = DEFAULT_MODEL.with_overrides({"channel": channel})
    ranked = list(permute(["ebay.com"], top=300, model=model))
    where = {c.domain: i for i, c in enumerate(ranked)}
    assert "ea.com" in where and "two-edit" in ranked[where["ea.com"]].kinds
    slips = ("omission", "repetition", "transposition")
    plausible = [c for c in ranked if c.kinds[0] in slips]
    assert plausible and all(where[c.domain] < where["ea.com"] for c in plausible)
    assert where["ea.com"] > 100
