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
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from typorisk.errors import UnsafeNameError
from typorisk.parse.established import Standing, TopSites, block_name, load_top_sites, standing_of
from typorisk.parse.names import name_problem
from typorisk.writers.options import OnInvalid, WriterOptions

__all__ = [  # WriterOptions and OnInvalid live in the light options module, used from here
    "Entry",
    "OnInvalid",
    "Row",
    "WriterOptions",
    "check_name",
    "comment_safe",
    "entries",
]

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
    registrable: str = ""
    """The registrable domain of the typo; differs from ``domain`` when ``domain`` is the typed
    name below someone else's registrable domain (``cha.se.com`` under ``se.com``)."""
    standing: Standing | None = None
    """Set when the name is an established domain (the brand's own or a third party's): blocking
    formats leave it out or give it a non-blocking action; warn formats list it."""
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
        if self.domain != self.registrable and self.registrable:
            parts.append(f"typed name below {self.registrable}, which is not blocked")
        if self.standing is not None:
            parts.append(self.standing.reason())
        return comment_safe(", ".join(parts))


def _float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _text(value: object) -> str | None:
    return comment_safe(value, 40) if isinstance(value, str) and value else None


def _blocked_name(row: Row, domain: str, target: str) -> str:
    """The name blocking formats carry: the row's ``block`` column, else derived from
    ``fqdn`` (:func:`~typorisk.parse.established.block_name`); always ``domain`` or below it."""
    block = row.get("block")
    if isinstance(block, str) and block:
        name = check_name(block)
    else:
        fqdn = row.get("fqdn")
        name = block_name(domain, fqdn if isinstance(fqdn, str) else "", target)
        name = check_name(name)
    if name != domain and not name.endswith("." + domain):
        raise UnsafeNameError(name, f"block name is not {domain} or below it")
    return name


def _label(value: object) -> str | None:
    return comment_safe(value, 120) if isinstance(value, str) and value else None


def entry_from_row(row: Row) -> Entry:
    """The :class:`Entry` of one row; raises :class:`UnsafeNameError` on an unsafe name.
    ``domain`` is the name to block (:func:`_blocked_name`); no standing is decided here."""
    target = row.get("target")
    raw_kinds = row.get("kinds") or ()
    listed = raw_kinds.split("|") if isinstance(raw_kinds, str) else raw_kinds
    if not isinstance(listed, list | tuple):
        listed = ()
    kinds = tuple(k for k in listed if isinstance(k, str) and _KIND.fullmatch(k))
    registrable = check_name(row.get("domain"))
    target_name = check_name(target) if target else ""
    return Entry(
        domain=_blocked_name(row, registrable, target_name),
        registrable=registrable,
        target=target_name,
        kinds=kinds,
        likelihood=_float(row.get("likelihood")),
        risk=_float(row.get("risk")),
        registration=_text(row.get("registration")),
        mail=_text(row.get("mail")),
        operation=_label(row.get("operation")),
    )


def _own_why(row: Row, entry: Entry, options: WriterOptions) -> str:
    if entry.registrable in options.allow:
        return "allowlisted"
    if row.get("defensive") is True:
        return "shares MX/NS/registrar with the target"
    return ""


def standing_of_row(
    row: Row, entry: Entry, options: WriterOptions, top: TopSites
) -> Standing | None:
    """The standing of one row's entry: ``own`` or ``third-party`` (not to be blocked), or
    ``None``. A typed name below someone else's domain (``cha.se.com``) is never held back
    unless that domain is the brand's own: the registrable domain is not what it blocks."""
    if entry.domain in options.block_anyway:
        return None
    own_why = _own_why(row, entry, options)
    if entry.domain != entry.registrable and not own_why:
        return None
    year = options.this_year or options.now.year
    return standing_of(
        entry.registrable,
        top=top,
        created=row.get("created"),
        this_year=year,
        own_why=own_why,
        block_anyway=options.block_anyway,
    )


def entries(rows: Iterable[Row], options: WriterOptions, *, held: bool = False) -> Iterator[Entry]:
    """Validated entries of ``rows``, first occurrence of each name only (so a name that is a
    typo of two targets is listed once, with the reason of its first row).

    Established domains (:func:`standing_of_row`) are left out, or yielded with their
    ``standing`` set when ``held`` is true (for formats with a non-blocking action). Memory:
    one set of the distinct names written (about 100 bytes a name). A refused row goes to
    ``options.on_invalid`` or raises :class:`UnsafeNameError` when it is ``None``.
    """
    seen: set[str] = set()
    top = options.top_sites if options.top_sites is not None else load_top_sites()
    for row in rows:
        try:
            entry = entry_from_row(row)
        except UnsafeNameError as exc:
            if options.on_invalid is None:
                raise
            options.on_invalid(row, exc)
            continue
        if entry.domain in seen:
            continue
        seen.add(entry.domain)
        standing = standing_of_row(row, entry, options, top)
        if standing is None:
            yield entry
        elif held:
            yield replace(entry, standing=standing)


def header_lines(options: WriterOptions, what: str) -> list[str]:
    """Header comment text (without comment markers): producer, feed, time, and what it blocks."""
    return [
        f"{comment_safe(options.feed, 80)}: {what}",
        f"generated by {comment_safe(options.generator, 80)} at "
        f"{options.now.astimezone(dt.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
        "each entry is a likely typo of a protected domain; its comment says which and why",
    ]
