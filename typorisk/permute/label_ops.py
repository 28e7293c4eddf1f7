"""Operators on the registrable label: the keyboard slips of the noisy-channel model.

Each yields ``(typed name, probability)``; the edit arithmetic lives in
:mod:`typorisk.permute.edits` and the parameters in :mod:`typorisk.permute.likelihood`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from typorisk.permute import edits
from typorisk.permute.keyboards import key_kernel
from typorisk.permute.registry import Context, operator


def _rate(ctx: Context) -> tuple[float, bool]:
    """(ε, the position prior applies): the label's rate and fitted positions."""
    return ctx.model.error_rate, True


@operator("omission", "label", "one character dropped (gogle.com)")
def omission(ctx: Context) -> Iterator[tuple[str, float]]:
    """Drop one character of the label."""
    rate, first = _rate(ctx)
    for label, p in edits.omissions(ctx.label, rate, ctx.model, first):
        yield ctx.name(label), p


@operator("repetition", "label", "one character doubled (gooogle.com)")
def repetition(ctx: Context) -> Iterator[tuple[str, float]]:
    """Double one character of the label."""
    rate, first = _rate(ctx)
    for label, p in edits.repetitions(ctx.label, rate, ctx.model, first):
        yield ctx.name(label), p


@operator("insertion", "label", "an extra key near a neighbour (googlre.com)")
def insertion(ctx: Context) -> Iterator[tuple[str, float]]:
    """Insert one character into the label (weighted by keys near its neighbours)."""
    rate, first = _rate(ctx)
    for label, p in edits.insertions(ctx.label, rate, ctx.model, ctx.tables, first):
        yield ctx.name(label), p


@operator("replacement", "label", "a character replaced by a near key, a sound- or look-alike")
def replacement(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace one character of the label."""
    rate, first = _rate(ctx)
    for label, p in edits.replacements(ctx.label, rate, ctx.model, ctx.tables, first):
        yield ctx.name(label), p


@operator("transposition", "label", "two adjacent characters swapped (gogole.com)")
def transposition(ctx: Context) -> Iterator[tuple[str, float]]:
    """Swap two adjacent characters of the label."""
    rate, first = _rate(ctx)
    for label, p in edits.transpositions(ctx.label, rate, ctx.model, first):
        yield ctx.name(label), p


@operator("hyphenation", "label", "a hyphen added or removed (goo-gle.com, examplecorp.com)")
def hyphenation(ctx: Context) -> Iterator[tuple[str, float]]:
    """Insert a hyphen between two characters (ε·θ_hyphen spread over the gaps, ×2 so a short
    label's gaps are not diluted), or drop an existing hyphen (ε·θ_hyphen each)."""
    label, m = ctx.label, ctx.model
    base = m.error_rate * m.theta_hyphen
    gaps = max(len(label) - 1, 1)
    for i in range(1, len(label)):
        if label[i - 1] != "-" and label[i] != "-":
            yield ctx.name(label[:i] + "-" + label[i:]), base * 2 / gaps
    for i, ch in enumerate(label):
        if ch == "-":
            yield ctx.name(label[:i] + label[i + 1 :]), base


@operator("plural", "label", "a final 's' added or dropped (pentagons.mil)")
def plural(ctx: Context) -> Iterator[tuple[str, float]]:
    """Singular/plural confusion: a memory error, ``Model.plural`` per name."""
    label, p = ctx.label, ctx.model.plural
    if label.endswith("s") and len(label) > 2:
        yield ctx.name(label[:-1]), p
        if label.endswith("es") and len(label) > 3:
            yield ctx.name(label[:-2]), p / 2
    else:
        yield ctx.name(label + "s"), p
        if label.endswith(("x", "z", "ch", "sh")):
            yield ctx.name(label + "es"), p / 2


@operator("far-swap", "label", "two characters swapped across one or two others (ggoole.com)")
def far_swap(ctx: Context) -> Iterator[tuple[str, float]]:
    """Swap characters ``d`` = 2 or 3 apart: ε·θ_tr·far_swap_share·(1/2 for d = 3)·φ.

    Transpositions of non-neighbours are rarer than adjacent ones (Salthouse 1986 finds most
    transpositions adjacent); ``far_swap_share`` is that minority, halved per extra step.
    """
    label, m = ctx.label, ctx.model
    base = m.error_rate * m.theta_transposition * m.far_swap_share
    for distance, weight in ((2, 2 / 3), (3, 1 / 3)):
        for i in range(len(label) - distance):
            a, b = label[i], label[i + distance]
            if a == b or "-" in (a, b):
                continue
            j = i + distance
            out = label[:i] + b + label[i + 1 : j] + a + label[j + 1 :]
            yield ctx.name(out), base * weight * (m.first_char_factor if i == 0 else 1.0)


_VOWELS = "aeiou"


@operator("vowel-swap", "label", "a vowel, or a doubled vowel, replaced by another (gaagle.com)")
def vowel_swap(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace one vowel, or one run of the same vowel (``oo``), by another vowel.

    A spelling (memory) error, not a slip: ``Model.vowel_swap`` per swap, whatever the keyboard.
    Single vowels next to the right key also come from ``replacement``; their probabilities add.
    """
    label, p = ctx.label, ctx.model.vowel_swap
    i = 0
    while i < len(label):
        ch = label[i]
        if ch not in _VOWELS:
            i += 1
            continue
        j = i
        while j < len(label) and label[j] == ch:
            j += 1
        for other in _VOWELS:
            if other != ch:
                if j - i > 1:
                    yield ctx.name(label[:i] + other * (j - i) + label[j:]), p
                for k in range(i, j):
                    yield ctx.name(label[:k] + other + label[k + 1 :]), p / (j - i)
        i = j


@operator("dvorak", "label", "a near key on a Dvorak keyboard (google.com → goqgle.com)")
def dvorak(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace a character by a key near it on Dvorak: ε·θ_sub·dvorak_share·g_dvorak(b|a)·φ.

    ``dvorak_share`` is the share of typists on Dvorak (a small minority); the kernel is the same
    Gaussian in key distance as for the main layout mix (:func:`keyboards.key_kernel`).
    """
    label, m = ctx.label, ctx.model
    kernel = dvorak_kernel(m.sigma)
    base = m.error_rate * m.theta_substitution * m.dvorak_share
    for i, a in enumerate(label):
        row = kernel.get(a)
        if row is None:
            continue
        scale = base * (m.first_char_factor if i == 0 else 1.0)
        for b, g in row.items():
            if g >= _DVORAK_FLOOR:
                yield ctx.name(label[:i] + b + label[i + 1 :]), scale * g


_DVORAK_FLOOR = 0.02
"""Kernel values below this (keys two or more pitches away) are left to ``replacement``."""


@functools.cache
def dvorak_kernel(sigma: float) -> dict[str, dict[str, float]]:
    """The Dvorak key kernel for ``sigma`` (cached: one per model)."""
    return key_kernel("dvorak", sigma)
