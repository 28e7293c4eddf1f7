"""The building blocks of :mod:`typorisk.permute.fit`: reading the corpora, aligning a word with
its typed form, and each factor's likelihood and estimator (pure functions, no I/O but reading
the named files).
"""

from __future__ import annotations

import ast
import csv
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from typorisk.permute.keyboards import LDH, crosses_hands

FOLDS = 5
SIGMA = 0.6
ALPHAS = (1.0, 3.0, 10.0, 30.0, 100.0, 300.0)
FLOOR = 0.05
"""Share of the smoothing prior spread evenly over every key (so no pair has probability 0)."""
WINDOW = 3
KINDS = ("substitution", "omission", "insertion", "repetition", "transposition")
INSERT_PARTS = ("prev", "next", "intrusion", "uniform")


@dataclass(frozen=True, slots=True)
class Event:
    """One single-edit error: ``kind`` at ``pos`` of ``word`` (``typed`` char for sub/ins)."""

    word: str
    kind: str
    pos: int
    char: str
    weight: float


def align(word: str, typed: str) -> tuple[str, int, str] | None:  # noqa: PLR0911
    """(kind, position, typed char) of a single edit turning ``word`` into ``typed``, or None.

    Positions: a character index for substitutions, omissions and doublings, the gap before
    character ``pos`` for insertions, the first of the pair for transpositions.
    """
    n, m = len(word), len(typed)
    if m == n:
        diff = [i for i in range(n) if word[i] != typed[i]]
        if len(diff) == 1:
            return "substitution", diff[0], typed[diff[0]]
        if len(diff) == 2 and diff[1] == diff[0] + 1:
            i = diff[0]
            if word[i] == typed[i + 1] and word[i + 1] == typed[i]:
                return "transposition", i, ""
        return None
    if m == n + 1:
        for i in range(m):
            if typed[:i] + typed[i + 1 :] == word:
                c = typed[i]
                if i > 0 and typed[i - 1] == c:
                    return "repetition", i - 1, c
                if i + 1 < m and typed[i + 1] == c:
                    return "repetition", i, c
                return "insertion", i, c
        return None
    if m == n - 1:
        for i in range(n):
            if word[:i] + word[i + 1 :] == typed:
                return "omission", i, ""
    return None


def word_events(path: Path) -> list[Event]:
    """Single-edit events of ``aalto_word_errors.tsv`` (letters only, weighted by count)."""
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            word, typed = row["intended"], row["typed"]
            if not (word.isascii() and word.isalpha() and typed.isascii() and typed.isalpha()):
                continue
            found = align(word, typed)
            if found is not None:
                kind, pos, char = found
                out.append(Event(word, kind, pos, char, float(row["count"])))
    return out


def pair_events(path: Path) -> list[tuple[str, str, str]]:
    """(intended, typed, context key) of the substitutions in ``aalto_first_errors.tsv``.

    A first wrong keystroke that is the *next* intended key is an omission or a transposition
    under way, and one that repeats the previous key a doubling; neither is a key-pair slip
    (28% and 2% of the rows), so both are left out."""
    out = []
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            a, b = row["intended"], row["typed"]
            if b in (row["next_intended"], row["prev"]):
                continue  # the next key early (an omission begun) or the last one again
            if row["kind"] == "sub" and a in LDH and b in LDH and a != b:
                out.append((a, b, f"{row['prev']}{a}{row['next_intended']}"))
    return out


def fold_of(key: str) -> int:
    """The cross-validation fold of a word or context (a hash: stable across runs)."""
    return hashlib.sha256(key.encode()).digest()[0] % FOLDS


# -- positions ---------------------------------------------------------------------------


def slots(kind: str, n: int) -> int:
    """How many positions a ``kind`` edit has in an ``n``-letter word."""
    return n + 1 if kind == "insertion" else n - 1 if kind == "transposition" else n


def where(i: int, count: int) -> str:
    """``first``, ``mid`` or ``last``: the class of position ``i`` of ``count``."""
    return "first" if i == 0 else "last" if i == count - 1 else "mid"


def extra_feature(kind: str, word: str, i: int) -> bool:
    """Doubled letter (omission) or a change of hands (transposition) at position ``i``."""
    if kind == "omission":
        return (i > 0 and word[i - 1] == word[i]) or (i + 1 < len(word) and word[i + 1] == word[i])
    if kind == "transposition":
        return crosses_hands(word[i], word[i + 1])
    return False


def position_weight(kind: str, word: str, i: int, params: dict[str, float]) -> float:
    """Unnormalised weight of position ``i`` (``params``: first, last, extra factors)."""
    count = slots(kind, len(word))
    w = {"first": params["first"], "mid": 1.0, "last": params["last"]}[where(i, count)]
    return w * (params["extra"] if extra_feature(kind, word, i) else 1.0)


def position_loglik(events: Iterable[Event], params: dict[str, float]) -> tuple[float, float]:
    """(Σ weight·log P(pos | kind, word), Σ weight)."""
    total = weights = 0.0
    for e in events:
        count = slots(e.kind, len(e.word))
        if count < 2:
            continue
        z = sum(position_weight(e.kind, e.word, j, params) for j in range(count))
        total += e.weight * math.log(position_weight(e.kind, e.word, e.pos, params) / z)
        weights += e.weight
    return total, weights


def fit_positions(events: list[Event]) -> dict[str, float]:
    """First/last/extra factors of one kind's events by coordinate search in log space."""
    params = {"first": 1.0, "last": 1.0, "extra": 1.0}
    names = ["first", "last"] + (["extra"] if events and events[0].kind in EXTRA_KINDS else [])
    for step in (1.0, 0.3, 0.1, 0.03, 0.01):
        moved = True
        while moved:
            moved = False
            for name in names:
                for sign in (1.0, -1.0):
                    trial = dict(params, **{name: params[name] * math.exp(sign * step)})
                    if position_loglik(events, trial)[0] > position_loglik(events, params)[0]:
                        params, moved = trial, True
    return params


EXTRA_KINDS = ("omission", "transposition")


def position_shares(events: list[Event], params: dict[str, float] | None) -> dict[str, float]:
    """Share of events at the first, middle and last position: observed (``params`` None) or
    predicted by the position model on the same words."""
    acc: dict[str, float] = defaultdict(float)
    for e in events:
        count = slots(e.kind, len(e.word))
        if params is None:
            acc[where(e.pos, count)] += e.weight
            continue
        z = sum(position_weight(e.kind, e.word, j, params) for j in range(count))
        for j in range(count):
            acc[where(j, count)] += e.weight * position_weight(e.kind, e.word, j, params) / z
    total = sum(acc.values()) or 1.0
    return {k: acc[k] / total for k in ("first", "mid", "last")}


# -- insertions ---------------------------------------------------------------------------


def intruders(word: str, i: int, exclude: str = "") -> str:
    """Letters of ``word`` within :data:`WINDOW` of position ``i`` (the intrusion candidates)."""
    return "".join(sorted(set(word[max(i - WINDOW, 0) : i + WINDOW]) - set(".-" + exclude)))


def insertion_parts(e: Event, kernel: dict[str, dict[str, float]]) -> list[float | None]:
    """P(char | part) of one insertion for each of :data:`INSERT_PARTS` (None: part absent)."""
    left, right = e.word[e.pos - 1 : e.pos], e.word[e.pos : e.pos + 1]
    near = intruders(e.word, e.pos)
    return [
        kernel[left].get(e.char, 0.0) if left in kernel else None,
        kernel[right].get(e.char, 0.0) if right in kernel else None,
        (1.0 / len(near) if e.char in near else 0.0) if near else None,
        1.0 / len(LDH),
    ]


def mixture_prob(parts: list[float | None], w: list[float]) -> float:
    """A mixture's probability, its weights renormalised over the parts that exist."""
    have = [(wk, p) for wk, p in zip(w, parts, strict=True) if p is not None]
    norm = sum(wk for wk, _ in have)
    return sum(wk * p for wk, p in have) / norm


def fit_mixture(rows: list[tuple[list[float | None], float]], k: int) -> list[float]:
    """Maximum-likelihood mixture weights by EM (absent parts renormalised away)."""
    w = [1.0 / k] * k
    for _ in range(300):
        acc = [0.0] * k
        total = 0.0
        for parts, weight in rows:
            have = [j for j in range(k) if parts[j] is not None]
            norm = sum(w[j] for j in have)
            z = mixture_prob(parts, w)
            if z <= 0:
                continue
            for j in have:
                p = parts[j]
                assert p is not None
                acc[j] += weight * (w[j] / norm) * p / z
            total += weight
        w = [max(a / total, 1e-6) for a in acc]
    return w


# -- substitutions --------------------------------------------------------------------------


def pair_table(
    pairs: Iterable[tuple[str, str]],
    alpha: float,
    kernel: dict[str, dict[str, float]],
    floor: float = FLOOR,
) -> dict[str, dict[str, float]]:
    """P(typed | intended) over LDH: counts smoothed with strength α towards the prior
    ``(1 − floor)·kernel + floor·uniform`` (the floor keeps every pair possible)."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for a, b in pairs:
        counts[a][b] += 1
    table = {}
    for a in LDH:
        near = kernel.get(a, {})
        flat = 1.0 / (len(LDH) - 1)
        prior = {b: (1 - floor) * near.get(b, flat) + floor * flat for b in LDH if b != a}
        row, n = counts.get(a, Counter()), sum(counts.get(a, Counter()).values())
        table[a] = {b: (row[b] + alpha * prior.get(b, 0.0)) / (n + alpha) for b in LDH if b != a}
    return table


def pair_loglik(pairs: Iterable[tuple[str, str]], table: dict[str, dict[str, float]]) -> float:
    """Mean log P(typed | intended) of ``pairs`` under ``table``."""
    got = [math.log(max(table[a].get(b, 0.0), 1e-12)) for a, b in pairs]
    return sum(got) / max(len(got), 1)


def kcg_pairs(path: Path) -> list[tuple[str, str]]:
    """(intended, typed) pairs of the Kernighan–Church–Gale substitution matrix, expanded by
    count (its ``sub['xy']`` is ``y`` typed as ``x``)."""
    table = ast.literal_eval(path.read_text(encoding="utf-8"))
    out = []
    for key, count in sorted(table.items()):
        typed, intended = key[0], key[1]
        if typed != intended and typed in LDH and intended in LDH:
            out.extend([(intended, typed)] * int(count))
    return out


def neighbour(a: str, b: str, kernel: dict[str, dict[str, float]]) -> bool:
    """Whether ``b`` is one of ``a``'s touching keys (kernel weight near the nearest key's)."""
    row = kernel.get(a, {})
    return bool(row) and row.get(b, 0.0) >= 0.2 * max(row.values())
