"""The fitted key-pair table of the typing channel, read lazily from ``data/typing_channel.json``.

The table is P(typed key | intended key) for slips on a QWERTY keyboard, fitted by
:mod:`typorisk.permute.fit` on observed keyboard slips (counts smoothed towards the Gaussian key
kernel, so pairs the data barely sees follow the geometry). It is read on first use, never at
import, so start-up does not pay for it.

A slip is a finger landing on the wrong *key*, so the table is carried to other layouts by key
position: on QWERTZ, aiming at ``z`` (where QWERTY has ``y``) and hitting ``t`` is the QWERTY
pair ``y → t``. Keys a layout has where QWERTY has no LDH key (AZERTY's ``m``) take that
layout's kernel row.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources

from typorisk.errors import DataFileError
from typorisk.permute.keyboards import LDH, key_kernel, layout_map, mix_rows

TABLE = "typing_channel.json"


@functools.cache
def fitted() -> Mapping[str, object]:
    """The shipped fit (the whole JSON document); raises :class:`DataFileError` if damaged."""
    text = resources.files("typorisk.data").joinpath(TABLE).read_text("utf-8")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{TABLE} is not valid JSON ({exc}); reinstall typorisk") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("substitution"), dict):
        raise DataFileError(f"{TABLE}: no 'substitution' table; reinstall typorisk")
    return doc


@functools.cache
def qwerty_pairs() -> dict[str, dict[str, float]]:
    """P(typed | intended) on QWERTY as shipped (cached: do not mutate)."""
    table = fitted()["substitution"]
    assert isinstance(table, dict)
    return {str(a): {str(b): float(p) for b, p in row.items()} for a, row in table.items()}


def _layout_rows(layout: str, sigma: float, vertical: float) -> dict[str, dict[str, float]]:
    """The fitted table carried onto ``layout`` by key position; each row sums to 1."""
    kernel = key_kernel(layout, sigma, vertical)
    if layout == "qwerty":
        source = qwerty_pairs()
    else:
        to_qwerty = layout_map(layout, "qwerty")
        pairs = qwerty_pairs()
        source = {}
        for a in kernel:
            qa = to_qwerty.get(a, a)
            if qa not in pairs:
                continue
            row = {}
            for b in kernel[a]:
                qb = to_qwerty.get(b, b)
                row[b] = pairs[qa].get(qb, 0.0) if qb else 0.0
            source[a] = row
    out: dict[str, dict[str, float]] = {}
    for a, near in kernel.items():
        row = {b: p for b, p in source.get(a, {}).items() if b in LDH and b != a}
        if sum(row.values()) <= 0:
            row = dict(near)
        total = sum(row.values())
        out[a] = {b: p / total for b, p in row.items()}
    return out


@functools.cache
def pair_rows(
    mix: tuple[tuple[str, float], ...], sigma: float, vertical: float = 1.0
) -> dict[str, dict[str, float]]:
    """The fitted key-pair table averaged over a layout mix (weights normalised); a key missing
    from a layout contributes nothing for that layout; a key on none has an empty row."""
    return mix_rows([(w, _layout_rows(name, sigma, vertical)) for name, w in mix])
