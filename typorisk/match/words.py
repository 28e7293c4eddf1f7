"""Word boundaries in a DNS label, for the containment rule (c): is the brand a word of it?

``paypallogin`` reads as ``paypal login``; ``another`` does not read as ``an other``, nor
``othersand`` as ``other sand``: the brand ``other`` is inside the words ``another`` and
``others``. A label is split into its most likely words (a Viterbi segmentation under Zipf's
law, the model of ``wordninja``: a word of frequency rank r costs log((r + 1) · log N)) with
``wordninja``'s English word list (126,136 words, by frequency on English Wikipedia); the
protected labels are added as words, at the cost of the most frequent word when they are not
English words (``paypal``), at their own otherwise (``other`` stays as rare as it is). The
containment rule then takes a brand glued to other letters only when it starts and ends on
boundaries of that segmentation.

Hand-rolled around ``wordninja``'s word list (its data is what matters): ``wordninja``'s
``LanguageModel`` reads its words from a gzip file only, so the brands could not be added
without writing one, and it splits with no cap on word length (58 characters), where 24 is
enough here and keeps the split ~4x cheaper. The split is computed only for the names the
automaton found a brand inside, without a separator on both sides (~1.5% of the benchmark's
NRD list; all rules ~5% slower with it, measured in one process).

Rule (e) uses the same list: a label that is itself an English word (``correction`` for
``collection``) is not reported as a typo by edit distance.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
from collections.abc import Iterable
from pathlib import Path

import wordninja

MAX_WORD = 24
"""Longest word considered, in characters (49 of the 126,136 words are longer than 20)."""
_RUNS = re.compile(r"[a-z]+|[0-9]+")
_UNKNOWN = 1e9
_SEEN = 4096
"""Runs whose split is remembered (a run holding several brands is split once)."""


@functools.cache
def english_costs() -> dict[str, float]:
    """Cost of each word of ``wordninja``'s list (lowercase; log((rank + 1) · log N)), read
    once per process (~0.1 s)."""
    path = Path(wordninja.__file__).parent / "wordninja" / "wordninja_words.txt.gz"
    words = gzip.decompress(path.read_bytes()).decode("utf-8").split()
    scale = math.log(len(words))
    costs: dict[str, float] = {}
    for rank, word in enumerate(words):
        costs.setdefault(word, math.log((rank + 1) * scale))
    return costs


class WordSplitter:
    """Segmentation of labels into English words and the given brands."""

    def __init__(self, brands: Iterable[str]) -> None:
        english = english_costs()
        top = min(english.values())
        self._cost = dict(english)
        for brand in brands:
            self._cost[brand] = english.get(brand, top)
        self._seen: dict[str, frozenset[int]] = {}

    def boundaries(self, text: str) -> set[int]:
        """Positions in ``text`` (lowercase LDH) where one word ends and another starts: the
        ends of every run of letters and of digits, and the splits of the most likely
        segmentation of each run of letters."""
        out = {0, len(text)}
        for run in _RUNS.finditer(text):
            out.add(run.start())
            out.add(run.end())
            if run.group()[0].isalpha():
                out.update(run.start() + cut for cut in self._splits(run.group()))
        return out

    def _splits(self, word: str) -> list[int]:
        """Start positions of the words of the cheapest segmentation of ``word`` (letters)."""
        get = self._cost.get
        best = [0.0]
        back = [0]
        for end in range(1, len(word) + 1):
            low, size = _UNKNOWN, 1
            for start in range(max(0, end - MAX_WORD), end):
                cost = best[start] + get(word[start:end], _UNKNOWN)
                if cost < low:
                    low, size = cost, end - start
            best.append(low)
            back.append(size)
        cuts: list[int] = []
        end = len(word)
        while end > 0:
            end -= back[end]
            cuts.append(end)
        return cuts

    def is_word_of(self, text: str, begin: int, end: int) -> bool:
        """True when ``text[begin:end]`` starts and ends on word boundaries of ``text`` (see
        :meth:`boundaries`; only the run of letters around it is split, once per run)."""
        piece = text[begin:end]
        if not piece.isalpha():
            return True  # a brand with digits or hyphens: no English word spans it
        low = begin
        while low > 0 and text[low - 1].isalpha():
            low -= 1
        high = end
        while high < len(text) and text[high].isalpha():
            high += 1
        if low == begin and high == end:
            return True
        run = text[low:high]
        cuts = self._seen.get(run)
        if cuts is None:
            cuts = frozenset(self._splits(run))
            if len(self._seen) >= _SEEN:
                self._seen.clear()
            self._seen[run] = cuts
        return (begin - low) in cuts and (end - low in cuts or end == high)
