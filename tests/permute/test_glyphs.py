"""The look-alike tables: symmetric where they say so, LDH where they must be, one script each."""

from __future__ import annotations

import unicodedata

import pytest

from typorisk.permute.glyphs import (
    ASCII_LOOKALIKES,
    LATIN_DIACRITICS,
    PHONETIC,
    SCRIPT_LOOKALIKES,
)
from typorisk.permute.keyboards import LDH


def test_ascii_lookalikes_are_ldh_and_listed_both_ways() -> None:
    for seq, alikes in ASCII_LOOKALIKES.items():
        assert set(seq) <= set(LDH) and alikes
        for alike in alikes:
            assert set(alike) <= set(LDH) and alike != seq
            back = ASCII_LOOKALIKES.get(alike, ())
            single = len(seq) == 1 and len(alike) == 1
            assert seq in back or not single or alike in "0123456789", (seq, alike)


@pytest.mark.parametrize(("script", "name"), [("Cyrl", "CYRILLIC"), ("Grek", "GREEK")])
def test_script_lookalikes_are_one_script_and_not_ascii(script: str, name: str) -> None:
    table = SCRIPT_LOOKALIKES[script]
    for latin, other in table.items():
        assert latin.isascii() and len(other) == 1 and not other.isascii()
        assert unicodedata.name(other).startswith(name), (latin, other)


def test_diacritics_decompose_to_their_bare_letter() -> None:
    for bare, marked in LATIN_DIACRITICS.items():
        for char in marked:
            base = unicodedata.normalize("NFD", char)[0]
            assert base == bare or unicodedata.name(char).startswith("LATIN"), (bare, char)


def test_phonetic_alternatives_are_other_letters() -> None:
    for letter, sounds in PHONETIC.items():
        assert letter not in sounds and set(sounds) <= set(LDH)
