"""Keyboard geometry: key centres for QWERTY, QWERTZ and AZERTY, and the Gaussian key kernel.

Where a finger lands is well modelled by a Gaussian around the intended key's centre (Goodman
et al., AAAI 2002), so the chance of hitting key ``b`` when aiming at ``a`` falls with the squared
distance between their centres, measured in key pitches (1.0 = the distance between two
neighbouring keys on a row). Rows are staggered as on a physical ANSI/ISO board.

Only keys that can appear in a host name (``a-z``, ``0-9``, ``-``) take part; other keys hold their
place (so geometry stays right) but are never produced.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence

LDH = "abcdefghijklmnopqrstuvwxyz0123456789-"
"""The characters of a host-name label (letters, digits, hyphen), in a fixed order."""

# Rows from the number row down; '·' marks a key that types no LDH character.
# Horizontal stagger of each row, in key pitches, relative to the number row.
ROW_OFFSETS = (0.0, 0.5, 0.75, 1.25)

LAYOUTS: Mapping[str, tuple[str, str, str, str]] = {
    "qwerty": ("1234567890-", "qwertyuiop··", "asdfghjkl··", "zxcvbnm···"),
    "qwertz": ("1234567890··", "qwertzuiop··", "asdfghjkl···", "yxcvbnm··-"),
    "azerty": ("1234567890·", "azertyuiop··", "qsdfghjklm··", "wxcvbn····"),
    "dvorak": ("1234567890··", "···pyfgcrl··", "aoeuidhtns-", "·qjkxbmwvz"),
}
"""Key rows per layout. AZERTY digits need Shift but keep their keys; QWERTZ has '-' low right;
Dvorak (US) has ``'``, ``,``, ``.`` left of ``p`` and ``-`` at the end of the home row."""

LEFT_HAND = frozenset("12345qwertasdfgzxcvb")
"""Keys typed by the left hand in touch typing (QWERTY positions); the rest are right-hand."""


def key_centres(layout: str) -> dict[str, tuple[float, float]]:
    """Centre (x, y) in key pitches of every LDH key of ``layout``."""
    rows = LAYOUTS[layout]
    centres: dict[str, tuple[float, float]] = {}
    for y, (row, offset) in enumerate(zip(rows, ROW_OFFSETS, strict=True)):
        for x, key in enumerate(row):
            if key in LDH:
                centres[key] = (x + offset, float(y))
    return centres


@functools.cache
def key_kernel(layout: str, sigma: float, vertical: float = 1.0) -> dict[str, dict[str, float]]:
    """P(typed b | aimed at a) for a slip on ``layout``: a Gaussian in key distance.

    ``sigma`` is the spread in key pitches (≈0.6 desktop, ≈0.8 touch screens). ``vertical``
    stretches the row-to-row distance (1 = round finger pads; 1.5 makes a key on the next row
    count as 1.5 pitches away, so slips along the row dominate). For each ``a`` the values over
    ``b != a`` sum to 1 (the slip is given; the kernel says where it lands). Cached: callers
    must not mutate the result.
    """
    centres = key_centres(layout)
    kernel: dict[str, dict[str, float]] = {}
    stretch = vertical * vertical
    for a, (ax, ay) in centres.items():
        squared = {
            b: (bx - ax) ** 2 + stretch * (by - ay) ** 2
            for b, (bx, by) in centres.items()
            if b != a
        }
        # relative to the nearest key, so a small sigma cannot underflow every weight to 0
        nearest = min(squared.values())
        weights = {b: math.exp(-(d - nearest) / (2 * sigma * sigma)) for b, d in squared.items()}
        total = sum(weights.values())
        kernel[a] = {b: w / total for b, w in weights.items()}
    return kernel


def mixed_kernel(
    mix: Mapping[str, float], sigma: float, vertical: float = 1.0
) -> dict[str, dict[str, float]]:
    """Key kernel averaged over a layout mix (weights normalised to sum 1).

    Characters a layout cannot type contribute nothing for that layout; each row still sums to 1
    over the layouts that have the key.
    """
    return mix_rows([(w, key_kernel(name, sigma, vertical)) for name, w in mix.items()])


def mix_rows(
    layouts: Sequence[tuple[float, Mapping[str, Mapping[str, float]]]],
) -> dict[str, dict[str, float]]:
    """Per-key rows (intended key → typed key → probability) averaged over layouts by weight,
    for every LDH character: a layout without the key contributes nothing to its row, so each
    row still sums to 1 over the layouts that have the key (empty when none has it)."""
    total = sum(w for w, _ in layouts)
    mixed: dict[str, dict[str, float]] = {}
    for a in LDH:
        have = [(w / total, rows[a]) for w, rows in layouts if a in rows]
        norm = sum(w for w, _ in have)
        row: dict[str, float] = {}
        for weight, probs in have:
            for b, p in probs.items():
                row[b] = row.get(b, 0.0) + weight / norm * p
        mixed[a] = row
    return mixed


def layout_map(intended: str, actual: str) -> dict[str, str]:
    """Character typed on ``actual`` when a person presses the key where ``intended`` has it.

    Used for the layout-swap channel: a QWERTY typist on a QWERTZ board types ``z`` for ``y``.
    Keys that type no LDH character on ``actual`` map to ``""`` (the result is not a host name).
    """
    mapping: dict[str, str] = {}
    for row_i, row_a in zip(LAYOUTS[intended], LAYOUTS[actual], strict=True):
        for ki, ka in zip(row_i, row_a, strict=False):
            if ki in LDH and ki != ka:
                mapping[ki] = ka if ka in LDH else ""
    return mapping


def crosses_hands(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` are typed by different hands (QWERTY touch typing)."""
    return (a in LEFT_HAND) != (b in LEFT_HAND)
