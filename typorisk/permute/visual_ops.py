"""Operators outside keyboard slips: look-alikes, bit flips, layout confusion and combosquats.

These are separate, small channels of the model (reading errors, memory errors, hardware faults
and deliberate lures), so their probabilities are per-name constants from
:class:`~typorisk.permute.likelihood.Model`, not keyboard arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterator

from typorisk.permute.glyphs import ASCII_LOOKALIKES, LATIN_DIACRITICS, SCRIPT_LOOKALIKES
from typorisk.permute.keyboards import layout_map
from typorisk.permute.registry import Context, operator

_BITFLIP_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")
_NEUTRAL = frozenset("0123456789-")


@operator("homoglyph", "visual", "an ASCII look-alike (rn/m, vv/w, 0/o, 1/l, cl/d)")
def homoglyph(ctx: Context) -> Iterator[tuple[str, float]]:
    """Replace one character or pair by an ASCII sequence that reads the same."""
    label, p = ctx.label, ctx.model.homoglyph
    for i in range(len(label)):
        for width in (1, 2):
            seq = label[i : i + width]
            if len(seq) == width:
                for alike in ASCII_LOOKALIKES.get(seq, ()):
                    yield ctx.name(label[:i] + alike + label[i + width :]), p


@operator("idn-homoglyph", "visual", "a Unicode look-alike, only where the registry sells IDNs")
def idn_homoglyph(ctx: Context) -> Iterator[tuple[str, float]]:
    """Unicode look-alikes allowed by the suffix's IDN policy (``data/idn_policy.json``).

    Latin with diacritics (``ö`` for ``o``) where ``Latn`` is accepted; a label spelled wholly in
    Cyrillic or Greek look-alikes where that script is accepted; single mixed-script
    substitutions only where the policy allows mixing. ASCII-only suffixes (mil, gov, edu...)
    yield nothing.
    """
    policy = ctx.idn.for_suffix(ctx.target.suffix)
    label, m = ctx.label, ctx.model
    if not policy.scripts or not label.isascii():
        return
    if "Latn" in policy.scripts:
        for i, ch in enumerate(label):
            for alike in LATIN_DIACRITICS.get(ch, ""):
                yield ctx.name(label[:i] + alike + label[i + 1 :]), m.idn_homoglyph
    for script in sorted(policy.scripts):
        table = SCRIPT_LOOKALIKES.get(script)
        if table is None:
            continue
        if all(ch in table or ch in _NEUTRAL for ch in label) and any(ch in table for ch in label):
            yield ctx.name("".join(table.get(ch, ch) for ch in label)), m.idn_whole_script
        if policy.mixed:
            for i, ch in enumerate(label):
                if ch in table:
                    yield ctx.name(label[:i] + table[ch] + label[i + 1 :]), m.idn_homoglyph


@operator("bitsquatting", "visual", "one bit flipped in one character (mic2osoft.com)")
def bitsquatting(ctx: Context) -> Iterator[tuple[str, float]]:
    """Flip one of the low 7 bits of one character of the label or suffix (``Model.bitflip``)."""
    typed_label, suffix, p = ctx.label, ctx.suffix, ctx.model.bitflip
    for region, rebuild in ((typed_label, ctx.name), (suffix, ctx.with_suffix)):
        if not region.isascii():
            continue
        for i, ch in enumerate(region):
            if ch == ".":
                continue
            for bit in range(7):
                flipped = chr(ord(ch) ^ (1 << bit)).lower()
                if flipped != ch and flipped in _BITFLIP_OK:
                    yield rebuild(region[:i] + flipped + region[i + 1 :]), p


@operator("layout-swap", "visual", "the name typed on another keyboard layout (seznam → seynam)")
def layout_swap(ctx: Context) -> Iterator[tuple[str, float]]:
    """Type the name on a different layout (e.g. QWERTY habits on a QWERTZ board).

    p = Model.layout_swap · w(intended) · w(actual) / (1 − w(intended)) over the layout mix, split
    evenly between the whole name remapped and the label alone remapped (the suffix typed by
    rote, as in the registered ``seynam.cz`` for ``seznam.cz``).
    """
    mix = dict(ctx.tables.layouts)
    total = sum(mix.values())
    for intended, wi in mix.items():
        for actual, wa in mix.items():
            if intended == actual or wi >= total:
                continue
            mapping = layout_map(intended, actual)
            p = ctx.model.layout_swap * (wi / total) * (wa / (total - wi)) / 2
            label = "".join(mapping.get(ch, ch) for ch in ctx.label)
            whole = "".join(mapping.get(ch, ch) for ch in ctx.typed)
            for out, original in ((ctx.name(label), ctx.typed), (whole, ctx.typed)):
                if out != original and len(out) == len(original):
                    yield out, p


@operator(
    "combosquat", "extra", "the brand plus a word (brand-login.com); needs --words", default=False
)
def combosquat(ctx: Context) -> Iterator[tuple[str, float]]:
    """Brand and word joined with and without a hyphen, both orders (``Model.combosquat``)."""
    label, p = ctx.label, ctx.model.combosquat
    for word in ctx.words:
        for joined in (f"{label}-{word}", f"{label}{word}", f"{word}-{label}", f"{word}{label}"):
            yield ctx.name(joined), p
