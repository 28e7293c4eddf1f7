"""Single-character edits of a typed string, with their noisy-channel probabilities.

Pure generators shared by the label operators and the suffix operators: each takes the string,
the per-character error rate of its region (ε for the label, ε·suffix_factor for the suffix) and
the model, and yields ``(edited string, probability)``. Dots are never edited here (dot slips are
their own kinds); ``first`` scales edits at position 0 (φ for a label, 1 for a suffix).
"""

from __future__ import annotations

from collections.abc import Iterator

from typorisk.permute.keyboards import LDH, crosses_hands
from typorisk.permute.likelihood import Model, Tables

_UNIFORM = 1.0 / len(LDH)
_FALLBACK_ROW = {c: 1.0 / len(LDH) for c in LDH}


def omissions(s: str, rate: float, m: Model, first: float) -> Iterator[tuple[str, float]]:
    """Drop character i: rate·θ_om·φ, times (1+β) when it is one of a doubled pair."""
    base = rate * m.theta_omission
    for i, ch in enumerate(s):
        if ch in "-.":
            continue  # hyphen removal and missing dots are their own kinds
        doubled = (i > 0 and s[i - 1] == ch) or (i + 1 < len(s) and s[i + 1] == ch)
        boost = 1.0 + m.doubled_boost if doubled else 1.0
        yield s[:i] + s[i + 1 :], base * boost * (first if i == 0 else 1.0)


def repetitions(s: str, rate: float, m: Model, first: float) -> Iterator[tuple[str, float]]:
    """Double character i: rate·θ_ins·ρ·φ."""
    base = rate * m.theta_insertion * m.repetition_share
    for i, ch in enumerate(s):
        if ch not in "-.":
            yield s[: i + 1] + ch + s[i + 1 :], base * (first if i == 0 else 1.0)


def _intruders(s: str, i: int, window: int, exclude: str = "") -> str:
    """Letters of ``s`` within ``window`` characters of position ``i`` (dots, hyphens and
    ``exclude`` left out): the candidates for an intrusion error."""
    return "".join(sorted(set(s[max(i - window, 0) : i + window]) - set(".-" + exclude)))


def insertions(
    s: str, rate: float, m: Model, t: Tables, first: float
) -> Iterator[tuple[str, float]]:
    """Insert c in the gap before character i (i = len(s): at the end).

    p = rate·θ_ins·(1−ρ−dot share)·φ·[k·mean(g_key(c|left), g_key(c|right))
        + w·[c is a letter of the word within ``intrusion_window``]/|those letters| + u/|LDH|]
    with k = 1−w−u: a near key, an intrusion of a nearby letter of the same word (anticipation
    and perseveration, Salthouse 1986: ``microsorft``), or anything.
    """
    near = t.key_near
    base = rate * m.theta_insertion * (1.0 - m.repetition_share - m.extra_dot_share)
    keyed = 1.0 - m.insert_uniform - m.insert_intrusion
    uniform = m.insert_uniform * _UNIFORM
    for i in range(len(s) + 1):
        rows = [near[x] for x in (s[i - 1 : i], s[i : i + 1]) if x in near]
        intruders = _intruders(s, i, m.intrusion_window)
        intrusion = m.insert_intrusion / len(intruders) if intruders else 0.0
        head, tail = s[:i], s[i:]
        scale = base * (first if i == 0 else 1.0)
        edge = i == 0 or i == len(s) or "." in (s[i - 1], s[i])
        for c in LDH:
            if c == "-" and edge:
                continue
            kernel = sum(r.get(c, 0.0) for r in rows) / len(rows) if rows else 0.0
            p = keyed * kernel + uniform + (intrusion if c in intruders else 0.0)
            yield head + c + tail, scale * p


def replacements(
    s: str, rate: float, m: Model, t: Tables, first: float
) -> Iterator[tuple[str, float]]:
    """Replace character i by c: rate·θ_sub·φ·[(1−w)·g_sub(c|a) + w·intrusion(c)].

    g_sub mixes the key kernel, phonetic, visual and uniform terms; the intrusion term spreads
    ``sub_intrusion`` over the other letters of the word within ``intrusion_window`` (``goggle``,
    ``twiiter``: a letter of the word typed in the wrong place).
    """
    base = rate * m.theta_substitution
    for i, a in enumerate(s):
        if a == ".":
            continue
        head, tail = s[:i], s[i + 1 :]
        scale = base * (first if i == 0 else 1.0)
        intruders = _intruders(s, i, m.intrusion_window, exclude=a)
        intrusion = m.sub_intrusion / len(intruders) if intruders else 0.0
        own = 1.0 - m.sub_intrusion if intruders else 1.0
        for c, g in t.substitution.get(a, _FALLBACK_ROW).items():
            if c != a:
                p = own * g + (intrusion if c in intruders else 0.0)
                yield head + c + tail, scale * p


def transpositions(s: str, rate: float, m: Model, first: float) -> Iterator[tuple[str, float]]:
    """Swap characters i and i+1: rate·θ_tr·φ·(1+γ·[different hands])/(1+γ/2)."""
    base = rate * m.theta_transposition / (1.0 + m.cross_hand_boost / 2)
    for i in range(len(s) - 1):
        a, b = s[i], s[i + 1]
        if a == b or "." in (a, b):
            continue
        boost = 1.0 + m.cross_hand_boost if crosses_hands(a, b) else 1.0
        yield s[:i] + b + a + s[i + 2 :], base * boost * (first if i == 0 else 1.0)
