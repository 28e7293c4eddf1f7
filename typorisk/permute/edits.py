"""Single-character edits of a typed string, with their noisy-channel probabilities.

Pure generators shared by the label operators and the suffix operators: each takes the string,
the per-character error rate of its region (ε for the label, ε·suffix_factor for the suffix) and
the model, and yields ``(edited string, probability)``. Dots are never edited here (dot slips are
their own kinds).

``positional``: whether the label's position prior applies (the suffix is typed by rote and
keeps none: ``positional=False``). Under the hand channel an edit at position 0 is scaled by φ
(``first_char_factor``) and the others by 1. Under the fitted channel, per kind, the first and
the last position weigh ``first_<kind>`` and ``last_<kind>`` against 1 for a middle one; an edit
at position i of n is scaled by ``n·w(i)/Σw`` (:func:`position_factors`), so the kind's total
over the string stays ``rate·θ·n`` and only where it lands moves.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from typorisk.permute.keyboards import LDH, crosses_hands
from typorisk.permute.likelihood import Model, Tables

_UNIFORM = 1.0 / len(LDH)
_FALLBACK_ROW = {c: 1.0 / len(LDH) for c in LDH}


@functools.cache
def position_factors(n: int, first: float, last: float) -> tuple[float, ...]:
    """Scale of an edit at each of ``n`` positions: ``n·w(i)/Σw`` with w = ``first`` at 0,
    ``last`` at n−1 and 1 between (one position: 1). The factors sum to ``n``."""
    if n <= 1:
        return (1.0,) * n
    weights = [first, *([1.0] * (n - 2)), last]
    total = sum(weights)
    return tuple(n * w / total for w in weights)


def position_bound(first: float, last: float) -> float:
    """An upper bound of :func:`position_factors` over every length: the factor of the heavier
    end is monotone in n from n = 3 on, so it lies between its values at 1, 2, 3 and its limit."""
    heavy = max(first, last, 1.0)
    small = max(max(position_factors(n, first, last), default=1.0) for n in (1, 2, 3))
    return max(heavy, small)


def _factors(m: Model, kind: str, n: int, positional: bool) -> tuple[float, ...]:
    if not positional:
        return (1.0,) * n
    if m.channel != "fitted":
        return (m.first_char_factor,) + (1.0,) * (n - 1) if n else ()
    return position_factors(n, getattr(m, f"first_{kind}"), getattr(m, f"last_{kind}"))


def omissions(s: str, rate: float, m: Model, positional: bool) -> Iterator[tuple[str, float]]:
    """Drop character i: rate·θ_om·f_om(i), times (1+β) when it is one of a doubled pair."""
    base = rate * m.theta_omission
    where = _factors(m, "omission", len(s), positional)
    for i, ch in enumerate(s):
        if ch in "-.":
            continue  # hyphen removal and missing dots are their own kinds
        doubled = (i > 0 and s[i - 1] == ch) or (i + 1 < len(s) and s[i + 1] == ch)
        boost = 1.0 + m.doubled_boost if doubled else 1.0
        yield s[:i] + s[i + 1 :], base * boost * where[i]


def repetitions(s: str, rate: float, m: Model, positional: bool) -> Iterator[tuple[str, float]]:
    """Double character i: rate·θ_ins·ρ·f_rep(i)."""
    base = rate * m.theta_insertion * m.repetition_share
    where = _factors(m, "repetition", len(s), positional)
    for i, ch in enumerate(s):
        if ch not in "-.":
            yield s[: i + 1] + ch + s[i + 1 :], base * where[i]


def _intruders(s: str, i: int, window: int, exclude: str = "") -> str:
    """Letters of ``s`` within ``window`` characters of position ``i`` (dots, hyphens and
    ``exclude`` left out): the candidates for an intrusion error."""
    return "".join(sorted(set(s[max(i - window, 0) : i + window]) - set(".-" + exclude)))


def insertions(
    s: str, rate: float, m: Model, t: Tables, positional: bool
) -> Iterator[tuple[str, float]]:
    """Insert c in the gap before character i (i = len(s): at the end).

    Hand channel:

    p = rate·θ_ins·(1−ρ−dot share)·φ(i)·[k·mean(K(c|left), K(c|right))
        + w·[c is a letter of the word within ``intrusion_window``]/|those letters| + u/|LDH|]

    with k = 1−w−u: a near key, an intrusion of a nearby letter of the same word (anticipation
    and perseveration, Salthouse 1986: ``microsorft``), or anything. Fitted channel:

    p = rate·θ_ins·(1−ρ−dot share)·f_ins(i)·[w_prev·K(c|left) + w_next·K(c|right)
        + w_intr·[c is a letter of the word within ``intrusion_window``]/|those letters|
        + w_unif/|LDH|] / (sum of the w of the parts that exist at that gap)

    with K the key kernel (weights fitted on observed slips: the previous key's neighbours are
    hit about twice as often as the following one's).
    """
    if m.channel != "fitted":
        yield from _hand_insertions(s, rate, m, t, positional)
        return
    near = t.key_near
    base = rate * m.theta_insertion * (1.0 - m.repetition_share - m.extra_dot_share)
    uniform = m.insert_uniform * _UNIFORM
    where = _factors(m, "insertion", len(s) + 1, positional)
    for i in range(len(s) + 1):
        left, right = near.get(s[i - 1 : i]), near.get(s[i : i + 1])
        intruders = _intruders(s, i, m.intrusion_window)
        norm = (
            m.insert_uniform
            + (m.insert_prev if left is not None else 0.0)
            + (m.insert_next if right is not None else 0.0)
            + (m.insert_intrusion if intruders else 0.0)
        )
        if norm <= 0:
            continue
        intrusion = m.insert_intrusion / len(intruders) if intruders else 0.0
        w_prev, w_next = m.insert_prev, m.insert_next
        head, tail = s[:i], s[i:]
        scale = base * where[i] / norm
        edge = i == 0 or i == len(s) or "." in (s[i - 1], s[i])
        for c in LDH:
            if c == "-" and edge:
                continue
            p = uniform
            if left is not None:
                p += w_prev * left.get(c, 0.0)
            if right is not None:
                p += w_next * right.get(c, 0.0)
            if c in intruders:
                p += intrusion
            yield head + c + tail, scale * p


def _hand_insertions(
    s: str, rate: float, m: Model, t: Tables, positional: bool
) -> Iterator[tuple[str, float]]:
    """:func:`insertions` under the hand channel."""
    near = t.key_near
    base = rate * m.theta_insertion * (1.0 - m.repetition_share - m.extra_dot_share)
    keyed = 1.0 - m.insert_uniform - m.insert_intrusion
    uniform = m.insert_uniform * _UNIFORM
    where = _factors(m, "insertion", len(s) + 1, positional)
    for i in range(len(s) + 1):
        rows = [near[x] for x in (s[i - 1 : i], s[i : i + 1]) if x in near]
        intruders = _intruders(s, i, m.intrusion_window)
        intrusion = m.insert_intrusion / len(intruders) if intruders else 0.0
        head, tail = s[:i], s[i:]
        scale = base * where[i]
        edge = i == 0 or i == len(s) or "." in (s[i - 1], s[i])
        for c in LDH:
            if c == "-" and edge:
                continue
            kernel = sum(r.get(c, 0.0) for r in rows) / len(rows) if rows else 0.0
            p = keyed * kernel + uniform + (intrusion if c in intruders else 0.0)
            yield head + c + tail, scale * p


def replacements(
    s: str, rate: float, m: Model, t: Tables, positional: bool
) -> Iterator[tuple[str, float]]:
    """Replace character i by c: rate·θ_sub·f_sub(i)·[(1−w)·g_sub(c|a) + w·intrusion(c)].

    g_sub is the substitution table of the channel and layout mix
    (:func:`likelihood.tables_for`); the intrusion term spreads ``sub_intrusion`` over the other
    letters of the word within ``intrusion_window`` (``goggle``: a letter of the word typed in
    the wrong place).
    """
    base = rate * m.theta_substitution
    where = _factors(m, "substitution", len(s), positional)
    for i, a in enumerate(s):
        if a == ".":
            continue
        head, tail = s[:i], s[i + 1 :]
        scale = base * where[i]
        intruders = _intruders(s, i, m.intrusion_window, exclude=a)
        intrusion = m.sub_intrusion / len(intruders) if intruders else 0.0
        own = 1.0 - m.sub_intrusion if intruders else 1.0
        for c, g in t.substitution.get(a, _FALLBACK_ROW).items():
            if c != a:
                p = own * g + (intrusion if c in intruders else 0.0)
                yield head + c + tail, scale * p


def transpositions(s: str, rate: float, m: Model, positional: bool) -> Iterator[tuple[str, float]]:
    """Swap characters i and i+1: rate·θ_tr·f_tr(i)·(1+γ·[different hands])/(1+γ/2)."""
    base = rate * m.theta_transposition / (1.0 + m.cross_hand_boost / 2)
    where = _factors(m, "transposition", max(len(s) - 1, 0), positional)
    for i in range(len(s) - 1):
        a, b = s[i], s[i + 1]
        if a == b or "." in (a, b):
            continue
        boost = 1.0 + m.cross_hand_boost if crosses_hands(a, b) else 1.0
        yield s[:i] + b + a + s[i + 2 :], base * boost * where[i]
