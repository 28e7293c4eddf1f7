"""Look-alike matching of newly seen names (NRD lists, zone diffs, CT) against protected targets.

Each name is tested by six rules; the best-scoring one is reported (:class:`Lookalike`):

* ``candidate`` (a): the registrable domain is in the candidate set :func:`typorisk.permute`
  generates for the targets (one hash lookup);
* ``skeleton`` (b): the label's UTS #39 confusable skeleton equals a target label's
  (``xn--pypal-4ve`` = ``pаypal``); ASCII labels are looked up among the precomputed ASCII
  preimages (:func:`~typorisk.match.confusables.ascii_preimages`), so only ``xn--`` labels pay
  for a skeleton;
* ``combo`` (c): the target label inside a longer name, after or before a separator or as a
  word next to others (``brand-login``, ``secure-brand``, ``brandlogin``, ``brand.com.evil``);
  labels shorter than :attr:`LookalikeSettings.min_contained` count only as a separated word;
* ``folded`` (d): the target's suffix folded into the label (``brandcom``, ``brand-mil``,
  ``www-brand-co-uk``);
* ``distance`` (e): the label within OSA edit distance k of a target label (rapidfuzz);
* (f) any of these under another public suffix: the same rules, ``other_suffix=True``.

Speed (the figures in ``tests/benchmarks/bench_watch.py``): rules (a)+(b) are a partition and
two dict lookups per name; (c)+(d) run one Aho-Corasick automaton (pyahocorasick) over the
newline-joined batch, so the per-name work happens in C; (e) runs rapidfuzz's ``cdist`` per
label length against only the targets within ``k`` characters of that length. Names are
expected as lowercase A-labels without a trailing dot (see :func:`normal_name`).
"""

from __future__ import annotations

import bisect
import codecs
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, repeat
from operator import itemgetter, methodcaller

import ahocorasick
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA

from typorisk.match.confusables import ascii_preimages, skeleton
from typorisk.match.matcher import Hit
from typorisk.model import Target
from typorisk.parse.names import is_ldh_name
from typorisk.parse.psl import PublicSuffixList, load_psl
from typorisk.parse.targets import parse_target
from typorisk.permute import permute

RULES = ("candidate", "skeleton", "folded", "combo", "distance")
"""Every rule, in the order ties are broken (earlier wins)."""
FAST_RULES = frozenset({"candidate", "skeleton"})
OTHER_SUFFIX_FACTOR = 0.85
"""Score multiplier of a hit under another suffix than its target's (rule f)."""
ROWS_PER_CDIST = 8192
"""Labels per rapidfuzz ``cdist`` call (bounds its int8 matrix to 8 MiB per 1,000 targets)."""
_SUFFIX_CACHE = 100_000
_IS_XN = methodcaller("startswith", "xn--")
_DIGITS = str.maketrans("01", "ol")
_DIGIT_BYTES = bytes.maketrans(b"01", b"ol")
"""Digits read as the letters they stand for in containment (``paypa1-login``, ``g00gle-pay``):
one translate of the joined batch, lengths unchanged."""


@dataclass(frozen=True, slots=True)
class LookalikeSettings:
    """Which rules run and how wide they cast the net."""

    rules: frozenset[str] = frozenset(RULES)
    """Rules to apply (subset of :data:`RULES`)."""
    other_suffixes: bool = True
    """Rule (f): also report matches under another public suffix than the target's."""
    top: int | None = 500
    """Candidates per target for rule (a), most likely first; ``None``: all."""
    max_distance: int = 2
    """Largest OSA edit distance for rule (e), 0-3."""
    short_label: int = 7
    """Target labels of at most this many characters use distance 1 at most (two edits in a
    six-letter word leave a different word: on the benchmark's English NRD list, distance 2
    for 6-7 letter targets added false positives and found no planted typo more)."""
    min_distance_label: int = 4
    """Target labels shorter than this are not used by rule (e) (``ibm`` is 1 edit from
    hundreds of unrelated names)."""
    min_label: int = 3
    """Target labels shorter than this are not used by the containment rules (c), (d)."""
    min_contained: int = 5
    """Target labels shorter than this count for rule (c) only as a separated word
    (``ibm-login``, not ``nibmle``)."""
    min_score: float = 0.0
    """Hits scoring below this, in [0, 1], are dropped."""
    allow: frozenset[str] = frozenset()
    """Registrable domains (A-labels) never reported: your own other domains, partners."""


@dataclass(frozen=True, slots=True)
class Lookalike:
    """One name that looks like a protected target, and why."""

    name: str
    """The name as matched (lowercase A-label; may be below its registrable domain)."""
    domain: str
    """Its registrable domain."""
    target: str
    """The target's registrable domain."""
    rule: str
    """The rule that fired (one of :data:`RULES`)."""
    score: float
    """How strongly it looks like the target, in [0, 1] (see :func:`rule_score`)."""
    other_suffix: bool
    """True when the name's suffix differs from the target's (rule f)."""
    detail: str
    """What matched: the typo kinds, the distance, the words around the brand."""


def rule_score(
    rule: str, *, target_len: int, head_len: int = 0, distance: int = 0, separated: bool = False
) -> float:
    """The base score of a rule, in [0, 1]: ``skeleton`` 1.0, ``candidate`` 0.95, ``folded``
    0.9, ``distance`` 0.9·(1 − d/(len+1)), ``combo`` 0.4 + 0.4·(share of the name that is the
    brand), + 0.1 when the brand stands between separators (``brand-login``). Rule (f) then
    multiplies by :data:`OTHER_SUFFIX_FACTOR` (not ``folded`` nor generated candidates)."""
    if rule == "skeleton":
        return 1.0
    if rule == "candidate":
        return 0.95
    if rule == "folded":
        return 0.9
    if rule == "distance":
        return round(0.9 * (1 - distance / (target_len + 1)), 4)
    return round(0.4 + 0.4 * target_len / max(head_len, target_len) + 0.1 * separated, 4)


def normal_name(text: str) -> str | None:
    """A list line as a name: stripped, lowercase, without trailing dot, Unicode converted to
    an A-label; ``None`` when it is no valid LDH host name."""
    name = text.strip().lower().rstrip(".")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return name if "." in name and is_ldh_name(name) else None


@dataclass(slots=True)
class _Batch:
    """The names of one :meth:`LookalikeMatcher.match_names` call, split, and the best hit so
    far per position. ``domains[i]`` is None for a name that is never reported (no public
    suffix, a target or allowed); ``heads[i]`` is what precedes the suffix, subdomains
    included (for ``xn--`` names, the lowercase skeleton of their Unicode form when it is
    ASCII)."""

    names: list[str]
    labels: list[str]
    heads: list[str]
    domains: list[str | None] = field(default_factory=list)
    best: dict[int, Lookalike] = field(default_factory=dict)
    split: dict[int, str] = field(default_factory=dict)
    """Suffixes of the names that are not ``label.suffix`` (split by the PSL)."""

    def __post_init__(self) -> None:
        if not self.domains:
            self.domains = list(self.names)

    def suffix(self, i: int) -> str:
        """The public suffix of name ``i``."""
        found = self.split.get(i)
        return found if found is not None else self.names[i][len(self.labels[i]) + 1 :]


@dataclass(slots=True)
class _Targets:
    """Targets and the indexes built from them (one list; indexes hold positions in it)."""

    targets: list[Target]
    by_label: dict[str, list[int]] = field(default_factory=dict)
    lengths: dict[int, list[int]] = field(default_factory=dict)


def _unicode_label(label: str) -> str | None:
    try:
        return codecs.decode(label[4:].encode("ascii"), "punycode")
    except (UnicodeError, ValueError):
        return None


class LookalikeMatcher:
    """The six rules for a fixed target set (rebuild it to change targets)."""

    def __init__(
        self,
        targets: Sequence[Target],
        settings: LookalikeSettings = LookalikeSettings(),
        psl: PublicSuffixList | None = None,
    ) -> None:
        unknown = set(settings.rules) - set(RULES)
        if unknown:
            raise ValueError(f"unknown rule(s) {sorted(unknown)}; use {', '.join(RULES)}")
        self.settings = settings
        self._psl = psl or load_psl()
        unique = list({t.registrable: t for t in targets}.values())
        self._t = _Targets(unique)
        self._own = {t.registrable for t in unique} | set(settings.allow)
        self._simple: dict[str, bool] = {}
        for i, target in enumerate(unique):
            self._t.by_label.setdefault(target.label, []).append(i)
        self._build_candidates()
        self._build_skeletons()
        self._label_keys = frozenset(self._preimages) | frozenset(self._candidate_labels)
        self._build_automaton()
        self._build_lengths()

    # building ----------------------------------------------------------------------------

    def _build_candidates(self) -> None:
        self._candidates: dict[str, tuple[int, str]] = {}
        self._candidate_labels: dict[str, tuple[int, str]] = {}
        if "candidate" not in self.settings.rules:
            return
        index = {t.fqdn: i for i, t in enumerate(self._t.targets)}
        best: dict[str, float] = {}
        for cand in permute(self._t.targets, top=self.settings.top):
            if cand.domain in self._own or cand.likelihood <= best.get(cand.domain, -1.0):
                continue
            best[cand.domain] = cand.likelihood
            where = index[cand.target]
            detail = "kinds " + ",".join(cand.kinds)
            self._candidates[cand.domain] = (where, detail)
            if cand.suffix == self._t.targets[where].suffix:
                label = cand.domain.partition(".")[0]
                if label not in self._t.by_label:
                    self._candidate_labels.setdefault(label, (where, detail))

    def _build_skeletons(self) -> None:
        self._skeletons: dict[str, list[int]] = {}
        self._preimages: dict[str, list[int]] = {}
        for label, where in self._t.by_label.items():
            self._skeletons.setdefault(skeleton(label), []).extend(where)
            for ascii_label in ascii_preimages(label):
                self._preimages.setdefault(ascii_label, []).extend(where)

    def _build_automaton(self) -> None:
        self._automaton: ahocorasick.Automaton | None = None
        self._folded: dict[int, frozenset[str]] = {}
        if not {"combo", "folded"} & self.settings.rules:
            return
        automaton = ahocorasick.Automaton()
        for label, where in self._t.by_label.items():
            if len(label) >= self.settings.min_label:
                automaton.add_word(label.translate(_DIGITS), (label, tuple(where)))
                automaton.add_word(label, (label, tuple(where)))
        for i, target in enumerate(self._t.targets):
            dotted = target.suffix
            self._folded[i] = frozenset({dotted.replace(".", ""), dotted.replace(".", "-")})
        if len(automaton) > 0:
            automaton.make_automaton()
            self._automaton = automaton

    def _build_lengths(self) -> None:
        for i, target in enumerate(self._t.targets):
            if len(target.label) >= self.settings.min_distance_label:
                self._t.lengths.setdefault(len(target.label), []).append(i)

    @property
    def candidate_count(self) -> int:
        """Distinct candidate domains held for rule (a)."""
        return len(self._candidates)

    @property
    def targets(self) -> list[Target]:
        """The targets, one per registrable domain."""
        return list(self._t.targets)

    # splitting ---------------------------------------------------------------------------

    def _is_simple(self, rest: str) -> bool:
        """True when ``x.rest`` is a registrable domain for a label ``x`` (``rest`` is a
        public suffix), remembered per ``rest``."""
        known = self._simple.get(rest)
        if known is None:
            probe = "x." + rest
            known = self._psl.split(probe) == (probe, rest)
            if len(self._simple) < _SUFFIX_CACHE:
                self._simple[rest] = known
        return known

    def _split(self, names: Sequence[str]) -> _Batch:
        """Every name's parts. Most names are ``label.suffix``: their parts come from one
        ``partition`` and a per-suffix cache, in C loops (``map``, ``compress``); the others
        (subdomains, ``xn--`` labels, no public suffix) go through the Public Suffix List one
        by one."""
        parts = list(map(str.partition, names, repeat(".")))
        labels = list(map(itemgetter(0), parts))
        rests = list(map(itemgetter(2), parts))
        unique = set(rests)
        bad = {rest for rest in unique if not self._is_simple(rest)}
        batch = _Batch(list(names), labels, list(labels))
        slow = set(compress(range(len(labels)), map(_IS_XN, labels)))
        if bad:
            slow.update(compress(range(len(rests)), map(bad.__contains__, rests)))
        for i in sorted(slow):
            self._split_one(batch, i)
        if self._own & set(batch.domains):
            for i in compress(range(len(names)), map(self._own.__contains__, batch.domains)):
                batch.domains[i] = None
        return batch

    def _split_registrable(self, names: Sequence[str]) -> _Batch:
        """Parts of names the caller says are registrable domains: the label is what precedes
        the first dot (no suffix lookup); ``xn--`` labels are split properly."""
        labels = [name[: name.find(".")] for name in names]
        batch = _Batch(list(names), labels, list(labels))
        for i in compress(range(len(labels)), map(_IS_XN, labels)):
            self._split_one(batch, i)
        if self._own & set(batch.domains):
            for i in compress(range(len(names)), map(self._own.__contains__, batch.domains)):
                batch.domains[i] = None
        return batch

    def _split_one(self, batch: _Batch, i: int) -> None:
        name = batch.names[i]
        found = self._psl.split(name)
        if found is None:
            batch.domains[i] = None
            return
        domain, suffix = found
        batch.domains[i], batch.split[i] = domain, suffix
        batch.labels[i] = domain.partition(".")[0]
        head = name[: -len(suffix) - 1]
        if "xn--" in head:
            pieces = [_unicode_label(p) if p.startswith("xn--") else p for p in head.split(".")]
            if all(p is not None for p in pieces):
                shown = skeleton(".".join(p for p in pieces if p is not None)).lower()
                # only an ASCII skeleton can contain an (ASCII) target label; keeping every
                # head ASCII keeps the joined batch narrow for the automaton
                head = shown if shown.isascii() else head
        batch.heads[i] = head

    # matching ----------------------------------------------------------------------------

    def match(self, name: str) -> Lookalike | None:
        """The best hit for one name (lowercase A-label), or None."""
        found = self.match_names([name])
        return found[0] if found else None

    def match_names(self, names: Sequence[str], *, registrable: bool = False) -> list[Lookalike]:
        """The best hit for each name that is a look-alike, in input order.

        ``names`` are lowercase A-labels without trailing dot (:func:`normal_name`); a name
        under no public suffix, a target itself, its subdomains and allowed domains never
        match. Never raises on a name.

        ``registrable=True`` says every name is a registrable domain (NRD lists, zone-file
        owners): names are then split at their first dot without a suffix lookup, and when only
        the rules (a) and (b) are on, only the few whose whole name or first label is a key are
        looked at (a subdomain given there is matched by its first label only).
        """
        if registrable and self.settings.rules <= FAST_RULES:
            return self._fast_registrable(names)
        batch = self._split_registrable(names) if registrable else self._split(names)
        self._fast(batch)
        if self._automaton is not None:
            self._contained(batch)
        if "distance" in self.settings.rules and self.settings.max_distance > 0:
            self._distance(batch)
        floor = self.settings.min_score
        best = batch.best
        return [best[i] for i in sorted(best) if best[i].score >= floor]

    def _hit(
        self, batch: _Batch, i: int, where: int, rule: str, *, score: float, detail: str
    ) -> Lookalike | None:
        """The hit of name ``i`` for target ``where`` (rule f applied), or None when it is
        under another suffix and rule (f) is off."""
        target = self._t.targets[where]
        suffix = batch.suffix(i)
        other = suffix != target.suffix
        if other and not self.settings.other_suffixes:
            return None
        if other and rule not in ("folded", "candidate"):
            score = round(score * OTHER_SUFFIX_FACTOR, 4)
        domain = batch.domains[i] or ""
        return Lookalike(batch.names[i], domain, target.registrable, rule, score, other, detail)

    def _offer(self, batch: _Batch, i: int, hit: Lookalike | None) -> None:
        if hit is None:
            return
        known = batch.best.get(i)
        if known is None or (hit.score, -RULES.index(hit.rule)) > (
            known.score,
            -RULES.index(known.rule),
        ):
            batch.best[i] = hit

    def _pick(self, where: list[int], suffix: str) -> int:
        """The target of ``where`` with ``suffix`` if any (same-suffix first), else the first."""
        targets = self._t.targets
        return next((i for i in where if targets[i].suffix == suffix), where[0])

    def _fast(self, batch: _Batch) -> None:
        """Rules (a) and (b): set intersections and ``compress`` in C, then Python work only
        for the names that hit (and ``xn--`` labels, whose skeleton is computed)."""
        domains, labels = batch.domains, batch.labels
        count = range(len(domains))
        flagged = set(compress(count, map(_IS_XN, labels)))
        if found := self._candidates.keys() & set(domains):
            flagged.update(compress(count, map(found.__contains__, domains)))
        if hit_labels := self._label_keys & set(labels):
            flagged.update(compress(count, map(hit_labels.__contains__, labels)))
        for i in sorted(flagged):
            if domains[i] is not None:
                self._fast_one(batch, i)

    def _fast_registrable(self, names: Sequence[str]) -> list[Lookalike]:
        """Rules (a) and (b) for registrable names: one comprehension in which a name costs a
        ``find``, a slice and two hash lookups; flagged names are then split properly."""
        domains, keys = self._candidates, self._label_keys
        flagged = [n for n in names if n in domains or n[: n.find(".")] in keys or n[:4] == "xn--"]
        if not flagged:
            return []
        batch = self._split_registrable(flagged)
        self._fast(batch)
        floor = self.settings.min_score
        return [batch.best[i] for i in sorted(batch.best) if batch.best[i].score >= floor]

    def _fast_one(self, batch: _Batch, i: int) -> None:
        domain, label, suffix = batch.domains[i], batch.labels[i], batch.suffix(i)
        if (found := self._candidates.get(domain or "")) is not None:
            hit = self._hit(batch, i, found[0], "candidate", score=0.95, detail=found[1])
            self._offer(batch, i, hit)
            return
        if "skeleton" in self.settings.rules:
            where = self._preimages.get(label)
            if where is None and label.startswith("xn--"):
                where = self._skeletons.get(skeleton(_unicode_label(label) or ""))
            if where is not None:
                hit = self._hit(batch, i, self._pick(where, suffix), "skeleton", score=1.0,
                                detail="same confusable skeleton")  # fmt: skip
                self._offer(batch, i, hit)
                return
        if (found := self._candidate_labels.get(label)) is not None:
            hit = self._hit(batch, i, found[0], "candidate", score=0.95, detail=found[1])
            self._offer(batch, i, hit and _scaled(hit, OTHER_SUFFIX_FACTOR))

    def _contained(self, batch: _Batch) -> None:
        """Rules (c) and (d) with one automaton pass over the newline-joined heads."""
        assert self._automaton is not None
        order = [i for i, d in enumerate(batch.domains) if d is not None and i not in batch.best]
        text = "\n".join([batch.heads[i] for i in order])
        if "0" in text or "1" in text:  # paypa1-login contains paypal: digits read as letters
            # bytes.translate is one table lookup a byte; UTF-8 never encodes other characters
            # with the bytes of 0 and 1, so this is exact for non-ASCII heads too
            text = text.encode("utf-8").translate(_DIGIT_BYTES).decode("utf-8")
        heads = text.split("\n")
        starts = list(accumulate(map((1).__add__, map(len, heads)), initial=0))
        for end, (label, where) in self._automaton.iter(text):
            k = bisect.bisect_right(starts, end) - 1
            begin = end - len(label) + 1 - starts[k]
            for t in where:
                hit = self._classify(batch, order[k], heads[k], (begin, label, t))
                self._offer(batch, order[k], hit)

    def _classify(
        self, batch: _Batch, i: int, head: str, found: tuple[int, str, int]
    ) -> Lookalike | None:
        """Rule (d) or (c) for name ``i`` whose ``head`` (digits read as letters) holds the
        label of target ``t`` at ``begin``: ``found`` is ``(begin, label, t)``."""
        begin, label, t = found
        before, after = head[:begin], head[begin + len(label) :]
        if not before and not after:
            return None  # the label itself: rule (b)
        rules = self.settings.rules
        folded = after.lstrip("-")
        if "folded" in rules and before.rstrip("-.") in ("", "www") and folded in self._folded[t]:
            return self._hit(batch, i, t, "folded", score=0.9, detail=f"{label} + {folded}")
        if "combo" not in rules:
            return None
        separated = (not before or before[-1] in "-.") and (not after or after[0] in "-.")
        if len(label) < self.settings.min_contained and not separated:
            return None
        score = rule_score("combo", target_len=len(label), head_len=len(head), separated=separated)
        words = "+".join(w for w in (before.strip("-."), label, after.strip("-.")) if w)
        return self._hit(batch, i, t, "combo", score=score, detail=words)

    def _distance(self, batch: _Batch) -> None:
        """Rule (e): rapidfuzz ``cdist`` per label length against the targets that can be
        within their own limit of that length (names grouped by length with numpy)."""
        words_of = list(batch.labels)
        for i in compress(range(len(words_of)), map(_IS_XN, words_of)):
            words_of[i] = batch.heads[i].rpartition(".")[2]
        count = len(words_of)
        sizes = np.fromiter(map(len, words_of), dtype=np.int32, count=count)
        live = np.fromiter(map(bool, batch.domains), dtype=bool, count=count)
        if batch.best:
            live[list(batch.best)] = False
        order = np.argsort(np.where(live, sizes, -1), kind="stable")
        ordered = sizes[order]
        first = int(np.searchsorted(np.where(live, sizes, -1)[order], 0))
        values, starts = np.unique(ordered[first:], return_index=True)
        bounds = [*(starts + first).tolist(), count]
        for n, length in enumerate(values.tolist()):
            choices = self._choices(length)
            if choices:
                members = order[bounds[n] : bounds[n + 1]].tolist()
                self._distance_rows(batch, words_of, members, choices)

    def _choices(self, length: int) -> list[int]:
        """Targets whose own distance limit reaches labels of ``length`` characters."""
        k, short = self.settings.max_distance, self.settings.short_label
        lengths = self._t.lengths
        return [t for n in range(length - k, length + k + 1)
                if abs(n - length) <= (1 if n <= short else k)
                for t in lengths.get(n, ())]  # fmt: skip

    def _distance_rows(
        self, batch: _Batch, words_of: list[str], members: list[int], choices: list[int]
    ) -> None:
        k = self.settings.max_distance
        words = [self._t.targets[t].label for t in choices]
        for chunk in range(0, len(members), ROWS_PER_CDIST):
            rows = members[chunk : chunk + ROWS_PER_CDIST]
            matrix = process.cdist([words_of[i] for i in rows], words, scorer=OSA.distance,
                                   score_cutoff=k, dtype=np.uint8, workers=1)  # fmt: skip
            found_rows, found_cols = np.nonzero(matrix <= k)
            for row, col in zip(found_rows.tolist(), found_cols.tolist(), strict=True):
                self._distance_hit(batch, rows[row], choices[col], int(matrix[row, col]))

    def _distance_hit(self, batch: _Batch, i: int, t: int, distance: int) -> None:
        target = self._t.targets[t]
        limit = 1 if len(target.label) <= self.settings.short_label else self.settings.max_distance
        if 0 < distance <= limit:
            score = rule_score("distance", target_len=len(target.label), distance=distance)
            hit = self._hit(batch, i, t, "distance", score=score, detail=f"distance {distance}")
            self._offer(batch, i, hit)


class LookalikeLookup:
    """The look-alike rules behind the mail-log scan's ``lookup(domain)`` (``match
    --lookalike``): each logged domain is normalised, matched once (cached, bounded) and
    reported as a :class:`~typorisk.match.matcher.Hit` whose ``match`` is the rule, ``kinds``
    what matched, ``likelihood`` the score and ``part`` ``other-suffix`` for rule (f)."""

    def __init__(self, matcher: LookalikeMatcher, cache_limit: int = 200_000) -> None:
        self.matcher = matcher
        self.targets = {t.fqdn: t for t in matcher.targets}
        self._cache: dict[str, Hit | None] = {}
        self._limit = cache_limit

    @property
    def candidate_count(self) -> int:
        """Distinct candidate domains held for rule (a)."""
        return self.matcher.candidate_count

    def lookup(self, domain: str) -> Hit | None:
        """The hit for a domain as logged (any case, Unicode or A-label), or None."""
        if domain in self._cache:
            return self._cache[domain]
        name = normal_name(domain)
        found = self.matcher.match(name) if name else None
        hit = None
        if found is not None:
            distance = int(found.detail.split()[-1]) if found.rule == "distance" else 0
            part = "other-suffix" if found.other_suffix else "label"
            hit = Hit(found.domain, found.target, found.rule, (found.detail,), distance, part,
                      found.score)  # fmt: skip
        if len(self._cache) >= self._limit:
            self._cache.clear()
        self._cache[domain] = hit
        return hit


def _scaled(hit: Lookalike, factor: float) -> Lookalike:
    return Lookalike(hit.name, hit.domain, hit.target, hit.rule, round(hit.score * factor, 4),
                     hit.other_suffix, hit.detail)  # fmt: skip


def build_lookalike_matcher(
    targets: Iterable[str | Target], settings: LookalikeSettings = LookalikeSettings()
) -> LookalikeMatcher:
    """Parse ``targets`` and build a :class:`LookalikeMatcher`.

    Raises :class:`~typorisk.errors.InvalidTargetError` for an unparsable target and
    ``ValueError`` for an unknown rule name.
    """
    parsed = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    return LookalikeMatcher(parsed, settings)
