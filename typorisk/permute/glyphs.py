"""Look-alike and sound-alike tables (pure data).

ASCII look-alikes are what a reader confuses in a sans-serif font (``rn``/``m``, ``vv``/``w``,
``0``/``o``, ``1``/``l``, ``cl``/``d``). IDN look-alikes are Unicode characters that render like a
Latin letter; whether a registry accepts them is policy, kept in ``data/idn_policy.json``.
"""

from __future__ import annotations

from collections.abc import Mapping

ASCII_LOOKALIKES: Mapping[str, tuple[str, ...]] = {
    "m": ("rn", "nn"),
    "rn": ("m",),
    "w": ("vv",),
    "vv": ("w",),
    "d": ("cl",),
    "cl": ("d",),
    "o": ("0",),
    "0": ("o",),
    "l": ("1", "i"),
    "1": ("l", "i"),
    "i": ("1", "l"),
    "s": ("5",),
    "5": ("s",),
    "b": ("6",),
    "g": ("q", "9"),
    "q": ("g",),
    "u": ("v",),
    "v": ("u",),
    "e": ("3",),
    "a": ("4",),
    "z": ("2",),
    "nn": ("m",),
    "ii": ("u",),
}
"""Sequence → sequences that look like it in common fonts (both directions listed)."""

PHONETIC: Mapping[str, str] = {
    "a": "eiou",
    "e": "aiou",
    "i": "aeouy",
    "o": "aeiu",
    "u": "aeio",
    "y": "i",
    "c": "ks",
    "k": "cq",
    "s": "cz",
    "z": "s",
    "q": "k",
    "f": "v",
    "v": "fw",
    "w": "v",
    "m": "n",
    "n": "m",
    "d": "t",
    "t": "d",
    "b": "p",
    "p": "b",
    "g": "j",
    "j": "g",
}
"""Single characters confused by sound or spelling (vowel swaps, c/k, s/z, ...)."""

LATIN_DIACRITICS: Mapping[str, str] = {
    "a": "àáâãäåąạā",
    "c": "çćč",
    "e": "èéêëęěėē",
    "g": "ğ",
    "i": "ìíîïıįī",
    "l": "ł",
    "n": "ñń",
    "o": "òóôõöøȯơő",
    "s": "śšş",
    "u": "ùúûüůūűų",
    "y": "ýÿ",
    "z": "źżž",
}
"""Latin letters with marks that read as the bare letter at a glance (script ``Latn``)."""

CYRILLIC_LOOKALIKES: Mapping[str, str] = {
    "a": "а",
    "c": "с",
    "e": "е",
    "h": "һ",
    "i": "і",
    "j": "ј",
    "k": "к",
    "l": "ӏ",
    "o": "о",
    "p": "р",
    "s": "ѕ",
    "x": "х",
    "y": "у",
}
"""Latin letter → Cyrillic letter that renders the same (script ``Cyrl``)."""

GREEK_LOOKALIKES: Mapping[str, str] = {
    "i": "ι",
    "k": "κ",
    "n": "η",
    "o": "ο",
    "p": "ρ",
    "t": "τ",
    "u": "υ",
    "v": "ν",
    "x": "χ",
    "y": "γ",
}
"""Latin letter → Greek letter that renders alike (script ``Grek``)."""

SCRIPT_LOOKALIKES: Mapping[str, Mapping[str, str]] = {
    "Cyrl": CYRILLIC_LOOKALIKES,
    "Grek": GREEK_LOOKALIKES,
}
"""Non-Latin scripts whose look-alikes can spell a whole Latin label."""
