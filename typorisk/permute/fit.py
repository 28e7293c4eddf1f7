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
Only aggregate numbers are written; no row of the corpora is shipped. The readers, the
alignment and each factor's estimator are in :mod:`typorisk.permute.fitparts`.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from typorisk.permute.fitparts import (
    ALPHAS,
    FLOOR,
    FOLDS,
    INSERT_PARTS,
    KINDS,
    SIGMA,
    Event,
    fit_mixture,
    fit_positions,
    fold_of,
    insertion_parts,
    intruders,
    kcg_pairs,
    mixture_prob,
    neighbour,
    pair_events,
    pair_loglik,
    pair_table,
    position_loglik,
    position_shares,
    word_events,
)
from typorisk.permute.keyboards import LDH, key_kernel


@dataclass
class Report:
    """What the fit prints beside the table."""

    lines: list[str] = field(default_factory=list)
    quiet: bool = False
    """Keep the lines without printing them (cross-validation refits)."""

    def say(self, text: str) -> None:
        self.lines.append(text)
        if not self.quiet:
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
    held_contexts: frozenset[str] = frozenset(),
) -> tuple[float, dict[str, dict[str, float]]]:
    """(α, the key-pair table): α by cross-validation on the first wrong keystrokes, the table
    then checked on the substitutions of the words left wrong, against KCG 1990's matrix.
    Keystrokes whose (previous, intended, next) context is in ``held_contexts`` are left out."""
    pairs = [p for p in pair_events(data / "aalto_first_errors.tsv") if p[2] not in held_contexts]
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


def fit_all(
    data: Path, report: Report, held_out: frozenset[str] = frozenset()
) -> dict[str, object]:
    """Every fitted factor, its cross-validation and the data-vs-model shares.

    ``held_out``: intended words left out of the fit (an outer cross-validation): their errors,
    and the first wrong keystrokes in any (previous, intended, next) letter context of theirs."""
    kernel = key_kernel("qwerty", SIGMA)
    events = [e for e in word_events(data / "aalto_word_errors.tsv") if e.word not in held_out]
    contexts = frozenset(
        f"{w[i - 1] if i else ' '}{w[i]}{w[i + 1] if i + 1 < len(w) else end}"
        for w in held_out
        for i in range(len(w))
        for end in " .,"
    )
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
    alpha, table = fit_pairs(data, kernel, word_subs, report, contexts)
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
