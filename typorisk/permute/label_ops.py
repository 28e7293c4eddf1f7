"""Operators on the registrable label: the keyboard slips of the noisy-channel model.

Each yields ``(typed name, probability)``; the edit arithmetic lives in
:mod:`typorisk.permute.edits` and the parameters in :mod:`typorisk.permute.likelihood`.
"""

from __future__ import annotations

from collections.abc import Iterator

from typorisk.permute import edits
from typorisk.permute.registry import Context, operator


def _rate(ctx: Context) -> tuple[float, float]:
    return ctx.model.error_rate, ctx.model.first_char_factor


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
