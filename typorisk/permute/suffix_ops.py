"""Operators on the public suffix and on dots — the typos no peer ranks.

``pentagon.mil`` → ``pentagon.ml`` (a suffix omission) is the leak that started this project.
Suffix edits are the same single-character slips as in a label, at ``ε·suffix_factor``, kept only
when the result is itself an ICANN public suffix. Dot slips (missing, extra, transposed) act on
the whole typed name; the engine keeps a result only when it splits into a registrable domain.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator

from typorisk.permute import edits
from typorisk.permute.registry import Context, operator
from typorisk.permute.suffixes import COMMON_SUFFIXES

__all__ = ["COMMON_SUFFIXES", "SECOND_LEVEL_WEIGHTS"]

SECOND_LEVEL_WEIGHTS: dict[str, float] = {
    "co": 1.0,
    "com": 1.0,
    "org": 0.6,
    "net": 0.5,
    "ac": 0.3,
    "gov": 0.3,
    "edu": 0.3,
    "ltd": 0.2,
    "plc": 0.2,
    "me": 0.2,
}
"""Relative weight of each second-level label as a confusion target; others get 0.05."""
_OTHER_SECOND_LEVEL = 0.05


def _suffix_edits(ctx: Context, pairs: Iterable[tuple[str, float]]) -> Iterator[tuple[str, float]]:
    """Keep edits of the suffix that are real public suffixes (ASCII suffixes only)."""
    own = ctx.suffix
    for suffix, p in pairs:
        if suffix != own and ctx.psl.is_suffix(suffix):
            yield ctx.with_suffix(suffix), p


def _suffix_rate(ctx: Context) -> float:
    return ctx.model.error_rate * ctx.model.suffix_factor


@operator("suffix-omission", "suffix", "a character of the suffix dropped (army.mil → army.ml)")
def suffix_omission(ctx: Context) -> Iterator[tuple[str, float]]:
    """Drop one character of the suffix."""
    yield from _suffix_edits(ctx, edits.omissions(ctx.suffix, _suffix_rate(ctx), ctx.model, False))


@operator("suffix-repetition", "suffix", "a character of the suffix doubled (.comm)")
def suffix_repetition(ctx: Context) -> Iterator[tuple[str, float]]:
    """Double one character of the suffix."""
    yield from _suffix_edits(
        ctx, edits.repetitions(ctx.suffix, _suffix_rate(ctx), ctx.model, False)
    )


@operator("suffix-insertion", "suffix", "an extra key in the suffix (.com → .coma)")
def suffix_insertion(ctx: Context) -> Iterator[tuple[str, float]]:
    """Insert one character into the suffix."""
    rate = _suffix_rate(ctx)
    yield from _suffix_edits(ctx, edits.insertions(ctx.suffix, rate, ctx.model, ctx.tables, False))


@operator("suffix-replacement", "suffix", "a suffix character replaced (.nl → .ml)")
def suffix_replacement(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace one character of the suffix."""
    rate = _suffix_rate(ctx)
    yield from _suffix_edits(
        ctx, edits.replacements(ctx.suffix, rate, ctx.model, ctx.tables, False)
    )


@operator("suffix-transposition", "suffix", "two suffix characters swapped (.at → .ta)")
def suffix_transposition(ctx: Context) -> Iterator[tuple[str, float]]:
    """Swap two adjacent characters of the suffix."""
    rate = _suffix_rate(ctx)
    yield from _suffix_edits(ctx, edits.transpositions(ctx.suffix, rate, ctx.model, False))


def _spread(total: float, weighted: list[tuple[str, float]]) -> Iterator[tuple[str, float]]:
    norm = sum(w for _, w in weighted)
    for name, w in weighted:
        yield name, total * w / norm


@operator("second-level", "suffix", "second level swapped, dropped or added (co.uk → org.uk, uk)")
def second_level(ctx: Context) -> Iterator[tuple[str, float]]:
    """Confuse the second level: ``x.co.uk`` → ``x.org.uk``/``x.uk``; ``x.uk`` → ``x.co.uk``.

    ``Model.second_level`` is split over the options by :data:`SECOND_LEVEL_WEIGHTS`.
    """
    suffix, psl = ctx.suffix, ctx.psl
    _, dot, parent = suffix.partition(".")
    options: list[tuple[str, float]] = []
    if dot and "." not in parent:
        if psl.is_suffix(parent):
            options.append((parent, 1.0))
        siblings = psl.children(parent)
    else:
        siblings = psl.children(suffix)
    for sibling in siblings:
        if sibling != suffix:
            weight = SECOND_LEVEL_WEIGHTS.get(sibling.partition(".")[0], _OTHER_SECOND_LEVEL)
            options.append((sibling, weight))
    if options:
        for new, p in _spread(ctx.model.second_level, options):
            yield ctx.with_suffix(new), p


@operator("suffix-swap", "suffix", "a common suffix instead of the right one (.com → .net)")
def suffix_swap(ctx: Context) -> Iterator[tuple[str, float]]:
    """Swap the whole suffix for one of the swap list (default
    :data:`~typorisk.permute.suffixes.COMMON_SUFFIXES`; ``--tld``), and a ccSLD for its ccTLD."""
    options = [(s, w) for s, w in ctx.swap_suffixes if s != ctx.suffix]
    parent = ctx.suffix.rpartition(".")[2]
    if parent != ctx.suffix and len(parent) == 2 and ctx.psl.is_suffix(parent):
        options.append((parent, 0.5))
    for new, p in _spread(ctx.model.suffix_swap, options):
        yield ctx.with_suffix(new), p


def _dots(typed: str) -> list[int]:
    return [i for i, ch in enumerate(typed) if ch == "."]


@operator("missing-dot", "dot", "a dot between typed labels dropped (us.corp.com → uscorp.com)")
def missing_dot(ctx: Context) -> Iterator[tuple[str, float]]:
    """Drop one dot of the typed name: ε·θ_missing_dot each.

    A bare domain is also typed with ``www.`` in browsers (``Model.www_share`` of the time), so
    ``wwwexample.com`` is a missing-dot typo of ``example.com`` too.
    """
    typed = ctx.typed
    p = ctx.model.error_rate * ctx.model.theta_missing_dot
    for i in _dots(typed):
        yield typed[:i] + typed[i + 1 :], p
    if not ctx.prefix:
        yield "www" + typed, p * ctx.model.www_share


@operator("extra-dot", "dot", "a dot typed inside the label (gmail.com → g.mail.com)")
def extra_dot(ctx: Context) -> Iterator[tuple[str, float]]:
    """Insert a dot inside the label: ε·θ_ins·extra_dot_share per gap."""
    label, m = ctx.label, ctx.model
    p = m.error_rate * m.theta_insertion * m.extra_dot_share
    for i in range(1, len(label)):
        if label[i - 1] != "-" and label[i] != "-":
            yield ctx.name(label[:i] + "." + label[i:]), p


@operator("dot-transposition", "dot", "a dot swapped with a neighbour (google.com → googlec.om)")
def dot_transposition(ctx: Context) -> Iterator[tuple[str, float]]:
    """Swap a dot with the character before or after it: ε·θ_tr each."""
    typed = ctx.typed
    p = ctx.model.error_rate * ctx.model.theta_transposition
    for i in _dots(typed):
        if 0 < i < len(typed) - 1:
            yield typed[: i - 1] + "." + typed[i - 1] + typed[i + 1 :], p
            yield typed[:i] + typed[i + 1] + "." + typed[i + 2 :], p


@operator("typo-suffix-swap", "suffix", "a label typo and a common suffix at once (gogle.net)")
def typo_suffix_swap(ctx: Context) -> Iterator[tuple[str, float]]:
    """Two independent errors: one of the ``typo_swap_top`` likeliest label omissions, doublings
    or transpositions, with the suffix swapped for one of the three likeliest common suffixes.

    p = p(label typo) · p(suffix swap), the product of the two channels (independent errors).
    Only a handful are made, so this two-error kind stays cheap and never swamps the list.
    """
    label, m = ctx.label, ctx.model
    rate, first = m.error_rate, True
    typos = heapq.nlargest(
        m.typo_swap_top,
        (
            *edits.omissions(label, rate, m, first),
            *edits.repetitions(label, rate, m, first),
            *edits.transpositions(label, rate, m, first),
        ),
        key=lambda pair: pair[1],
    )
    options = [(s, w) for s, w in ctx.swap_suffixes if s != ctx.suffix]
    swaps = sorted(_spread(m.suffix_swap, options), key=lambda pair: -pair[1])[:3]
    for typo, p_typo in typos:
        for suffix, p_swap in swaps:
            yield f"{ctx.prefix}{typo}.{suffix}", p_typo * p_swap
