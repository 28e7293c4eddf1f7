"""Operators that turn a dot into something else, or something else into a dot.

Every one acts on the whole typed name; the engine keeps a result only when it splits into a
registrable domain under the Public Suffix List (:mod:`typorisk.parse.psl`), so ``google.com`` →
``google-com`` (no suffix left) is dropped and ``bbc.co.uk`` → ``bbc-co.uk`` (under ``uk``) is
kept. Their probabilities are per-name priors from :class:`~typorisk.permute.likelihood.Model`
(separator confusion and memory errors, not keyboard arithmetic).
"""

from __future__ import annotations

from collections.abc import Iterator

from typorisk.permute.registry import Context, operator

_DOT_FLIPS = tuple(
    flipped
    for bit in range(7)
    if (flipped := chr(ord(".") ^ (1 << bit))) in "abcdefghijklmnopqrstuvwxyz0123456789-"
)
"""LDH characters one bit away from ``.`` (0x2e): only ``n`` (0x6e)."""


FOLD_SUFFIXES = 8
"""How many suffixes of the swap list a folded name is tried under (the heaviest)."""


def _dots(typed: str) -> list[int]:
    return [i for i, ch in enumerate(typed) if ch == "."]


def _dot_edits(ctx: Context, new: str, p: float) -> Iterator[tuple[str, float]]:
    """Each dot of the typed name replaced by ``new``, at ``p`` each.

    A bare domain is typed with ``www.`` in front ``Model.www_share`` of the time (a browser
    habit), so its ``www`` dot is edited too (``wwwngoogle.com``); edits of its other dots under
    ``www.`` reach the same domain as without it, so they add ``www_share`` to the bare name.
    """
    typed = ctx.typed
    share = 1.0 + ctx.model.www_share if not ctx.prefix else 1.0
    for i in _dots(typed):
        yield typed[:i] + new + typed[i + 1 :], p * share
    if not ctx.prefix:
        yield "www" + new + typed, p * ctx.model.www_share


@operator("dot-hyphen", "dot", "a dot typed as a hyphen (us.corp.com → us-corp.com, bbc-co.uk)")
def dot_hyphen(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace one dot by a hyphen: ``Model.dot_hyphen`` per dot (a separator confusion)."""
    yield from _dot_edits(ctx, "-", ctx.model.dot_hyphen)


@operator("hyphen-dot", "dot", "a hyphen typed as a dot (t-online.de → t.online.de)")
def hyphen_dot(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace one hyphen by a dot: ``Model.hyphen_dot`` per hyphen. The typed name keeps its
    labels (``t.online.de``); the registrable domain reached is ``online.de``."""
    typed, p = ctx.typed, ctx.model.hyphen_dot
    for i, ch in enumerate(typed):
        if ch == "-":
            yield typed[:i] + "." + typed[i + 1 :], p


@operator("suffix-fold", "dot", "the suffix folded into the label (googlecom.com, armymil.com)")
def suffix_fold(ctx: Context) -> Iterator[tuple[str, float]]:
    """Type the label and suffix as one word, then a suffix from memory.

    ``Model.suffix_fold`` in total, split by weight over the :data:`FOLD_SUFFIXES` heaviest
    suffixes of the swap list (``--tld``); the label + suffix is joined without a separator (3/4)
    or with a hyphen (1/4).
    """
    folded = ctx.label + ctx.suffix.replace(".", "")
    hyphened = ctx.label + "-" + ctx.suffix.replace(".", "-")
    heaviest = sorted(ctx.swap_suffixes, key=lambda pair: -pair[1])[:FOLD_SUFFIXES]
    norm = sum(w for _, w in heaviest)
    for suffix, w in heaviest:
        p = ctx.model.suffix_fold * w / norm
        yield f"{ctx.prefix}{folded}.{suffix}", p * 0.75
        yield f"{ctx.prefix}{hyphened}.{suffix}", p * 0.25


@operator("dot-bitflip", "dot", "one bit flipped in a dot (www.google.com → wwwngoogle.com)")
def dot_bitflip(ctx: Context) -> Iterator[tuple[str, float]]:
    """Flip one bit of a dot: ``Model.bitflip`` per flip (memory errors, Dinaburg 2011).

    Only ``n`` is one bit from ``.`` among LDH characters. A bare domain is flipped with
    ``www.`` in front too (``Model.www_share`` of typings).
    """
    for flipped in _DOT_FLIPS:
        yield from _dot_edits(ctx, flipped, ctx.model.bitflip)
