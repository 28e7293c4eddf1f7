"""Operators on the words inside a label: numerals, homophones, misspellings, word hyphens.

These are spelling and memory errors, not keystroke slips, so each has a per-name prior in
:class:`~typorisk.permute.likelihood.Model`. The word table ``data/word_confusions.tsv`` (with
its source in ``data/SOURCES.md``) is read once, on first use, never at import time.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from importlib import resources

from typorisk.permute.registry import Context, operator

NUMBER_WORDS: Mapping[str, tuple[str, ...]] = {
    "0": ("zero",),
    "1": ("one", "won"),
    "2": ("two", "to", "too"),
    "3": ("three",),
    "4": ("four", "for"),
    "5": ("five",),
    "6": ("six",),
    "7": ("seven",),
    "8": ("eight", "ate"),
    "9": ("nine",),
    "10": ("ten",),
}
"""Numeral → the English words it is read or written as (``1password`` / ``onepassword``)."""

_WORD_NUMBERS: dict[str, str] = {w: n for n, words in NUMBER_WORDS.items() for w in words}


@functools.cache
def word_confusions() -> tuple[tuple[str, str], ...]:
    """(word, confused word) pairs from ``data/word_confusions.tsv``; homophones both ways."""
    text = resources.files("typorisk.data").joinpath("word_confusions.tsv").read_text("utf-8")
    pairs: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, other, kind = line.split("\t")
        pairs.append((word, other))
        if kind == "homophone":
            pairs.append((other, word))
    return tuple(dict.fromkeys(pairs))


def _replace_each(label: str, old: str, new: str) -> Iterator[str]:
    """``label`` with one occurrence of ``old`` replaced by ``new``, for each occurrence."""
    start = label.find(old)
    while start != -1:
        yield label[:start] + new + label[start + len(old) :]
        start = label.find(old, start + 1)


@operator("numeral-word", "word", "a numeral spelt out, a number word as digits (1password)")
def numeral_word(ctx: Context) -> Iterator[tuple[str, float]]:
    """Swap one numeral for its word or one number word for its numeral (``Model.numeral_word``
    per swap, split evenly over a numeral's words)."""
    label, p = ctx.label, ctx.model.numeral_word
    for numeral, words in NUMBER_WORDS.items():
        if numeral in label and not (numeral == "1" and "10" in label):
            for word in words:
                for out in _replace_each(label, numeral, word):
                    yield ctx.name(out), p / len(words)
    for word, numeral in _WORD_NUMBERS.items():
        if word in label:
            for out in _replace_each(label, word, numeral):
                yield ctx.name(out), p


@operator("word-swap", "word", "a word misspelt or swapped for a homophone (weather → whether)")
def word_swap(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace one word found in the label by a homophone or a common misspelling of it
    (``Model.word_confusion`` per replacement; words of 2 letters or fewer are skipped)."""
    label, p = ctx.label, ctx.model.word_confusion
    for word, other in word_confusions():
        if len(word) > 2 and word in label:
            for out in _replace_each(label, word, other):
                yield ctx.name(out), p


def _boundaries(label: str) -> list[int]:
    """Gaps (index of the character after) where letters meet digits: where words split."""
    return [
        i
        for i in range(1, len(label))
        if label[i - 1] != "-" and label[i] != "-" and label[i - 1].isdigit() != label[i].isdigit()
    ]


@operator("two-hyphens", "word", "hyphens at two word boundaries (1und1.de → 1-und-1.de)")
def two_hyphens(ctx: Context) -> Iterator[tuple[str, float]]:
    """Hyphenate two letter/digit boundaries at once: ``Model.two_hyphens`` spread over the pairs.

    Only boundaries between letters and digits count (``1|und|1``): without a dictionary, other
    gaps are no likelier than any pair, and C(n, 2) pairs would swamp the list.
    """
    label = ctx.label
    gaps = _boundaries(label)
    pairs = [(i, j) for n, i in enumerate(gaps) for j in gaps[n + 1 :]]
    for i, j in pairs:
        out = f"{label[:i]}-{label[i:j]}-{label[j:]}"
        yield ctx.name(out), ctx.model.two_hyphens / len(pairs)
