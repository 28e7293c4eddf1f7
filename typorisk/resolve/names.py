"""Names as the resolve stage asks them: normalisation and the zones probed for wildcards (pure)."""

from __future__ import annotations

from typing import Generic, NamedTuple, TypeVar

from typorisk.model import Candidate
from typorisk.parse.psl import load_psl
from typorisk.resolve import wire

T = TypeVar("T")


def normalised(name: str) -> tuple[str, bytes] | None:
    """``name`` lowercased without trailing dot, and its wire form (:func:`wire.encode_name`);
    ``None`` if it cannot be asked.

    A name must have at least two labels (a bare suffix is not a candidate) and be valid on the
    wire (ASCII, labels of 1-63 bytes, 255 bytes at most): give A-labels, not Unicode.
    """
    text = name.strip().lower().rstrip(".")
    if "." not in text:
        return None
    try:
        return text, wire.encode_name(text)
    except ValueError:  # UnicodeEncodeError is one
        return None


class Item(NamedTuple, Generic[T]):
    """An input of the engine as it is asked, made once where it enters (:func:`item_of`)."""

    source: T
    """What the caller gave (a name or a :class:`Candidate`): handed back with its result."""
    text: str
    """The name as given (a candidate's blocked name), for a result when it cannot be asked."""
    name: str | None
    """The name to ask (:func:`normalised`), ``None`` when it cannot be asked."""
    name_wire: bytes
    """``name`` on the wire (``b""`` when it cannot be asked)."""
    suffix: str | None
    """The candidate's public suffix; ``None`` for a bare name (the PSL tells)."""


def item_of(source: T) -> Item[T]:
    """``source`` (a name or a :class:`Candidate`) as the engine asks it."""
    if isinstance(source, Candidate):
        text, suffix = source.blocked, source.suffix
    else:
        text, suffix = str(source), None
    found = normalised(text)
    if found is None:
        return Item(source, text, None, b"", suffix)
    return Item(source, text, found[0], found[1], suffix)


def suffix_of(item: Item[object], name: str) -> str:
    """The public suffix of ``name`` (``item``'s): the candidate's, else the PSL's, else the
    name's parent (an unknown TLD such as a test zone is treated as a suffix of its own)."""
    if item.suffix is not None:
        return item.suffix
    split = load_psl().split(name)
    return split[1] if split else name.partition(".")[2]


def zones_of(item: Item[object], name: str) -> tuple[str, ...]:
    """The zones probed for a wildcard: the name's parent and its public suffix (deduplicated)."""
    parent = name.partition(".")[2]
    suffix = suffix_of(item, name)
    return (parent,) if suffix == parent else (parent, suffix)
