"""The look-alike rules that scan whole batches: containment (c, d) and edit distance (e).

:class:`RuleBase` is the half of :class:`~typorisk.match.matcher.Matcher` that turns a match
into a :class:`~typorisk.match.model.Hit` (rule f, best per name) and
runs the batch rules: one Aho-Corasick pass (pyahocorasick) over the newline-joined heads for
(c) and (d), rapidfuzz ``cdist`` per label length for (e).
"""

from __future__ import annotations

import ahocorasick
import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import OSA, Indel

from typorisk.match.model import (
    OTHER_SUFFIX_FACTOR,
    RULES,
    Batch,
    Hit,
    MatchSettings,
    MatchTargets,
    rule_score,
)
from typorisk.match.words import WordSplitter

ROWS_PER_CDIST = 8192
"""Labels per rapidfuzz ``cdist`` call (bounds its uint8 matrix to 8 MiB per 1,000 targets)."""
DIGITS = str.maketrans("01", "ol")
DIGIT_BYTES = bytes.maketrans(b"01", b"ol")
"""Digits read as the letters they stand for in containment (``paypa1-login``, ``g00gle-pay``):
one translate of the joined batch, lengths unchanged."""


class RuleBase:
    """Hits, and the batch rules (c), (d), (e), for a matcher built by its subclass."""

    settings: MatchSettings
    _t: MatchTargets
    _automaton: ahocorasick.Automaton | None
    _folded: dict[int, frozenset[str]]
    _words: WordSplitter | None
    _english: dict[str, float]

    def _hit(
        self, batch: Batch, i: int, where: int, rule: str, *, score: float, detail: str
    ) -> Hit | None:
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
        return Hit(batch.names[i], domain, target.fqdn, rule, score, other, detail)

    def _offer(self, batch: Batch, i: int, hit: Hit | None) -> None:
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

    def _contained(self, batch: Batch) -> None:
        """Rules (c) and (d) with one automaton pass over the newline-joined heads.

        Every head is joined, and a match is dropped when its name is never reported or was
        already hit by rule (a) or (b): building the list of the live names and joining only
        those cost 4x the join of all (matches are rare: ~1.5% of the names). A match is
        mapped to its line by counting the newlines since the previous match (matches come
        in text order), so the whole text is counted once."""
        assert self._automaton is not None
        text = "\n".join(batch.heads)
        if "0" in text or "1" in text:  # paypa1-login contains paypal: digits read as letters
            # bytes.translate is one table lookup a byte; UTF-8 never encodes other characters
            # with the bytes of 0 and 1, so this is exact for non-ASCII heads too
            text = text.encode("utf-8").translate(DIGIT_BYTES).decode("utf-8")
        domains, done = batch.domains, set(batch.best)
        line = pos = 0
        start, head, head_line = 0, "", -1
        for end, (label, where) in self._automaton.iter(text):
            line += text.count("\n", pos, end)
            pos = end
            if domains[line] is None or line in done:
                continue
            if line != head_line:
                head_line = line
                start = text.rfind("\n", 0, end) + 1
                stop = text.find("\n", end)
                head = text[start : stop if stop != -1 else len(text)]
            begin = end - len(label) + 1 - start
            for t in where:
                hit = self._classify(batch, line, head, (begin, label, t))
                self._offer(batch, line, hit)

    def _classify(self, batch: Batch, i: int, head: str, found: tuple[int, str, int]) -> Hit | None:
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
        if not separated:
            if len(label) < self.settings.min_contained:
                return None
            if self._words is not None and not self._words.is_word_of(
                head, begin, begin + len(label)
            ):
                return None  # inside another word: another, othersand (for other)
        score = rule_score("combo", target_len=len(label), head_len=len(head), separated=separated)
        words = "+".join(w for w in (before.strip("-."), label, after.strip("-.")) if w)
        return self._hit(batch, i, t, "combo", score=score, detail=words)

    def _distance(self, batch: Batch) -> None:
        """Rule (e): rapidfuzz ``cdist`` per label length against the targets that can be
        within their own limit of that length (names grouped by length with numpy)."""
        words_of = list(batch.labels)
        for i in batch.xn:
            words_of[i] = batch.skeletons.get(i, words_of[i])
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
        self, batch: Batch, words_of: list[str], members: list[int], choices: list[int]
    ) -> None:
        """OSA distances of the ``members`` against the ``choices``, through an exact
        prefilter: one insertion, deletion, substitution or transposition changes the Indel
        distance (insertions and deletions only) by at most 2, so OSA ≤ k implies Indel ≤ 2k.
        rapidfuzz's bit-parallel Indel ``cdist`` costs ~0.57 of its OSA one per pair, and only
        ~0.01% of the pairs pass it, whose OSA distance is then computed pair by pair
        (``cpdist``): the same hits, rule (e) ~40% cheaper."""
        k = self.settings.max_distance
        words = [self._t.targets[t].label for t in choices]
        for chunk in range(0, len(members), ROWS_PER_CDIST):
            rows = members[chunk : chunk + ROWS_PER_CDIST]
            matrix = process.cdist([words_of[i] for i in rows], words, scorer=Indel.distance,
                                   score_cutoff=2 * k, dtype=np.uint8, workers=1)  # fmt: skip
            # the rows with a pair through first (one uint8 min per row), then only those rows
            # scanned: a boolean matrix of every pair cost as much as a fifth of the cdist
            near = np.flatnonzero(matrix.min(axis=1) <= 2 * k)
            if not len(near):
                continue
            found_rows, found_cols = np.nonzero(matrix[near] <= 2 * k)
            pairs_rows = near[found_rows].tolist()
            pairs_cols = found_cols.tolist()
            distances = process.cpdist([words_of[rows[r]] for r in pairs_rows],
                                       [words[c] for c in pairs_cols], scorer=OSA.distance,
                                       score_cutoff=k, dtype=np.uint8, workers=1)  # fmt: skip
            for row, col, distance in zip(pairs_rows, pairs_cols, distances.tolist(), strict=True):
                if distance <= k:
                    self._distance_hit(batch, rows[row], choices[col], distance)

    def _distance_hit(self, batch: Batch, i: int, t: int, distance: int) -> None:
        if batch.labels[i] in self._english:
            return  # an English word in its own right (correction, not collection)
        target = self._t.targets[t]
        limit = 1 if len(target.label) <= self.settings.short_label else self.settings.max_distance
        if 0 < distance <= limit:
            score = rule_score("distance", target_len=len(target.label), distance=distance)
            hit = self._hit(batch, i, t, "distance", score=score, detail=f"distance {distance}")
            self._offer(batch, i, hit)
