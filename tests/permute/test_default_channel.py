"""The default ranking is the fitted channel; the hand-set channel is an explicit choice.

The pinned names and likelihoods are what ``typorisk permute TARGET --format csv --param
channel=hand`` gives with the hand-set priors (ties ordered by name): that channel stays exactly
as it was. The default's numbers are the shipped fit's, and its key-pair table is read on the
first permutation, never at import (docs/guide/permute.md, "The likelihood model").
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from typorisk import permute
from typorisk.errors import TyporiskError
from typorisk.permute import DEFAULT_MODEL
from typorisk.permute.likelihood import HAND_VALUES, fitted_values, layouts_for

ROOT = Path(__file__).resolve().parents[2]
FITTED = DEFAULT_MODEL.with_overrides({"channel": "fitted"})
HAND = DEFAULT_MODEL.with_overrides({"channel": "hand"})

PENTAGON_TOP10 = [
    ("penagon.mil", 3.000e-03),
    ("pentagn.mil", 3.000e-03),
    ("pentago.mil", 3.000e-03),
    ("pentaon.mil", 3.000e-03),
    ("pentgon.mil", 3.000e-03),
    ("petagon.mil", 3.000e-03),
    ("pntagon.mil", 3.000e-03),
    ("entagon.mil", 1.600e-03),
    ("pentagon.il", 1.500e-03),
    ("pentagon.ml", 1.500e-03),
]

RANKS = {  # target → {1-based rank: (domain, likelihood)}
    "ebay.com": {
        1: ("eay.com", 3.000e-03),
        25: ("ebah.com", 3.917e-04),
        50: ("4bay.com", 1.684e-04),
        100: ("ebazy.com", 4.886e-05),
        200: ("e4ay.com", 8.699e-06),
        300: ("5ebay.com", 3.170e-06),
    },
    "paypal.com": {
        1: ("papal.com", 3.000e-03),
        50: ("pappal.com", 2.851e-04),
        100: ("paypa-l.com", 8.293e-05),
        300: ("payp-l.com", 8.699e-06),
    },
}


def test_the_hand_top_10_of_pentagon_mil_is_the_hand_set_ranking() -> None:
    got = [(c.domain, c.likelihood) for c in permute(["pentagon.mil"], top=10, model=HAND)]
    assert [d for d, _ in got] == [d for d, _ in PENTAGON_TOP10]
    for (_, p), (name, want) in zip(got, PENTAGON_TOP10, strict=True):
        assert p == pytest.approx(want, rel=1e-3), name


@pytest.mark.parametrize("target", sorted(RANKS))
def test_hand_ranks_deep_in_the_list_are_the_hand_set_ones(target: str) -> None:
    ranked = list(permute([target], top=300, model=HAND))
    for rank, (name, want) in RANKS[target].items():
        assert ranked[rank - 1].domain == name, rank
        assert ranked[rank - 1].likelihood == pytest.approx(want, rel=1e-3), name


def test_the_hand_model_is_the_hand_channel_on_its_own_layout_mix() -> None:
    assert HAND.channel == "hand"
    for suffix in ("de", "fr", "com"):
        assert layouts_for(HAND, suffix) == HAND.layout_mix
    for name, value in HAND_VALUES.items():
        assert getattr(HAND, name) == value, name
    hits = sum(getattr(HAND, k) == v for k, v in fitted_values().items())
    assert hits < len(fitted_values()) // 2  # the hand values are not the fit's values


def test_the_default_model_is_the_shipped_fit() -> None:
    assert DEFAULT_MODEL == FITTED
    assert DEFAULT_MODEL.channel == "fitted"
    for name, value in fitted_values().items():
        assert getattr(DEFAULT_MODEL, name) == value, name
    hand = [c.domain for c in permute(["pentagon.mil"], top=10, model=HAND)]
    assert [c.domain for c in permute(["pentagon.mil"], top=10)] != hand


def test_layout_by_suffix_applies_under_the_fitted_channel_only() -> None:
    hand = {c.domain: c.likelihood for c in permute(["zeit.de"], model=HAND)}
    fitted = {c.domain: c.likelihood for c in permute(["zeit.de"])}
    assert hand["teit.de"] < hand["aeit.de"]  # QWERTY-mostly mix: a is next to z
    assert fitted["teit.de"] > fitted["aeit.de"]  # QWERTZ for .de: t is next to z


def test_the_channel_applies_first_whatever_the_order_of_the_overrides() -> None:
    one = DEFAULT_MODEL.with_overrides({"sigma": "0.8", "channel": "fitted"})
    two = DEFAULT_MODEL.with_overrides({"channel": "fitted", "sigma": "0.8"})
    assert one == two and one.sigma == 0.8 and one.channel == "fitted"
    assert one == DEFAULT_MODEL.with_overrides({"sigma": "0.8"})
    assert one.with_overrides({"channel": "hand"}) == HAND.with_overrides({"sigma": "0.8"})


def test_an_unknown_channel_says_which_are_known() -> None:
    with pytest.raises(TyporiskError, match="hand, fitted"):
        DEFAULT_MODEL.with_overrides({"channel": "learned"})


def _table_reads(code: str) -> str:
    """What ``code`` prints in a fresh interpreter (the fitted table's cache size)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    return out.stdout.strip()


def test_the_fitted_table_is_read_on_the_first_permutation_not_at_import() -> None:
    head = "import typorisk.cli; from typorisk import permute;from typorisk.permute import channel;"
    assert _table_reads(head + "print(channel.fitted.cache_info().currsize)") == "0"
    run = "list(permute(['pentagon.mil'], top=5));"
    assert _table_reads(head + run + "print(channel.fitted.cache_info().currsize)") == "1"


def test_the_hand_channel_never_reads_the_fitted_table() -> None:
    code = (
        "from typorisk import permute; from typorisk.permute import channel, DEFAULT_MODEL;"
        "from typorisk.permute.likelihood import HAND_VALUES;"
        "import dataclasses;"
        "hand = dataclasses.replace(DEFAULT_MODEL, channel='hand', **HAND_VALUES);"
        "list(permute(['bücher.de', 'pentagon.mil', 'zeit.de'], top=50, two_edit_top=5,"
        " model=hand));"
        "print(channel.fitted.cache_info().currsize)"
    )
    assert _table_reads(code) == "0"


def test_the_cli_takes_the_channel_as_a_param() -> None:
    def top(*extra: str) -> list[str]:
        command = [sys.executable, "-m", "typorisk", "permute", "pentagon.mil", "--top", "3"]
        out = subprocess.run(
            [*command, "--format", "list", *extra],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        return out.stdout.split()

    assert top("--param", "channel=hand") == [d for d, _ in PENTAGON_TOP10[:3]]
    assert top() == [c.domain for c in permute(["pentagon.mil"], top=3)]
    assert top("--param", "channel=fitted") == top()
    assert top("--param", "channel=hand") != top()
