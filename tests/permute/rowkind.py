"""The ``kind`` and ``single_edit`` columns of tests/data/real_typos.csv, from the two names alone.

Rows are classified by the edit that turns the target into the typo, the same way for every row, so
that rows added later are labelled like the first ones (``test_recall.py`` checks the whole file):

- ``xn--`` or non-ASCII typo → ``idn-homoglyph`` (not a single keystroke edit);
- the dot moved by one place (``facebookc.om``) → ``dot-transposition``; ``www`` glued to the label
  → ``missing-dot``; same label, one letter of the suffix dropped (``.om``, ``.co``) →
  ``suffix-omission``; same label, another suffix → ``suffix-swap`` (not single);
- same suffix, one letter of the label dropped → ``omission``; one added → ``repetition`` when it
  doubles a neighbour, ``plural`` for a final ``s``, else ``insertion``; two neighbours swapped →
  ``transposition``; one replaced → ``homoglyph`` for 0/o, 1/l, 1/i (not single), ``bitsquatting``
  for a one-bit flip between keys that are neither keyboard neighbours nor sound-alikes, else
  ``replacement``; look-alike sequences (``rn`` for ``m``, ``vv`` for ``w``) → ``homoglyph``;
- anything else (two edits, a typo plus another suffix) → ``other`` (not single).
"""

from __future__ import annotations

from typorisk.permute.glyphs import PHONETIC
from typorisk.permute.keyboards import key_centres

_QWERTY = key_centres("qwerty")
_LOOKALIKES = (("rn", "m"), ("vv", "w"), ("0", "o"), ("1", "l"))


def _neighbours(a: str, b: str) -> bool:
    """Whether keys ``a`` and ``b`` touch on QWERTY (centres within 1.26 key pitches)."""
    if a not in _QWERTY or b not in _QWERTY:
        return False
    (ax, ay), (bx, by) = _QWERTY[a], _QWERTY[b]
    return (ax - bx) ** 2 + (ay - by) ** 2 <= 1.6


def _dropped_one(long: str, short: str) -> bool:
    return len(long) == len(short) + 1 and any(
        long[:i] + long[i + 1 :] == short for i in range(len(long))
    )


def _one_added(label: str, typo: str) -> str | None:
    """The kind of a one-letter insertion turning ``label`` into ``typo``, or None."""
    if len(typo) != len(label) + 1:
        return None
    for i, char in enumerate(typo):
        if typo[:i] + typo[i + 1 :] == label:
            if (i > 0 and typo[i - 1] == char) or (i + 1 < len(typo) and typo[i + 1] == char):
                return "repetition"
            return "plural" if i == len(typo) - 1 and char == "s" else "insertion"
    return None


def _same_length(label: str, typo: str) -> str | None:
    """The kind of a replacement or adjacent swap turning ``label`` into ``typo``, or None."""
    diff = [i for i, (a, b) in enumerate(zip(label, typo, strict=True)) if a != b]
    if len(diff) == 1:
        a, b = label[diff[0]], typo[diff[0]]
        if {a, b} in ({"o", "0"}, {"l", "1"}, {"i", "1"}):
            return "homoglyph"
        flip = ord(a) ^ ord(b)
        if flip & (flip - 1) == 0 and not _neighbours(a, b) and b not in PHONETIC.get(a, ""):
            return "bitsquatting"
        return "replacement"
    i = diff[0] if len(diff) == 2 else -1  # an adjacent swap: two places
    if i >= 0 and diff[1] == i + 1 and typo[i] == label[i + 1] and typo[i + 1] == label[i]:
        return "transposition"
    return None


def classify(target: str, typo: str) -> tuple[str, str]:
    """(kind, ``"yes"``/``"no"`` single edit) of the row ``target,typo``."""
    if not typo.isascii() or typo.startswith("xn--") or ".xn--" in typo:
        return "idn-homoglyph", "no"
    label, _, suffix = target.partition(".")
    tlabel, _, tsuffix = typo.partition(".")
    if typo.replace(".", "") == target.replace(".", "") and typo.count(".") == target.count("."):
        return "dot-transposition", "yes"
    if tsuffix == suffix and tlabel == "www" + label:
        return "missing-dot", "yes"
    if tlabel == label:
        if _dropped_one(suffix, tsuffix):
            return "suffix-omission", "yes"
        return "suffix-swap", "no"
    if tsuffix != suffix:
        return "other", "no"
    looks = tlabel
    for seq, char in _LOOKALIKES:
        looks = looks.replace(seq, char)
    if looks != tlabel and label in (looks, looks.replace("i", "l")):
        return "homoglyph", "no"
    if _dropped_one(label, tlabel):
        return "omission", "yes"
    kind = _one_added(label, tlabel)
    if kind is None and len(tlabel) == len(label):
        kind = _same_length(label, tlabel)
    if kind is None:
        return "other", "no"
    return kind, "no" if kind == "homoglyph" else "yes"
