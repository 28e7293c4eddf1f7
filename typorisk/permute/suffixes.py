"""The swap list: the suffixes people substitute from memory for the right one.

The default is a short ranked list (:data:`COMMON_SUFFIXES`). ``--tld FILE`` replaces it with a
list of one's own (``suffix [weight]`` a line, ``#`` comments), and ``--tld all`` with every
delegated TLD in the Public Suffix List's ICANN section (the common ones keep their weights, the
~1,400 others get :data:`OTHER_TLD_WEIGHT` each). Parsing is pure; :func:`load_swap_list` is the
one place that reads a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from typorisk.errors import DataFileError
from typorisk.parse.psl import PublicSuffixList

COMMON_SUFFIXES: tuple[tuple[str, float], ...] = (
    ("com", 1.0),
    ("net", 0.5),
    ("org", 0.5),
    ("co", 0.3),
    ("io", 0.15),
    ("info", 0.1),
    ("biz", 0.05),
    ("us", 0.05),
)
"""Suffixes people substitute from memory for another one, with relative weights (a small,
ranked set by design: not all ~1,450 TLDs)."""

OTHER_TLD_WEIGHT = 0.01
"""Weight of a TLD outside :data:`COMMON_SUFFIXES` under ``--tld all`` (1% of ``.com``'s)."""

ALL = "all"
"""The ``--tld`` value that means every delegated TLD (give ``./all`` for a file named so)."""


def all_tlds(psl: PublicSuffixList) -> tuple[tuple[str, float], ...]:
    """Every top-level suffix of the ICANN section, common ones first with their weights."""
    common = dict(COMMON_SUFFIXES)
    others = sorted(s for s in psl.exact if "." not in s and s not in common)
    return (*COMMON_SUFFIXES, *((s, OTHER_TLD_WEIGHT) for s in others))


def parse_swap_list(
    lines: Iterable[tuple[int, str]], psl: PublicSuffixList, source: str
) -> tuple[tuple[str, float], ...]:
    """``(suffix, weight)`` pairs from numbered lines ``suffix [weight]``; weight defaults to 1.

    Raises :class:`DataFileError` naming ``source:line`` for a suffix that is not an ICANN public
    suffix, a weight that is not a positive number, or an empty list.
    """
    out: dict[str, float] = {}
    for number, raw in lines:
        text = raw.split("#", 1)[0].strip().lower().strip(".")
        if not text:
            continue
        suffix, *rest = text.split()
        where = f"{source}:{number}"
        if not psl.is_suffix(suffix):
            raise DataFileError(
                f"{where}: {suffix!r} is not a public suffix (ICANN section of the PSL); "
                "give one suffix a line, e.g. 'net' or 'co.uk 0.5'"
            )
        try:
            weight = float(rest[0]) if rest else 1.0
        except ValueError:
            weight = -1.0
        if len(rest) > 1 or not weight > 0:
            raise DataFileError(f"{where}: the weight after {suffix!r} must be a positive number")
        out[suffix] = weight
    if not out:
        raise DataFileError(f"{source}: no suffixes; give one a line (e.g. 'net')")
    return tuple(out.items())


def load_swap_list(spec: str | Path, psl: PublicSuffixList) -> tuple[tuple[str, float], ...]:
    """The swap list for a ``--tld`` value: :data:`ALL`, or the path of a list file."""
    if str(spec) == ALL:
        return all_tlds(psl)
    path = Path(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(f"cannot read the --tld file {path}: {exc}") from exc
    return parse_swap_list(enumerate(text.splitlines(), start=1), psl, str(path))
