"""The likelihood model: parameters, overrides, and the substitution tables built from them."""

from __future__ import annotations

import dataclasses
import math

import pytest

from typorisk.errors import TyporiskError
from typorisk.permute.keyboards import LDH
from typorisk.permute.likelihood import DEFAULT_MODEL, Model, tables_for


def test_slip_shares_and_mixes_are_probabilities() -> None:
    m = DEFAULT_MODEL
    shares = [f.name for f in dataclasses.fields(m) if f.name.startswith("theta_")]
    assert sum(getattr(m, s) for s in shares) <= 1.0 + 1e-9
    mix = m.sub_key + m.sub_phonetic + m.sub_visual + m.sub_uniform
    assert mix > 0 and 0.0 < m.error_rate < 0.1
    assert math.isclose(sum(w for _, w in m.layout_mix), 1.0)


def test_every_substitution_row_is_a_distribution() -> None:
    tables = tables_for(DEFAULT_MODEL)
    assert set(tables.substitution) == set(LDH)
    for a, row in tables.substitution.items():
        assert a not in row and set(row) == set(LDH) - {a}
        assert math.isclose(sum(row.values()), 1.0, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("aimed", "likely", "unlikely", "why"),
    [
        ("o", "p", "z", "keyboard neighbour"),
        ("o", "0", "z", "look-alike digit"),
        ("a", "o", "m", "sound-alike vowel (z would be a neighbour of a)"),
    ],
)
def test_substitution_prefers_the_documented_channels(
    aimed: str, likely: str, unlikely: str, why: str
) -> None:
    row = tables_for(DEFAULT_MODEL).substitution[aimed]
    assert row[likely] > row[unlikely], why


def test_without_the_key_kernel_substitution_is_flatter() -> None:
    flat = DEFAULT_MODEL.with_overrides({"sub_key": "0"})
    near = tables_for(DEFAULT_MODEL).substitution["s"]
    other = tables_for(flat).substitution["s"]
    assert other["a"] < near["a"] and other["p"] > near["p"]


def test_tables_are_cached_per_model() -> None:
    assert tables_for(Model()) is tables_for(Model())


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nope": "1"}, "unknown model parameter 'nope'"),
        ({"error_rate": "high"}, "is not a number"),
        ({"error_rate": "1.5"}, "out of range"),
        ({"error_rate": "nan"}, "out of range"),
        ({"layout_mix": "x"}, "unknown model parameter"),
    ],
)
def test_bad_overrides_say_what_is_wrong(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(TyporiskError, match=message):
        DEFAULT_MODEL.with_overrides(overrides)


def test_overrides_convert_text_and_keep_the_rest() -> None:
    changed = DEFAULT_MODEL.with_overrides({"error_rate": "0.02", "intrusion_window": "5"})
    assert changed.error_rate == 0.02 and changed.intrusion_window == 5
    assert changed.sigma == DEFAULT_MODEL.sigma and DEFAULT_MODEL.error_rate == 0.01
