"""Names as the resolve stage asks them: normalisation and the zones probed for wildcards (pure)."""

from __future__ import annotations

from typorisk.model import Candidate
from typorisk.parse.psl import load_psl
from typorisk.resolve import wire


def normalise(name: str) -> str | None:
    """``name`` lowercased without trailing dot, or ``None`` if it cannot be asked.

    A name must have at least two labels (a bare suffix is not a candidate) and be valid on the
    wire (ASCII, labels of 1-63 bytes, 255 bytes at most): give A-labels, not Unicode.
    """
    found = normalised(name)
    return None if found is None else found[0]


def normalised(name: str) -> tuple[str, bytes] | None:
    """:func:`normalise`'s name and its wire form (:func:`wire.encode_name`), or ``None``."""
    text = name.strip().lower().rstrip(".")
    if "." not in text:
        return None
    try:
        return text, wire.encode_name(text)
    except ValueError:  # UnicodeEncodeError is one
        return None


def suffix_of(item: str | Candidate, name: str) -> str:
    """The public suffix of ``name``: the candidate's, else the PSL's, else the name's parent
    (an unknown TLD such as a test zone is treated as a suffix of its own)."""
    if isinstance(item, Candidate):
        return item.suffix
    split = load_psl().split(name)
    return split[1] if split else name.partition(".")[2]


def zones_of(item: str | Candidate, name: str) -> tuple[str, ...]:
    """The zones probed for a wildcard: the name's parent and its public suffix (deduplicated)."""
    parent = name.partition(".")[2]
    suffix = suffix_of(item, name)
    return (parent,) if suffix == parent else (parent, suffix)
