"""The look-alike matcher: one rule registry, one result, for every command that matches names.

``watch`` (NRD lists, zone diffs, CT), ``match`` (mail, DNS and proxy logs, with or without
``--bare-domains``) and ``policyd`` (one recipient at a time) all ask one :class:`Matcher`, so
the same list gives the same hits through every command. Each name is tested by the rules of
:data:`~typorisk.match.model.REGISTRY`; the best-scoring one is reported as a
:class:`~typorisk.match.model.Hit`:

* ``candidate`` (a): the registrable domain is in the candidate set :func:`typorisk.permute`
  generates for the targets (one hash lookup);
* ``skeleton`` (b): the label's UTS #39 confusable skeleton equals a target label's
  (``xn--pypal-4ve`` = ``pаypal``); ASCII labels are looked up among the precomputed ASCII
  preimages (:func:`~typorisk.match.confusables.ascii_preimages`), so only ``xn--`` labels pay
  for a skeleton;
* ``combo`` (c): the target label inside a longer name, after or before a separator or as a
  word next to others (``brand-login``, ``secure-brand``, ``brandlogin``, ``brand.com.evil``);
  labels shorter than :attr:`MatchSettings.min_contained` count only as a separated word;
* ``folded`` (d): the target's suffix folded into the label (``brandcom``, ``brand-mil``,
  ``www-brand-co-uk``);
* ``distance`` (e): the label within OSA edit distance k of a target label (rapidfuzz);
* (f) any of these under another public suffix: the same rules, ``other_suffix=True``.

A target's own registrable domain, its subdomains and allowed domains never match; a name is
matched on its registrable domain under an ICANN public suffix (``pentagon.mill`` never).

The machinery is the batch one (the faster of the two matchers this replaced, measured by
``tests/benchmarks/bench_watch.py`` and ``bench_match.py``): rules (a)+(b) are a partition and
two set probes per name; (c)+(d) run one Aho-Corasick automaton (pyahocorasick) over the
newline-joined batch, so the per-name work happens in C; (e) runs rapidfuzz's ``cdist`` per
label length against only the targets within ``k`` characters of that length. Log scans hand
their domains over in batches too (:meth:`Matcher.lookup_many`); :meth:`Matcher.lookup` is the
one-name, cached form for ``policyd``. Names are lowercase A-labels without a trailing dot
(:func:`~typorisk.match.model.normal_name`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress
from operator import itemgetter
from pathlib import Path

import ahocorasick

from typorisk.match.candidates import candidate_set
from typorisk.match.confusables import ascii_preimages, latin_fold, skeleton
from typorisk.match.model import (
    FAST_RULES,
    OTHER_SUFFIX_FACTOR,
    Batch,
    Hit,
    MatchSettings,
    MatchTargets,
    chosen_rules,
    closest,
    normal_name,
    scaled,
    unicode_label,
    xn_positions,
)
from typorisk.match.rules import DIGITS, RuleBase
from typorisk.match.words import WordSplitter, english_costs
from typorisk.model import Candidate, Target
from typorisk.parse.psl import PublicSuffixList, load_psl
from typorisk.parse.targets import parse_target

CACHE_LIMIT = 200_000
"""Logged domains remembered by :meth:`Matcher.lookup` before its memo is cleared (bounds
memory)."""
_SUFFIX_CACHE = 100_000
DEFAULTS = MatchSettings()
"""The default settings (every rule, top 500, distance 2)."""


class Matcher(RuleBase):
    """The rules of the registry for a fixed target set (rebuild it to change targets).
    ``cached`` is True when the candidates were read from the cache file."""

    def __init__(
        self,
        targets: Sequence[Target],
        settings: MatchSettings = DEFAULTS,
        psl: PublicSuffixList | None = None,
        cache_dir: Path | None = None,
        candidates: Iterable[Candidate] | None = None,
    ) -> None:
        """``cache_dir``: keep the generated candidates there between runs
        (:mod:`typorisk.match.cache`); ``None``: generate them every time. ``candidates``:
        rule (a)'s set as given (a feed's own), instead of generating it. Raises
        ``ValueError`` for an unknown rule."""
        chosen_rules(settings.rules)
        self.settings = settings
        self._psl = psl or load_psl()
        unique = list({t.fqdn: t for t in targets}.values())
        self._t = MatchTargets(unique)
        self._by_fqdn = {t.fqdn: t for t in unique}
        self._own = {t.registrable for t in unique} | set(settings.allow)
        self._simple: dict[str, bool] = {}
        self._memo: dict[str, Hit | None] = {}
        for i, target in enumerate(unique):
            self._t.by_label.setdefault(target.label, []).append(i)
        self._candidates, self._candidate_labels, self.cached = candidate_set(
            unique, settings, self._own, cache_dir, candidates
        )
        self._build_skeletons()
        # frozensets, not the dicts, for the per-batch intersections: probing a 500,000-key
        # dict once per name cost 4x probing a set (21 vs 5 ms per 50,000 names)
        self._candidate_keys = frozenset(self._candidates)
        self._label_keys = frozenset(self._preimages) | frozenset(self._candidate_labels)
        self._build_automaton()
        self._build_lengths()
        self._english = english_costs() if settings.words and "distance" in settings.rules else {}

    # building ----------------------------------------------------------------------------

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
        self._words: WordSplitter | None = None
        if not {"combo", "folded"} & self.settings.rules:
            return
        if "combo" in self.settings.rules and self.settings.words:
            self._words = WordSplitter(self._t.by_label)
        automaton = ahocorasick.Automaton()
        for label, where in self._t.by_label.items():
            if len(label) >= self.settings.min_label:
                automaton.add_word(label.translate(DIGITS), (label, tuple(where)))
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
        """The targets, one per typed name (``fqdn``)."""
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

    def _split(self, names: Sequence[str]) -> Batch:
        """Every name's parts. Most names are ``label.suffix``: their parts come from one
        ``partition`` and a per-suffix cache, in C loops (``map``, ``compress``); the others
        (subdomains, ``xn--`` labels, no public suffix) go through the Public Suffix List one
        by one."""
        parts = [name.partition(".") for name in names]
        labels = list(map(itemgetter(0), parts))
        rests = list(map(itemgetter(2), parts))
        unique = set(rests)
        bad = {rest for rest in unique if not self._is_simple(rest)}
        batch = Batch(list(names), labels, list(labels))
        first = xn_positions(labels)
        slow = set(first)
        if bad:
            slow.update(compress(range(len(rests)), map(bad.__contains__, rests)))
        order = sorted(slow)
        for i in order:
            self._split_one(batch, i)
        self._drop_own(batch)
        batch.xn = [i for i in order if batch.labels[i].startswith("xn--")]
        return batch

    def _split_registrable(self, names: Sequence[str]) -> Batch:
        """Parts of names the caller says are registrable domains: the label is what precedes
        the first dot (no suffix lookup); ``xn--`` labels are split properly."""
        labels = [name.partition(".")[0] for name in names]
        batch = Batch(list(names), labels, list(labels))
        first = xn_positions(labels)
        for i in first:
            self._split_one(batch, i)
        self._drop_own(batch)
        batch.xn = [i for i in first if batch.labels[i].startswith("xn--")]
        return batch

    def _drop_own(self, batch: Batch) -> None:
        """Mark the targets and allowed domains of ``batch`` as never reported."""
        if self._own.intersection(batch.domains):
            for i in compress(range(len(batch.names)), map(self._own.__contains__, batch.domains)):
                batch.domains[i] = None

    def _split_one(self, batch: Batch, i: int) -> None:
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
            pieces = [unicode_label(p) if p.startswith("xn--") else p for p in head.split(".")]
            if all(p is not None for p in pieces):
                shown = skeleton(".".join(p for p in pieces if p is not None)).lower()
                # only an ASCII skeleton can contain an (ASCII) target label; keeping every
                # head ASCII keeps the joined batch narrow for the automaton
                head = shown if shown.isascii() else head
                label = pieces[-1] or ""
                batch.skeletons[i] = latin_fold(label).lower()  # rule (e) takes any script
        batch.heads[i] = head

    # matching ----------------------------------------------------------------------------

    def match(self, name: str) -> Hit | None:
        """The best hit for one name (lowercase A-label), or None."""
        found = self.match_names([name])
        return found[0] if found else None

    def match_names(self, names: Sequence[str], *, registrable: bool = False) -> list[Hit]:
        """The best hit for each name that is a look-alike, in input order.

        ``names`` are lowercase A-labels without trailing dot (:func:`normal_name`); a name
        under no public suffix, a target itself, its subdomains and allowed domains never
        match. Never raises on a name.

        ``registrable=True`` says every name is a registrable domain (NRD lists, zone-file
        owners): names are then split at their first dot without a suffix lookup, and when only
        the rules (a) and (b) are on, only the few whose whole name or first label is a key are
        looked at (a subdomain given there is matched by its first label only).
        """
        found = self._matched(names, registrable)
        return [found[i] for i in sorted(found)]

    def _matched(self, names: Sequence[str], registrable: bool) -> dict[int, Hit]:
        """Position in ``names`` → the best hit there (at least ``min_score``)."""
        if registrable and self.settings.rules <= FAST_RULES:
            return self._fast_registrable(names)
        batch = self._split_registrable(names) if registrable else self._split(names)
        self._fast(batch)
        if self._automaton is not None:
            self._contained(batch)
        if "distance" in self.settings.rules and self.settings.max_distance > 0:
            self._distance(batch)
        floor = self.settings.min_score
        return {i: self._finish(hit) for i, hit in batch.best.items() if hit.score >= floor}

    def _finish(self, hit: Hit) -> Hit:
        """``hit`` with what every output shows besides the rule: the candidate's kinds and
        likelihood (rule a), the edit distance to the target and where the edit is."""
        target = self._by_fqdn[hit.target]
        distance, part = closest(hit.domain, target)
        kinds: tuple[str, ...] = ()
        likelihood = 0.0
        if hit.rule == "candidate":
            entry = self._candidates.get(hit.domain) or self._candidate_labels.get(
                hit.domain.partition(".")[0]
            )
            if entry is not None:
                kinds = tuple(entry[1].removeprefix("kinds ").split(","))
                likelihood = entry[2] if hit.domain in self._candidates else 0.0
        return Hit(hit.name, hit.domain, hit.target, hit.rule, hit.score, hit.other_suffix,
                   hit.detail, kinds, distance, part, likelihood)  # fmt: skip

    def lookup(self, domain: str) -> Hit | None:
        """The hit for one domain as logged (any case, Unicode or A-label, subdomains
        allowed, trailing dot or not), or None; remembered (bounded by
        :data:`CACHE_LIMIT`). Never raises."""
        memo = self._memo
        if domain in memo:
            return memo[domain]
        return self.lookup_many([domain])[0]

    def lookup_many(self, domains: Sequence[str]) -> list[Hit | None]:
        """:meth:`lookup` for each of ``domains``, in order: the ones not remembered are
        matched in one batch (what a log scan hands over per chunk of lines)."""
        memo = self._memo
        known = {d: memo[d] for d in domains if d in memo}
        fresh = [d for d in dict.fromkeys(domains) if d not in known]
        if fresh:
            names = [normal_name(d) for d in fresh]
            valid = [i for i, n in enumerate(names) if n is not None]
            found = self._matched([n for n in names if n is not None], False)
            new: dict[str, Hit | None] = dict.fromkeys(fresh)
            for position, hit in found.items():
                new[fresh[valid[position]]] = hit
            known.update(new)
            if len(memo) + len(new) > CACHE_LIMIT:
                memo.clear()
            memo.update(new)
        return [known[d] for d in domains]

    def _fast(self, batch: Batch) -> None:
        """Rules (a) and (b): set intersections and ``compress`` in C, then Python work only
        for the names that hit (and ``xn--`` labels, whose skeleton is computed)."""
        domains, labels = batch.domains, batch.labels
        count = range(len(domains))
        flagged = set(batch.xn)
        # frozenset.intersection(list) probes the keys once a name; ``keys & set(names)``
        # built a 50,000-entry set first (1.4 against 3.1 ms per 50,000 names)
        if found := self._candidate_keys.intersection(domains):
            flagged.update(compress(count, map(found.__contains__, domains)))
        if hit_labels := self._label_keys.intersection(labels):
            flagged.update(compress(count, map(hit_labels.__contains__, labels)))
        for i in sorted(flagged):
            if domains[i] is not None:
                self._fast_one(batch, i)

    def _fast_registrable(self, names: Sequence[str]) -> dict[int, Hit]:
        """Rules (a) and (b) for registrable names: one comprehension in which a name costs a
        ``find``, a slice and two hash lookups; flagged names are then split properly."""
        domains, keys = self._candidate_keys, self._label_keys
        flags = [n in domains or n[: n.find(".")] in keys or n[:4] == "xn--" for n in names]
        flagged = list(compress(range(len(names)), flags))
        if not flagged:
            return {}
        batch = self._split_registrable([names[i] for i in flagged])
        self._fast(batch)
        floor = self.settings.min_score
        best = batch.best
        return {flagged[i]: self._finish(best[i]) for i in best if best[i].score >= floor}

    def _fast_one(self, batch: Batch, i: int) -> None:
        domain, label, suffix = batch.domains[i], batch.labels[i], batch.suffix(i)
        if (found := self._candidates.get(domain or "")) is not None:
            hit = self._hit(batch, i, found[0], "candidate", score=0.95, detail=found[1])
            self._offer(batch, i, hit)
            return
        if "skeleton" in self.settings.rules:
            where = self._preimages.get(label)
            if where is None and label.startswith("xn--"):
                where = self._skeletons.get(skeleton(unicode_label(label) or ""))
            if where is not None:
                hit = self._hit(batch, i, self._pick(where, suffix), "skeleton", score=1.0,
                                detail="same confusable skeleton")  # fmt: skip
                self._offer(batch, i, hit)
                return
        if (found := self._candidate_labels.get(label)) is not None:
            hit = self._hit(batch, i, found[0], "candidate", score=0.95, detail=found[1])
            self._offer(batch, i, hit and scaled(hit, OTHER_SUFFIX_FACTOR))


def build_matcher(
    targets: Iterable[str | Target],
    settings: MatchSettings = DEFAULTS,
    *,
    cache_dir: Path | None = None,
) -> Matcher:
    """Parse ``targets`` and build a :class:`Matcher` (``cache_dir``: see there).

    Raises :class:`~typorisk.errors.InvalidTargetError` for an unparsable target and
    ``ValueError`` for an unknown rule name.
    """
    parsed = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    return Matcher(parsed, settings, cache_dir=cache_dir)
