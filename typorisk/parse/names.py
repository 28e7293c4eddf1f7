"""The one host-name rule: lowercase LDH A-labels (RFC 1035 §2.3.1, RFC 5890/5891).

Everything that accepts a name calls this module: target parsing, the writers' boundary, word
lists and the log matcher. So a target that parsing accepts is one every writer accepts
(``ab--cd.com`` is refused here, once, not by a writer halfway through a feed).

A label is 1-63 octets of ``a-z``, ``0-9`` and inner ``-``; a label with ``--`` at positions 3-4
must be an ``xn--`` label that decodes as IDNA 2008. A name is at most 253 octets without the
trailing dot.
"""

from __future__ import annotations

import re

import idna

MAX_NAME = 253
"""Octets in a domain name without the trailing dot (RFC 1035 §2.3.4)."""
MAX_LABEL = 63
"""Octets in one label."""

LABEL_RE = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
NAME_RE = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z"
)
"""Two or more LDH labels (the ``--`` rule is checked apart, see :func:`name_problem`)."""


def label_problem(label: str) -> str | None:  # noqa: PLR0911 - one reason per rule
    """Why ``label`` is not a lowercase LDH A-label, or ``None`` when it is one."""
    if not label:
        return "empty label (two dots in a row, or a leading dot)"
    if len(label) > MAX_LABEL:
        return f"label {label[:20]!r}... is longer than {MAX_LABEL} characters"
    if "_" in label:
        return "'_' is not allowed in a host name (letters, digits, '-')"
    if not LABEL_RE.match(label):
        return f"labels must be letters, digits and inner '-' (lowercase A-labels), not {label!r}"
    if label[2:4] == "--":
        if not label.startswith("xn--"):
            return f"label {label!r} has '--' at positions 3-4 without 'xn' (RFC 5891 §4.2.3.1)"
        try:
            idna.decode(label)
        except (idna.IDNAError, UnicodeError) as exc:
            return f"label {label!r} is not a valid A-label (invalid punycode: {exc})"
    return None


def name_problem(name: str, *, min_labels: int = 2) -> str | None:
    """Why ``name`` is not a lowercase LDH A-label domain of at least ``min_labels`` labels,
    or ``None`` when it is one."""
    if not name or len(name) > MAX_NAME:
        return f"length must be 1..{MAX_NAME} octets"
    labels = name.split(".")
    if len(labels) < min_labels:
        return f"a domain needs at least {min_labels} labels"
    for label in labels:
        problem = label_problem(label)
        if problem:
            return problem
    return None


def is_ldh_name(name: str) -> bool:
    """Fast check for the hot paths (log matching): the regex first, the ``--`` rule only for
    names that contain ``--``. Same verdict as ``name_problem(name) is None``."""
    if len(name) > MAX_NAME or not NAME_RE.match(name):
        return False
    return "--" not in name or name_problem(name) is None
