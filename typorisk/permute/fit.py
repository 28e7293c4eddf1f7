"""Fit the typing channel to observed keyboard slips and write the table the package ships.

Run: ``python tools/fit_typing.py --data DIR [--out typorisk/data/typing_channel.json]``
with ``DIR`` holding ``aalto_word_errors.tsv`` and ``aalto_first_errors.tsv`` (the 136M
Keystrokes study; see ``typorisk/data/SOURCES.md``) and optionally ``kcg1990/subconfusion.data``.
Deterministic: the same files give the same table, byte for byte.

What is fitted, each factor by maximum likelihood on its own events (the channel factorises):

- kinds: the share of substitutions, omissions, insertions (doubling apart) and transpositions
  among single-edit errors of words left wrong (``aalto_word_errors.tsv``);
- positions: per kind, the weight of the first and the last position of a word against a middle
  one (a position's probability is its weight over the word's sum of weights), with the omission
  of one of a doubled pair and a transposition across hands as further factors;
- insertions: a mixture over the inserted key: near the previous key, near the following key, a
  letter of the word nearby (intrusion), or any key;
- substitutions: (intended, typed) key pairs from the first wrong keystrokes
  (``aalto_first_errors.tsv``), smoothed towards the Gaussian key kernel with a Dirichlet
  strength α chosen by cross-validation, mixed with an intrusion term.

Cross-validation: 5 folds by intended word (by intended key and context for the pair table):
held-out log-likelihood per event of the fitted factors against the literature priors, and the
data's neighbour, insertion-side and position shares beside what the fitted model predicts.
Only aggregate numbers are written; no row of the corpora is shipped.
"""

from __future__ import annotations

import ast
import csv
import hashlib
import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from typorisk.permute.keyboards import LDH, crosses_hands, key_kernel

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


@dataclass
class Report:
    """What the fit prints beside the table."""

    lines: list[str] = field(default_factory=list)

    def say(self, text: str) -> None:
        self.lines.append(text)
        print(text)


def _cv(
    keys: list[str], fit: Callable[[list[int]], object], score: Callable[[object, list[int]], float]
) -> list[float]:
    """Held-out scores of ``fit`` over :data:`FOLDS` folds of items keyed by ``keys``."""
    out = []
    for f in range(FOLDS):
        train = [i for i, k in enumerate(keys) if fold_of(k) != f]
        test = [i for i, k in enumerate(keys) if fold_of(k) == f]
        out.append(score(fit(train), test))
    return out


def fit_positions_per_kind(events: list[Event], report: Report) -> dict[str, dict[str, float]]:
    """:func:`fit_positions` for each kind, with its cross-validation and shares reported."""
    positions: dict[str, dict[str, float]] = {}
    report.say("position shares first/mid/last, data vs model; log-lik per event:")
    for kind in KINDS:
        mine = [e for e in events if e.kind == kind]
        positions[kind] = fit_positions(mine)

        def score(p: object, idx: list[int], mine: list[Event] = mine) -> float:
            assert isinstance(p, dict)
            ll, n = position_loglik([mine[i] for i in idx], p)
            return ll / max(n, 1)

        def fit_p(idx: list[int], mine: list[Event] = mine) -> object:
            return fit_positions([mine[i] for i in idx])

        held = sum(_cv([e.word for e in mine], fit_p, score)) / FOLDS
        every = list(range(len(mine)))
        flat = score({"first": 1.0, "last": 1.0, "extra": 1.0}, every)
        data_s, model_s = position_shares(mine, None), position_shares(mine, positions[kind])
        factors = " ".join(f"{k}={v:.2f}" for k, v in positions[kind].items())
        report.say(
            f"  {kind:13} data {data_s['first']:.1%}/{data_s['mid']:.1%}/{data_s['last']:.1%}"
            f"  model {model_s['first']:.1%}/{model_s['mid']:.1%}/{model_s['last']:.1%}"
            f"  {factors}; uniform {flat:.3f}, fitted in-sample"
            f" {score(positions[kind], every):.3f}, held-out {held:.3f}"
        )
    return positions


def _side(left: str, right: str, c: str, kernel: dict[str, dict[str, float]]) -> str:
    """``prev``, ``next``, ``both`` or ``other``: which neighbour keys ``c`` touches."""
    near_l = left in kernel and neighbour(left, c, kernel)
    near_r = right in kernel and neighbour(right, c, kernel)
    return "both" if near_l and near_r else "prev" if near_l else "next" if near_r else "other"


def insertion_sides(
    inserts: list[Event], kernel: dict[str, dict[str, float]], mix: list[float] | None
) -> dict[str, float]:
    """Weight of the insertions by the keys they touch: as observed (``mix`` None), or as the
    mixture ``mix`` predicts over every LDH key in the same gaps of the same words."""
    sides: dict[str, float] = defaultdict(float)
    for e in inserts:
        left, right = e.word[e.pos - 1 : e.pos], e.word[e.pos : e.pos + 1]
        if mix is None:
            sides[_side(left, right, e.char, kernel)] += e.weight
            continue
        for c in LDH:
            p = mixture_prob(insertion_parts(Event(e.word, e.kind, e.pos, c, 1.0), kernel), mix)
            sides[_side(left, right, c, kernel)] += e.weight * p
    return sides


def fit_insertions(
    events: list[Event], kernel: dict[str, dict[str, float]], report: Report
) -> list[float]:
    """The insertion mixture (:data:`INSERT_PARTS`), cross-validated, with the sides reported."""
    inserts = [e for e in events if e.kind == "insertion"]
    rows = [(insertion_parts(e, kernel), e.weight) for e in inserts]
    mix = fit_mixture(rows, len(INSERT_PARTS))

    def score(w: object, idx: list[int]) -> float:
        assert isinstance(w, list)
        got = [rows[i][1] * math.log(mixture_prob(rows[i][0], w)) for i in idx]
        return sum(got) / max(sum(rows[i][1] for i in idx), 1)

    def fit_w(idx: list[int]) -> object:
        return fit_mixture([rows[i] for i in idx], len(INSERT_PARTS))

    held = sum(_cv([e.word for e in inserts], fit_w, score)) / FOLDS
    every = list(range(len(rows)))
    prior = [0.25, 0.25, 0.4, 0.1]  # the literature prior: near keys 0.5, intrusion, uniform
    weights = ", ".join(f"{p} {w:.3f}" for p, w in zip(INSERT_PARTS, mix, strict=True))
    report.say(
        f"insertion mixture: {weights}; log-lik per event held-out {held:.3f},"
        f" in-sample {score(mix, every):.3f}, literature prior {score(prior, every):.3f}"
    )
    doubled = sum(e.weight for e in events if e.kind == "repetition")
    for label, sides in (
        ("data", insertion_sides(inserts, kernel, None)),
        ("model", insertion_sides(inserts, kernel, mix)),
    ):
        total = sum(sides.values()) + doubled
        cells = ", ".join(f"near {k} {sides[k] / total:.1%}" for k in ("prev", "next", "both"))
        report.say(
            f"insertions ({label}): {cells}, doubled {doubled / total:.1%},"
            f" other {sides['other'] / total:.1%}"
        )
    return mix


def fit_pairs(
    data: Path,
    kernel: dict[str, dict[str, float]],
    word_subs: list[tuple[str, str]],
    report: Report,
) -> tuple[float, dict[str, dict[str, float]]]:
    """(α, the key-pair table): α by cross-validation on the first wrong keystrokes, the table
    then checked on the substitutions of the words left wrong, against KCG 1990's matrix."""
    pairs = pair_events(data / "aalto_first_errors.tsv")
    contexts = [c for _, _, c in pairs]
    plain = [(a, b) for a, b, _ in pairs]
    best_alpha, best_ll = ALPHAS[0], -math.inf
    for alpha in ALPHAS:

        def fit_t(idx: list[int], alpha: float = alpha) -> object:
            return pair_table([plain[i] for i in idx], alpha, kernel)

        def score_t(t: object, idx: list[int]) -> float:
            assert isinstance(t, dict)
            return pair_loglik([plain[i] for i in idx], t)

        ll = sum(_cv(contexts, fit_t, score_t)) / FOLDS
        report.say(f"substitution pairs α={alpha:<5g} held-out log-lik per event {ll:.3f}")
        if ll > best_ll:
            best_alpha, best_ll = alpha, ll
    table = pair_table(plain, best_alpha, kernel)
    flat = pair_table([], 1.0, kernel)  # the prior alone: kernel with its uniform floor
    line = (
        f"  chosen α={best_alpha:g}; on the word errors' substitutions: fitted table"
        f" {pair_loglik(word_subs, table):.3f}, key kernel {pair_loglik(word_subs, flat):.3f}"
    )
    kcg = data / "kcg1990" / "subconfusion.data"
    if kcg.exists():
        kcg_table = pair_table(kcg_pairs(kcg), best_alpha, kernel)
        line += f", KCG 1990 table {pair_loglik(word_subs, kcg_table):.3f}"
    report.say(line)
    n = max(len(word_subs), 1)
    hits = sum(neighbour(a, b, kernel) for a, b in word_subs) / n
    model = sum(
        sum(p for b, p in table[a].items() if neighbour(a, b, kernel)) for a, _ in word_subs
    )
    chance = sum(sum(neighbour(a, b, kernel) for b in LDH if b != a) / 25 for a, _ in word_subs)
    report.say(
        f"substitutions hitting a neighbour: data {hits:.1%}, model {model / n:.1%},"
        f" random letters {chance / n:.1%}"
    )
    return best_alpha, table


def fit_all(data: Path, report: Report) -> dict[str, object]:
    """Every fitted factor, its cross-validation and the data-vs-model shares."""
    kernel = key_kernel("qwerty", SIGMA)
    events = word_events(data / "aalto_word_errors.tsv")
    weight = sum(e.weight for e in events)
    kind_w: dict[str, float] = defaultdict(float)
    for e in events:
        kind_w[e.kind] += e.weight
    theta = {k: kind_w[k] / weight for k in KINDS}
    report.say(f"single-edit errors: {weight:.0f} ({len(events)} word pairs)")
    report.say("kinds: " + ", ".join(f"{k} {v:.1%}" for k, v in theta.items()))
    positions = fit_positions_per_kind(events, report)
    mix = fit_insertions(events, kernel, report)
    rep_share = kind_w["repetition"] / (kind_w["repetition"] + kind_w["insertion"])
    word_subs = [(e.word[e.pos], e.char) for e in events if e.kind == "substitution"]
    alpha, table = fit_pairs(data, kernel, word_subs, report)
    sub_rows: list[tuple[list[float | None], float]] = []
    for e in events:
        if e.kind == "substitution":
            near = intruders(e.word, e.pos, exclude=e.word[e.pos])
            own = table[e.word[e.pos]].get(e.char, 0.0)
            intrusion = (1.0 / len(near) if e.char in near else 0.0) if near else None
            sub_rows.append(([own, intrusion], e.weight))
    sub_mix = fit_mixture(sub_rows, 2)
    report.say(f"substitution intrusion share: {sub_mix[1]:.3f}")
    return {
        "model": model_defaults(theta, rep_share, positions, mix, sub_mix[1]),
        "theta": {k: round(v, 4) for k, v in theta.items()},
        "alpha": alpha,
        "sigma": SIGMA,
        "floor": FLOOR,
        "substitution": {
            a: {b: float(f"{p:.4g}") for b, p in row.items()} for a, row in table.items()
        },
    }


KEYED_SHARE = 0.95
"""Part of all slips that are the four keyed kinds; the rest is the dot and hyphen slips the
corpora cannot see (``theta_missing_dot`` 0.03 + ``theta_hyphen`` 0.02, priors)."""


def model_defaults(
    theta: dict[str, float],
    rep_share: float,
    positions: dict[str, dict[str, float]],
    mix: list[float],
    sub_intrusion: float,
) -> dict[str, float]:
    """The :class:`~typorisk.permute.likelihood.Model` defaults this fit implies (rounded down
    to 4 decimals, so the keyed θ sum to at most :data:`KEYED_SHARE`)."""

    def down(x: float) -> float:
        return math.floor(x * 10_000) / 10_000

    out = {
        "theta_substitution": down(KEYED_SHARE * theta["substitution"]),
        "theta_omission": down(KEYED_SHARE * theta["omission"]),
        "theta_insertion": down(KEYED_SHARE * (theta["insertion"] + theta["repetition"])),
        "theta_transposition": down(KEYED_SHARE * theta["transposition"]),
        "repetition_share": round(rep_share, 4),
        "doubled_boost": round(positions["omission"]["extra"] - 1.0, 3),
        "cross_hand_boost": round(positions["transposition"]["extra"] - 1.0, 3),
        "sub_intrusion": round(sub_intrusion, 4),
    }
    for name, weight in zip(INSERT_PARTS, mix, strict=True):
        out[f"insert_{name}"] = round(weight, 4)
    for kind, p in positions.items():
        out[f"first_{kind}"] = round(p["first"], 3)
        out[f"last_{kind}"] = round(p["last"], 3)
    return out


def write_table(data: Path, out: Path | None) -> list[str]:
    """Fit on the corpora in ``data``; write the table to ``out`` (JSON, deterministic) when
    given. Returns the report lines (also printed)."""
    report = Report()
    table = fit_all(data, report)
    if out is not None:
        doc = {"fit": "python tools/fit_typing.py", "report": report.lines, **table}
        out.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return report.lines
