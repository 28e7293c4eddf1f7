"""The blocklist entry: a validated name plus why it is listed, shared by every consumer format.

The writer boundary: rows (flat mappings, as ``permute``/``scan``/``rank`` write them) become
:class:`Entry` records only through :func:`entries`, which checks every name against the LDH
A-label grammar (lowercase letters, digits and inner hyphens; labels of 1-63 octets; at most 253
octets in all; ``xn--`` labels must decode). Nothing else reaches a zone, map or rule, so an entry
cannot carry a newline, ``;``, a space, a ``$INCLUDE`` or a quote into a consumer's file. Text that
goes into comments (kinds, targets) is reduced to a small safe alphabet by :func:`comment_safe`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from typorisk import __version__
from typorisk.errors import UnsafeNameError
from typorisk.parse.names import name_problem

Row = Mapping[str, object]

_KIND = re.compile(r"[a-z0-9][a-z0-9-]{0,40}")
_UNSAFE_COMMENT = re.compile(r"[^A-Za-z0-9 .,:=_/+()@-]")


def check_name(name: object) -> str:
    """Return ``name`` when it is a lowercase LDH A-label domain with at least two labels
    (the one rule of :mod:`typorisk.parse.names`).

    Raises :class:`UnsafeNameError` otherwise (never normalises: a writer must not guess).
    """
    if not isinstance(name, str):
        raise UnsafeNameError(name, "not a string")
    problem = name_problem(name)
    if problem:
        raise UnsafeNameError(name, problem)
    return name


def comment_safe(text: object, limit: int = 200) -> str:
    """``text`` reduced to ``[A-Za-z0-9 .,:=_/+()@-]`` (others become ``?``), cut at ``limit``
    characters: safe inside a comment, a quoted message or a reject text of any format here."""
    return _UNSAFE_COMMENT.sub("?", str(text))[:limit]


@dataclass(frozen=True, slots=True)
class Entry:
    """One name to block, and why; ``domain`` and ``target`` passed :func:`check_name`."""

    domain: str
    """The name to block: lowercase A-label; subdomains are blocked with it where the format can."""
    target: str = ""
    """The protected name it is a typo of (lowercase A-label), or ``""`` when unknown."""
    kinds: tuple[str, ...] = ()
    """Typo kinds (operator names) that reach ``domain``, most likely first."""
    likelihood: float | None = None
    """Probability in [0, 1] that one typing of ``target`` yields ``domain``."""
    risk: float | None = None
    """Risk in [0, 1] from ranking, when the row was ranked."""
    registration: str | None = None
    """``registered``, ``unregistered`` or ``unknown`` when resolved."""
    mail: str | None = None
    """Mail capability (``mx``, ``implicit``, ``null-mx``, ``none``, ``unknown``) when resolved."""
    operation: str | None = None
    """Label of the operation it belongs to (look-alikes joined by shared infrastructure),
    reduced by :func:`comment_safe` to 120 characters, when ranking found one."""

    def reason(self) -> str:
        """Why the name is listed, safe for any comment: kind, target, likelihood, risk, facts."""
        kinds = "/".join(self.kinds[:3]) or "listed"
        parts = [f"{kinds} of {self.target}" if self.target else kinds]
        if self.likelihood is not None:
            parts.append(f"likelihood {self.likelihood:.2e}")
        if self.risk is not None:
            parts.append(f"risk {self.risk:.2f}")
        if self.registration:
            parts.append(self.registration)
        if self.mail and self.mail not in ("none", "unknown"):
            parts.append(f"mail {self.mail}")
        return comment_safe(", ".join(parts))


OnInvalid = Callable[[Row, UnsafeNameError], None]


@dataclass(frozen=True, slots=True)
class WriterOptions:
    """Everything a writer may need besides rows and a stream. Writers never read the clock:
    ``now`` is given by the entry point (the CLI or the feed runner)."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    """Timestamp of the run (timezone-aware, UTC); dates in STIX/MISP and the RPZ serial."""
    feed: str = "typorisk"
    """Feed name: in headers, rule messages, STIX/MISP titles and ids."""
    generator: str = f"typorisk {__version__}"
    """What produced the file, written in every header that allows comments."""
    on_invalid: OnInvalid | None = None
    """Called for a row whose name is refused; ``None`` (default): raise
    :class:`UnsafeNameError`."""
    settings: Mapping[str, object] = field(default_factory=dict)
    """Per-format settings (``policy``, ``serial``, ``reject_text``...); each format documents
    and validates its own keys (see :data:`typorisk.writers.formats.FORMATS`)."""

    def get(self, key: str, default: object = None) -> object:
        """A per-format setting, or ``default``."""
        return self.settings.get(key, default)


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: object) -> str | None:
    return comment_safe(value, 40) if isinstance(value, str) and value else None


def _label(value: object) -> str | None:
    return comment_safe(value, 120) if isinstance(value, str) and value else None


def entry_from_row(row: Row) -> Entry:
    """The :class:`Entry` of one row; raises :class:`UnsafeNameError` on an unsafe name."""
    target = row.get("target")
    raw_kinds = row.get("kinds") or ()
    listed = raw_kinds.split("|") if isinstance(raw_kinds, str) else raw_kinds
    if not isinstance(listed, list | tuple):
        listed = ()
    kinds = tuple(k for k in listed if isinstance(k, str) and _KIND.fullmatch(k))
    return Entry(
        domain=check_name(row.get("domain")),
        target=check_name(target) if target else "",
        kinds=kinds,
        likelihood=_float(row.get("likelihood")),
        risk=_float(row.get("risk")),
        registration=_text(row.get("registration")),
        mail=_text(row.get("mail")),
        operation=_label(row.get("operation")),
    )


def entries(rows: Iterable[Row], options: WriterOptions) -> Iterator[Entry]:
    """Validated entries of ``rows``, first occurrence of each domain only (so a name that is a
    typo of two targets is listed once, with the reason of its first row).

    Memory: one set of the distinct names written (about 100 bytes a name). A refused row goes
    to ``options.on_invalid`` or raises :class:`UnsafeNameError` when it is ``None``.
    """
    seen: set[str] = set()
    for row in rows:
        try:
            entry = entry_from_row(row)
        except UnsafeNameError as exc:
            if options.on_invalid is None:
                raise
            options.on_invalid(row, exc)
            continue
        if entry.domain not in seen:
            seen.add(entry.domain)
            yield entry


def header_lines(options: WriterOptions, what: str) -> list[str]:
    """Header comment text (without comment markers): producer, feed, time, and what it blocks."""
    return [
        f"{comment_safe(options.feed, 80)}: {what}",
        f"generated by {comment_safe(options.generator, 80)} at "
        f"{options.now.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "each entry is a likely typo of a protected domain; its comment says which and why",
    ]
