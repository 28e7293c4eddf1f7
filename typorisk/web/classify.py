"""Classify a candidate's web evidence into one :class:`WebClass`, with reasons. Pure.

Order of the rules (the first that holds decides):

1. ``redirect-target``: the redirects end at the target's own site, and that site answered
   (a 2xx on the target's registrable domain, no error): the brand's defensive registration.
   A redirect to a name of the target that does not answer proves nothing and is no discount;
2. ``clone``: combined similarity ≥ :data:`CLONE` (0.6), or ≥ :data:`CLONE_WITH_ICON` (0.4)
   with the target's favicon, or (screenshots on) a screenshot ≥ :data:`VISUAL_CLONE` (0.9)
   alike by perceptual hash;
3. ``login``: a password form and a brand word in the title or text, but not similar;
4. ``parked``: a parking provider's page signature in the HTML, or its name servers on the
   candidate (``typorisk/data/parking.json``);
5. ``unreachable``: no connection opened on https nor http, or the outbound address policy
   refused every address (``refused: private address ...``: nothing was sent);
6. ``error``: a loop, too many redirects, a reset, a timeout, a binary body (with the reason);
7. ``redirect-other``: the redirects end at another registrable domain;
8. ``unrelated``: a page, none of the above.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

from typorisk.errors import DataFileError

CLONE = 0.6
CLONE_WITH_ICON = 0.4
VISUAL_CLONE = 0.9


class WebClass(enum.Enum):
    """What a candidate's web site is."""

    CLONE = "clone"
    LOGIN = "login"
    PARKED = "parked"
    REDIRECT_TARGET = "redirect-target"
    REDIRECT_OTHER = "redirect-other"
    UNRELATED = "unrelated"
    UNREACHABLE = "unreachable"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Parking:
    """Parking providers' markers (from ``parking.json``)."""

    name_servers: tuple[tuple[str, str], ...]
    """(name server suffix, provider)."""
    signatures: tuple[tuple[str, str], ...]
    """(lowercase text, provider); the generic phrases have provider ``""``."""

    def by_ns(self, ns: Sequence[str]) -> str | None:
        """The provider whose name servers ``ns`` are, if any."""
        for raw in ns:
            host = raw.lower().rstrip(".")
            for suffix, provider in self.name_servers:
                if host == suffix or host.endswith("." + suffix):
                    return provider
        return None

    def by_page(self, html: str) -> str | None:
        """The provider (``"a parking page"`` for a generic phrase) whose markers ``html`` has."""
        low = html.lower()
        for text, provider in self.signatures:
            if text in low:
                return provider or "a parking page"
        return None


@functools.cache
def load_parking() -> Parking:
    """The shipped parking markers. Raises :class:`DataFileError` when the file is broken."""
    try:
        doc = json.loads(resources.files("typorisk.data").joinpath("parking.json").read_text())
        ns = tuple((s.lower(), p["name"]) for p in doc["providers"] for s in p["name_servers"])
        sig = [(s.lower(), p["name"]) for p in doc["providers"] for s in p["signatures"]]
        sig += [(s.lower(), "") for s in doc["generic"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataFileError(f"typorisk/data/parking.json is unreadable ({exc}); reinstall") from exc
    return Parking(ns, tuple(sig))


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything the rules look at, for one candidate."""

    final_host: str | None = None
    """Host of the last URL requested."""
    redirected: bool = False
    """At least one redirect was followed."""
    lands_on_target: bool = False
    """The final hop answered (2xx, no error) from a host on the target's registrable domain."""
    other_domain: bool = False
    """The final host is on another registrable domain than the candidate's."""
    similarity: float | None = None
    favicon_match: bool = False
    visual: float | None = None
    """Screenshot similarity (pHash) to the target's, when screenshots ran."""
    password: bool = False
    brand: bool = False
    parked_by: str | None = None
    unreachable: bool = False
    error: str | None = None
    refused: bool = False
    """The outbound address policy refused a hop (``error`` says which address)."""


def classify(ev: Evidence) -> tuple[WebClass, tuple[str, ...]]:  # noqa: PLR0911 - one per rule
    """The class of ``ev`` and the reasons for it (module docstring: the rules)."""
    sim = ev.similarity or 0.0
    if ev.redirected and ev.lands_on_target:
        return WebClass.REDIRECT_TARGET, (f"redirects to the target's own site ({ev.final_host})",)
    looks = ev.visual is not None and ev.visual >= VISUAL_CLONE
    if sim >= CLONE or (ev.favicon_match and sim >= CLONE_WITH_ICON) or looks:
        extra = ", same favicon" if ev.favicon_match else ""
        extra += f", screenshot {ev.visual:.0%} alike" if ev.visual is not None else ""
        return WebClass.CLONE, (f"web page {sim:.0%} similar to the target's{extra}",)
    if ev.password and ev.brand:
        return WebClass.LOGIN, ("a password form naming the brand",)
    if ev.parked_by is not None:
        return WebClass.PARKED, (f"parked ({ev.parked_by})",)
    if ev.unreachable and ev.refused:
        return WebClass.UNREACHABLE, (f"not fetched: {ev.error}",)
    if ev.unreachable:
        return WebClass.UNREACHABLE, (f"no web server answered: {ev.error}",)
    if ev.error is not None:
        return WebClass.ERROR, (f"web fetch failed: {ev.error}",)
    if ev.redirected and ev.other_domain:
        return WebClass.REDIRECT_OTHER, (f"redirects to {ev.final_host}",)
    return WebClass.UNRELATED, ()
