"""Transliterations: a name with umlauts or accents typed in plain ASCII, and back.

People on keyboards without ``ü`` type ``bücher.de`` as ``buecher.de`` (the German rule) or
``bucher.de`` (the mark dropped); mail addresses and many forms accept ASCII only, so the ASCII
spelling is often what is typed. The reverse, a brand registered in ASCII (``mueller.de``) typed
in its native spelling (``müller.de``), is a name only where the registry sells Latin IDNs.

These are spellings, not keystroke slips: their probabilities are per-name priors of
:class:`~typorisk.permute.likelihood.Model` (``transliteration`` for the ASCII spellings of an
IDN label, ``transliteration_reverse`` for the IDN spellings of an ASCII one).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

from typorisk.permute.registry import Context, operator

TO_ASCII: Mapping[str, tuple[tuple[str, float], ...]] = {
    "ü": (("ue", 0.6), ("u", 0.4)),
    "ö": (("oe", 0.6), ("o", 0.4)),
    "ä": (("ae", 0.6), ("a", 0.4)),
    "ß": (("ss", 1.0),),
    "é": (("e", 1.0),),
    "è": (("e", 1.0),),
    "ê": (("e", 1.0),),
    "ø": (("o", 0.5), ("oe", 0.5)),
    "å": (("aa", 0.5), ("a", 0.5)),
    "ñ": (("n", 1.0),),
}
"""Character → its ASCII spellings with their shares (the spelled-out form first)."""

FROM_ASCII: Mapping[str, str] = {"ue": "ü", "oe": "ö", "ae": "ä", "ss": "ß", "aa": "å"}
"""ASCII digraph → the letter it transliterates (the reverse, for ASCII targets)."""

_MAX_VARIANTS = 64
"""At most this many spellings per label (a label with many marks has 2^k mixed ones)."""


def ascii_spellings(label: str) -> Iterator[tuple[str, float]]:
    """Each spelling of ``label`` with every mapped character spelled in ASCII, and its share.

    Every mark is spelled the same way in a name (a typist follows one rule): all in the
    spelled-out form, all dropped, ...; the shares of the forms multiply per character kind.
    """
    kinds = sorted({ch for ch in label if ch in TO_ASCII})
    if not kinds:
        return
    choices = [TO_ASCII[ch] for ch in kinds]
    for combo in itertools.islice(itertools.product(*choices), _MAX_VARIANTS):
        table = {ch: text for ch, (text, _) in zip(kinds, combo, strict=True)}
        share = 1.0
        for _, weight in combo:
            share *= weight
        yield "".join(table.get(ch, ch) for ch in label), share


def native_spellings(label: str) -> Iterator[tuple[str, float]]:
    """Each spelling of an ASCII ``label`` with one of its :data:`FROM_ASCII` digraphs (or all of
    one kind) written as the letter, with equal shares summing to 1."""
    found: list[str] = []
    for digraph, letter in FROM_ASCII.items():
        starts = [i for i in range(len(label) - 1) if label.startswith(digraph, i)]
        for i in starts:
            found.append(label[:i] + letter + label[i + 2 :])
        if len(starts) > 1:
            found.append(label.replace(digraph, letter))
    unique = sorted(set(found))
    for name in unique:
        yield name, 1.0 / len(unique)


@operator(
    "transliteration",
    "label",
    "an umlaut or accent spelled in ASCII (bücher.de → buecher.de, bucher.de), or back",
)
def transliteration(ctx: Context) -> Iterator[tuple[str, float]]:
    """ASCII spellings of an IDN label (``Model.transliteration`` split by share), or native
    spellings of an ASCII label where the suffix's registry sells Latin IDNs
    (``Model.transliteration_reverse`` split evenly)."""
    label, m = ctx.label, ctx.model
    if not label.isascii():
        if m.transliteration <= 0:
            return  # turned off: no candidate at likelihood 0
        for out, share in ascii_spellings(label):
            if out != label:
                yield ctx.name(out), m.transliteration * share
    elif m.transliteration_reverse > 0 and "Latn" in ctx.idn.for_suffix(ctx.target.suffix).scripts:
        for out, share in native_spellings(label):
            yield ctx.name(out), m.transliteration_reverse * share
