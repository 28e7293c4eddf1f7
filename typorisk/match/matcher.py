"""Decide whether a domain seen in a log is a typo of a protected target.

Two checks, both on the registrable domain (``mail.pentagon.ml`` → ``pentagon.ml``):

1. **exact lookup** in the candidate set that :func:`typorisk.permute` generates for the targets
   (every default kind: label, suffix, dot and visual typos, homoglyphs, bit flips...), which
   carries the operator names and the likelihood;
2. **edit distance** (:mod:`typorisk.match.distance`) to each target's registrable domain and
   typed name, for typos no operator produced or that fell outside the top N. A name counts only
   when it is registrable under a real ICANN public suffix, so suffix edits are kept only when
   they land on a suffix that exists (``mil → ml``, ``com → co``), never on ``.mill``.

A target's own domain, its subdomains and ``allow``-listed domains never match. Results are
cached per domain (bounded), so a log naming the same few thousand domains costs one dict lookup
per address.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import idna

from typorisk.match.distance import DeletionIndex, osa_distance
from typorisk.model import Candidate, Target
from typorisk.parse.names import is_ldh_name
from typorisk.parse.psl import PublicSuffixList, load_psl
from typorisk.parse.targets import parse_target
from typorisk.permute import permute

CACHE_LIMIT = 200_000
"""Domains remembered by :meth:`Matcher.lookup` before the cache is cleared (bounds memory)."""


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """How wide :class:`Matcher` casts its net."""

    top: int | None = 500
    """Candidates per target kept for the exact lookup (most likely first); ``None``: all."""
    min_likelihood: float = 0.0
    """Candidates below this probability per typing, in [0, 1], are not kept."""
    max_distance: int = 2
    """Largest edit distance reported for names outside the candidate set; 0 turns it off."""
    short_label: int = 5
    """Targets whose label has at most this many characters use distance 1 at most (a distance
    of 2 from ``ibm`` covers too many unrelated names)."""
    allow: frozenset[str] = frozenset()
    """Registrable domains (A-labels) never reported: your other domains, known partners."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A domain that is a typo of a target, and why."""

    domain: str
    """Registrable domain of the typo (lowercase A-label)."""
    target: str
    """The target's typed name (``fqdn``, lowercase A-label)."""
    match: str
    """``candidate`` (in the generated set) or ``distance`` (edit distance only); with
    ``match --lookalike``, the look-alike rule (``skeleton``, ``combo``, ``folded``...)."""
    kinds: tuple[str, ...]
    """Operators that produce the name, most likely first; ``()`` for distance-only hits."""
    distance: int
    """Damerau (OSA) distance to the target's registrable domain or typed name, whichever is
    closer; capped at 9 for candidates reached by several edits."""
    part: str
    """Where the edit is: ``label``, ``suffix``, ``dot`` (a dot moved, missing or added) or
    ``label+suffix``."""
    likelihood: float
    """Probability per typing from the typing model, in [0, 1]; 0.0 for distance-only hits."""


def edit_part(domain: str, reference: str) -> str:
    """Where ``domain`` differs from ``reference`` (both ``label.suffix`` style names)."""
    label, _, suffix = domain.partition(".")
    ref_label, _, ref_suffix = reference.partition(".")
    if suffix == ref_suffix:
        return "label"
    if label == ref_label:
        return "suffix"
    if domain.replace(".", "") == reference.replace(".", ""):
        return "dot"
    return "label+suffix"


def _to_alabel(domain: str) -> str | None:
    if domain.isascii():
        return domain
    try:
        return str(idna.encode(domain, uts46=True).decode("ascii"))
    except (idna.IDNAError, UnicodeError):
        return None


class Matcher:
    """Typo lookup for a fixed set of targets (rebuild it to change targets)."""

    def __init__(
        self,
        targets: Sequence[Target],
        candidates: Iterable[Candidate],
        settings: MatchSettings = MatchSettings(),
        psl: PublicSuffixList | None = None,
    ) -> None:
        self.settings = settings
        self.targets = {t.fqdn: t for t in targets}
        self._psl = psl or load_psl()
        self._own = {t.registrable for t in targets} | set(settings.allow)
        self._keys: dict[str, list[Target]] = {}
        for target in targets:
            for key in {target.registrable, target.fqdn}:
                self._keys.setdefault(key, []).append(target)
        self._index = DeletionIndex(settings.max_distance)
        for key in self._keys:
            self._index.add(key)
        self._candidates: dict[str, Hit] = {}
        for cand in candidates:
            if cand.domain in self._own:
                continue
            hit = self._candidate_hit(cand)
            known = self._candidates.get(cand.domain)
            if known is None or (hit.likelihood, known.target) > (known.likelihood, hit.target):
                self._candidates[cand.domain] = hit
        self._cache: dict[str, Hit | None] = {}

    @property
    def candidate_count(self) -> int:
        """Number of distinct candidate domains held for the exact lookup."""
        return len(self._candidates)

    def _closest(self, domain: str, target: Target) -> tuple[int, str]:
        """(distance, part) from ``domain`` to the nearer of the target's two forms."""
        options = []
        for ref in {target.registrable, target.fqdn}:
            distance = osa_distance(domain, ref, 9)
            options.append((distance, edit_part(domain, ref)))
        return min(options)

    def _candidate_hit(self, cand: Candidate) -> Hit:
        target = self.targets[cand.target]
        distance, part = self._closest(cand.domain, target)
        return Hit(
            cand.domain, cand.target, "candidate", cand.kinds, distance, part, cand.likelihood
        )

    def _limit(self, target: Target) -> int:
        if len(target.label) <= self.settings.short_label:
            return min(1, self.settings.max_distance)
        return self.settings.max_distance

    def _distance_hit(self, domain: str) -> Hit | None:
        best: Hit | None = None
        for key, distance in self._index.near(domain):
            for target in self._keys[key]:
                if distance == 0 or distance > self._limit(target):
                    continue
                hit = Hit(
                    domain, target.fqdn, "distance", (), distance, edit_part(domain, key), 0.0
                )
                if best is None or (hit.distance, hit.target) < (best.distance, best.target):
                    best = hit
        return best

    def registrable(self, domain: str) -> str | None:
        """Registrable A-label domain of a logged domain, or None when it has none."""
        name = _to_alabel(domain.lower().rstrip("."))
        if name is None or not is_ldh_name(name):
            return None
        split = self._psl.split(name)
        return split[0] if split else None

    def lookup(self, domain: str) -> Hit | None:
        """The typo hit for a domain as logged (any case, Unicode or A-label, subdomains
        allowed), or None when it is not a typo of any target. Never raises."""
        cache = self._cache
        if domain in cache:
            return cache[domain]
        hit = self._decide(domain)
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[domain] = hit
        return hit

    def _decide(self, domain: str) -> Hit | None:
        registrable = self.registrable(domain)
        if registrable is None or registrable in self._own:
            return None
        hit = self._candidates.get(registrable)
        if hit is not None or self.settings.max_distance == 0:
            return hit
        return self._distance_hit(registrable)


def build_matcher(
    targets: Iterable[str | Target],
    settings: MatchSettings = MatchSettings(),
) -> Matcher:
    """Parse ``targets``, generate their candidates with :func:`typorisk.permute` (default kinds,
    ``settings.top`` / ``settings.min_likelihood``) and build a :class:`Matcher`.

    Raises :class:`~typorisk.errors.InvalidTargetError` for an unparsable target.
    """
    parsed = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    unique = list({t.fqdn: t for t in parsed}.values())
    candidates = permute(unique, top=settings.top, min_likelihood=settings.min_likelihood)
    return Matcher(unique, candidates, settings)
