"""Edit distance for typos no operator produced: bounded Damerau-Levenshtein and a deletion index.

The distance is the *optimal string alignment* variant of Damerau-Levenshtein (insertion,
deletion, substitution, transposition of adjacent characters; each costs 1), computed over the
whole registrable name, dot included, so ``pentagon.ml`` (a suffix typo), ``pentagonm.il`` (a dot
transposition) and ``uscorp.com`` against ``us.corp.com`` (a missing dot) are all distance 1.

:class:`DeletionIndex` finds, for an observed name, every key within distance ``k`` without
comparing against every key (the symmetric-deletion method behind SymSpell): each key is stored
under every string obtained by deleting up to ``k`` characters; an observed name looks up its
own deletions. Any edit of cost 1 removes at most one character from each side, so the lookup
finds every key within ``k`` (a superset, which :func:`osa_distance` then confirms).
"""

from __future__ import annotations

from collections.abc import Iterator


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between ``a`` and ``b``, or ``limit + 1`` when it
    exceeds ``limit`` (the computation stops early then). ``limit`` ≥ 0."""
    if a == b:
        return 0
    la, lb = len(a), len(b)
    if abs(la - lb) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(lb + 1))
    for i in range(1, la + 1):
        current = [i] + [0] * lb
        ca = a[i - 1]
        best = current[0]
        for j in range(1, lb + 1):
            cost = 0 if ca == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[lb], limit + 1)


def deletions(word: str, k: int) -> set[str]:
    """``word`` and every string obtained by deleting up to ``k`` of its characters."""
    found = {word}
    frontier = {word}
    for _ in range(k):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class DeletionIndex:
    """Keys (e.g. target names) findable by edit distance ≤ ``k`` from an observed string.

    Memory: about ``len(key)**k / k!`` entries per key (78 for a 12-character key and k=2).
    """

    def __init__(self, k: int) -> None:
        if k < 0:
            raise ValueError("k must be >= 0")
        self.k = k
        self._by_deletion: dict[str, list[str]] = {}

    def add(self, key: str) -> None:
        """Index ``key`` (adding the same key twice has no further effect)."""
        for variant in deletions(key, self.k):
            keys = self._by_deletion.setdefault(variant, [])
            if key not in keys:
                keys.append(key)

    def near(self, word: str, limit: int | None = None) -> Iterator[tuple[str, int]]:
        """``(key, distance)`` for each key within ``limit`` (default ``k``, at most ``k``) of
        ``word``, including an exact match at distance 0; each key once, in no set order."""
        bound = self.k if limit is None else min(limit, self.k)
        seen: set[str] = set()
        for variant in deletions(word, bound):
            for key in self._by_deletion.get(variant, ()):
                if key in seen:
                    continue
                seen.add(key)
                distance = osa_distance(word, key, bound)
                if distance <= bound:
                    yield key, distance
