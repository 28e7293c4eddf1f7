"""The keyboard model: key positions, the slip kernel, layout swaps, hands (table-driven)."""

from __future__ import annotations

import math

import pytest

from typorisk.permute.keyboards import (
    LAYOUTS,
    LDH,
    crosses_hands,
    key_centres,
    key_kernel,
    layout_map,
    mixed_kernel,
)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_kernel_row_is_a_distribution_over_other_keys(layout: str) -> None:
    kernel = key_kernel(layout, 0.6)
    for a, row in kernel.items():
        assert a not in row
        assert math.isclose(sum(row.values()), 1.0, rel_tol=1e-9)
        assert all(p > 0 for p in row.values())


@pytest.mark.parametrize(
    ("aimed", "near", "far"),
    [("s", "a", "p"), ("g", "h", "q"), ("o", "p", "z"), ("n", "m", "q"), ("e", "w", "m")],
)
def test_a_neighbour_is_likelier_than_a_far_key_on_qwerty(aimed: str, near: str, far: str) -> None:
    row = key_kernel("qwerty", 0.6)[aimed]
    assert row[near] > 10 * row[far]


def test_a_wider_spread_moves_mass_to_far_keys() -> None:
    narrow, wide = key_kernel("qwerty", 0.4)["s"], key_kernel("qwerty", 1.2)["s"]
    assert wide["p"] > narrow["p"] and wide["a"] < narrow["a"]


@pytest.mark.parametrize(
    ("aimed", "row", "across"), [("s", "d", "w"), ("g", "h", "t"), ("k", "l", "i")]
)
def test_a_vertical_stretch_moves_mass_from_the_next_row_to_the_same_row(
    aimed: str, row: str, across: str
) -> None:
    round_pads, stretched = key_kernel("qwerty", 0.6), key_kernel("qwerty", 0.6, vertical=2.0)
    ratio = round_pads[aimed][across] / round_pads[aimed][row]
    assert 0.5 < ratio < 1.5  # isotropic: a key on the next row is about as near as a row neighbour
    assert stretched[aimed][across] / stretched[aimed][row] < ratio / 10
    assert math.isclose(sum(stretched[aimed].values()), 1.0)


def test_qwerty_home_row_positions() -> None:
    centres = key_centres("qwerty")
    assert centres["a"][1] == centres["s"][1] == centres["l"][1]
    assert centres["s"][0] - centres["a"][0] == 1.0
    assert set(centres) <= set(LDH) and "q" in centres and "-" in centres


@pytest.mark.parametrize(
    ("intended", "actual", "key", "typed"),
    [
        ("qwerty", "qwertz", "y", "z"),
        ("qwerty", "qwertz", "z", "y"),
        ("qwerty", "azerty", "q", "a"),
    ],
)
def test_layout_swaps(intended: str, actual: str, key: str, typed: str) -> None:
    assert layout_map(intended, actual)[key] == typed


def test_a_layout_maps_to_itself_as_nothing() -> None:
    assert layout_map("qwerty", "qwerty") == {}


def test_mixed_kernel_rows_sum_to_one_and_blend_layouts() -> None:
    mixed = mixed_kernel({"qwerty": 0.5, "qwertz": 0.5}, 0.6)
    for row in mixed.values():
        assert math.isclose(sum(row.values()), 1.0, rel_tol=1e-9)
    qwerty = key_kernel("qwerty", 0.6)["t"]["y"]
    qwertz = key_kernel("qwertz", 0.6)["t"]["y"]
    assert math.isclose(mixed["t"]["y"], (qwerty + qwertz) / 2, rel_tol=1e-9)


@pytest.mark.parametrize(
    ("a", "b", "crosses"),
    [("g", "h", True), ("a", "s", False), ("j", "k", False), ("t", "y", True)],
)
def test_hands(a: str, b: str, crosses: bool) -> None:
    assert crosses_hands(a, b) is crosses
