"""Compare a candidate's page with the target's own: pure functions over bytes, no I/O.

Signals, each independent of the others:

- **fuzzy hash: TLSH** (py-tlsh) of the normalised HTML (whitespace collapsed, ``href``/``src``/
  ``action`` values blanked, as dnstwist does, so a clone that rewrote its links still matches).
  TLSH rather than ssdeep: ssdeep compares only digests of neighbouring block sizes, so a page
  that doubled in size (a clone with a banner, a kit that inlines its CSS) scores 0 however
  alike; TLSH gives a distance at any size (0 identical, ~300 unrelated), which we map to
  ``1 − min(d, 300)/300`` (dnstwist's ``--lsh tlsh`` scale, so the two are comparable). TLSH
  needs ≥ 50 bytes with some variety; below that the signal is absent, not 0.
- **text**: Jaccard similarity of the sets of word 4-shingles of the visible text (script,
  style, noscript and template content are not text).
- **forms**: Jaccard similarity of the sets of ``form field type:name`` of both pages.
- **favicon**: MurmurHash3 (32-bit, signed) of the base64 of the favicon bytes with a newline
  every 76 characters, the Shodan ``http.favicon.hash`` convention; equal or not.
- **password form**, and **brand words** (the target's first label) in the title or text.

:func:`similarity` combines text (0.5), fuzzy hash (0.3) and forms (0.2), renormalised over the
signals present, into one number in [0, 1].
"""

from __future__ import annotations

import base64
import html.parser
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

import mmh3
import tlsh

H = TypeVar("H", int, str)
SKIPPED = frozenset({"script", "style", "noscript", "template", "svg"})
SHINGLE = 4
"""Words per shingle."""
WEIGHTS = {"text": 0.5, "fuzzy": 0.3, "forms": 0.2}
TLSH_FAR = 300
"""A TLSH distance at which pages count as unrelated (similarity 0)."""


@dataclass(frozen=True, slots=True)
class Document:
    """What a page says, read from its HTML (scripts never run)."""

    title: str = ""
    text: str = ""
    """Visible text, whitespace collapsed, lowercase."""
    fields: frozenset[str] = frozenset()
    """``type:name`` of every input, select and textarea."""
    password: bool = False
    """An ``<input type=password>`` is present."""
    icon: str | None = None
    """The ``href`` of ``<link rel=icon>``, when given."""
    refresh: str | None = None
    """The URL of a ``<meta http-equiv=refresh>``, when given."""
    fuzzy: str | None = None
    """TLSH digest of the normalised HTML; ``None`` when TLSH has too little to hash."""
    shingles: frozenset[int] = field(default=frozenset(), repr=False)


class _Reader(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = 0
        self.in_title = False
        self.title: list[str] = []
        self.text: list[str] = []
        self.fields: set[str] = set()
        self.password = False
        self.icon: str | None = None
        self.refresh: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag in SKIPPED:
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif tag in ("input", "select", "textarea"):
            kind = a.get("type", "text").lower() if tag == "input" else tag
            self.fields.add(f"{kind}:{a.get('name', '').lower()}")
            self.password |= kind == "password"
        elif tag == "link" and "icon" in a.get("rel", "").lower().split() and self.icon is None:
            self.icon = a.get("href") or None
        elif tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            found = re.search(r"url\s*=\s*['\"]?([^'\";]+)", a.get("content", ""), re.I)
            self.refresh = found.group(1).strip() if found else self.refresh

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SKIPPED:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED and self.skip:
            self.skip -= 1
        elif tag == "title":
            self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title.append(data)
        elif not self.skip:
            self.text.append(data)


def decode(body: bytes, content_type: str = "") -> str | None:
    """The body as text (the charset of ``content_type``, else UTF-8 with replacements);
    ``None`` when it is binary (a NUL byte, or over 10 % control characters in the first 4 KiB)."""
    head = body[:4096]
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if b"\x00" in head or (head and controls / len(head) > 0.1):
        return None
    found = re.search(r"charset=([\w.-]+)", content_type, re.I)
    try:
        return body.decode(found.group(1) if found else "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def read_document(text: str) -> Document:
    """Parse ``text`` (HTML) into a :class:`Document`. Never raises on bad HTML."""
    try:
        reader = _read(text)
    except AssertionError:
        # html.parser asserts on some declarations (``<![foo[``, ``<![ x``) where a browser
        # sees a bogus comment: read again with every ``<!`` but comments made text
        reader = _read(_DECLARATION.sub("&lt;!", text))
    visible = " ".join(" ".join(reader.text).split()).lower()
    return Document(
        title=" ".join(" ".join(reader.title).split()),
        text=visible,
        fields=frozenset(reader.fields),
        password=reader.password,
        icon=reader.icon,
        refresh=reader.refresh,
        fuzzy=fuzzy_hash(text.encode("utf-8", errors="replace")),
        shingles=frozenset(shingles(visible)),
    )


_DECLARATION = re.compile(r"<!(?!--)")


def _read(text: str) -> _Reader:
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader


def normalise(html_bytes: bytes) -> bytes:
    """Whitespace collapsed and link targets blanked (dnstwist's normalisation)."""
    content = b" ".join(html_bytes.split())
    content = re.sub(rb'(action|src|href)="[^"]*"', rb'\1=""', content, flags=re.I)
    return re.sub(rb"url\([^)]*\)", b"url()", content, flags=re.I)


def fuzzy_hash(html_bytes: bytes) -> str | None:
    """TLSH digest of the normalised page, or ``None`` when TLSH cannot hash it."""
    digest = str(tlsh.hash(normalise(html_bytes)))
    return None if digest in ("", "TNULL") else digest


def fuzzy_similarity(a: str | None, b: str | None) -> float | None:
    """``1 − min(distance, 300)/300`` in [0, 1]; ``None`` when either digest is missing."""
    if a is None or b is None:
        return None
    return 1.0 - min(int(tlsh.diff(a, b)), TLSH_FAR) / TLSH_FAR


def shingles(text: str) -> Iterable[int]:
    """Hashes of the word :data:`SHINGLE`-grams of ``text`` (the words when fewer)."""
    words = text.split()
    if len(words) < SHINGLE:
        yield from (int(mmh3.hash(w)) for w in words)
        return
    for i in range(len(words) - SHINGLE + 1):
        yield int(mmh3.hash(" ".join(words[i : i + SHINGLE])))


def jaccard(a: frozenset[H], b: frozenset[H]) -> float | None:
    """|a ∩ b| / |a ∪ b| in [0, 1]; ``None`` when both are empty."""
    union = len(a | b)
    return len(a & b) / union if union else None


@dataclass(frozen=True, slots=True)
class Comparison:
    """How alike a candidate's page is to the target's."""

    similarity: float
    """Combined, in [0, 1] (module docstring)."""
    text: float | None
    fuzzy: float | None
    forms: float | None


def similarity(page: Document, target: Document) -> Comparison:
    """Compare ``page`` with the ``target``'s page."""
    signals = {
        "text": jaccard(page.shingles, target.shingles),
        "fuzzy": fuzzy_similarity(page.fuzzy, target.fuzzy),
        "forms": jaccard(page.fields, target.fields) if target.fields else None,
    }
    present = {k: v for k, v in signals.items() if v is not None}
    total = sum(WEIGHTS[k] for k in present)
    combined = sum(WEIGHTS[k] * v for k, v in present.items()) / total if total else 0.0
    return Comparison(
        round(min(1.0, max(0.0, combined)), 4),
        signals["text"],
        signals["fuzzy"],
        signals["forms"],
    )


def favicon_hash(data: bytes) -> int:
    """Shodan's ``http.favicon.hash``: MurmurHash3 x86 32-bit (signed) of the base64 of
    ``data`` with a newline every 76 characters (``base64.encodebytes``)."""
    return int(mmh3.hash(base64.encodebytes(data)))


def brand_words(target: str) -> tuple[str, ...]:
    """The words that name the brand: the target's first label, and its hyphen-free parts of
    at least 4 letters (``my-bank.com`` → ``my-bank``, ``bank``)."""
    label = target.split(".", maxsplit=1)[0].lower()
    parts = [p for p in label.split("-") if len(p) >= 4 and p != label]
    return (label, *parts)


def mentions_brand(doc: Document, target: str) -> bool:
    """A brand word appears in the title or visible text (as a substring: ``BrandBank Login``)."""
    haystack = f"{doc.title.lower()} {doc.text}"
    return any(w in haystack for w in brand_words(target))
