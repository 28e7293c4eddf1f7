"""Recall of real typo domains (tests/data/real_typos.csv) per half of the fixed split, per kind.

Recall at a cut-off K: the share of rows whose typo is among the K most likely candidates of its
target. Single-edit rows are ranked as ``typorisk permute TARGET`` lists them (no ``--top``, so
no two-edit typos); multi-edit rows as ``typorisk permute TARGET --top 500`` does (two-edit
typos compete for the 500). Used by ``test_recall.py``, and as a script it prints the tables and
writes the plot:

Run: .venv/bin/python -m tests.permute.recall [--svg docs/recall.svg] [--slots] [--test-half]
(``--slots``: the yield of each rank band per kind on the *tuning* half, :func:`slot_yield`.
Without ``--test-half`` only the tuning half is read: the test half is reported once, when a
model is final, not looked at while it is being shaped.)
(``PYTHONPATH=/tmp/before`` measures an older tree the same way, for before/after figures.)
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from functools import cache
from pathlib import Path

from tests.permute.split import HALVES, half_rows
from tests.permute.svgplot import line_plot
from typorisk import permute

CUTOFFS = (10, 50, 100, 200, 500)
MULTI_TOP = 500
BANDS = ((1, 50), (51, 100), (101, 200), (201, 400))
"""Rank bands (inclusive, from 1) of :func:`slot_yield`."""


@cache
def single_ranks(target: str) -> dict[str, int]:
    """domain → rank (from 1) in the full list of ``target``."""
    return {c.domain: i for i, c in enumerate(permute([target]), start=1)}


@cache
def multi_ranks(target: str) -> dict[str, int]:
    """domain → rank in ``permute([target], top=500)`` (two-edit typos compete)."""
    return {c.domain: i for i, c in enumerate(permute([target], top=MULTI_TOP), start=1)}


def rank_of(row: dict[str, str]) -> int | None:
    """The row's rank under its own rule (single- or multi-edit), or None when not listed."""
    ranks = single_ranks if row["single_edit"] == "yes" else multi_ranks
    return ranks(row["target"]).get(row["typo"])


def recall_at(rows: list[dict[str, str]], cutoff: int) -> float:
    """Share of ``rows`` ranked within ``cutoff`` (0 for no rows)."""
    if not rows:
        return 0.0
    return sum((r := rank_of(row)) is not None and r <= cutoff for row in rows) / len(rows)


TABLE_CUTOFFS = (10, 50, 100, 200)
"""The cut-offs of the per-kind table."""


def per_kind(rows: list[dict[str, str]]) -> dict[str, tuple[int, float, list[float]]]:
    """kind → (rows, generated at all, recall at each of :data:`TABLE_CUTOFFS`)."""
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[row["kind"]].append(row)
        groups["ALL single-edit" if row["single_edit"] == "yes" else "ALL multi-edit"].append(row)
    out = {}
    for kind, members in sorted(groups.items()):
        made = sum(rank_of(r) is not None for r in members) / len(members)
        out[kind] = (len(members), made, [recall_at(members, k) for k in TABLE_CUTOFFS])
    return out


def table(half: str) -> str:
    """The per-kind recall table of one half, as text (multi-edit rows ranked in the top 500
    with two-edit typos competing, single-edit rows in the full list)."""
    heads = "".join(f"{'top' + str(k):>7}" for k in TABLE_CUTOFFS)
    lines = [f"{half} half: {'kind':20} {'rows':>5} {'made':>7}{heads}"]
    for kind, (n, made, recalls) in per_kind(half_rows(half)).items():
        cells = "".join(f"{r:7.1%}" for r in recalls)
        lines.append(f"{'':11}{kind:20} {n:5d} {made:7.1%}{cells}")
    return "\n".join(lines)


def slot_yield(half: str) -> dict[tuple[int, int], dict[str, tuple[int, int]]]:
    """band → first kind → (real single-edit rows of ``half`` ranked there, candidates there).

    Summed over the half's targets. When the last bands inside the top 100 and the first bands
    after it yield about the same share per candidate for every kind, giving one kind more of
    the top 100 (a larger θ, a per-kind budget) only trades its rows for another kind's.
    """
    single = [r for r in half_rows(half) if r["single_edit"] == "yes"]
    real = {(r["target"], r["typo"]) for r in single}
    out: dict[tuple[int, int], dict[str, tuple[int, int]]] = {b: {} for b in BANDS}
    for target in sorted({r["target"] for r in single}):
        for rank, cand in enumerate(permute([target]), start=1):
            for band in BANDS:
                if band[0] <= rank <= band[1]:
                    hits, slots = out[band].get(cand.kinds[0], (0, 0))
                    hit = (target, cand.domain) in real
                    out[band][cand.kinds[0]] = (hits + hit, slots + 1)
    return out


def slot_table(half: str) -> str:
    """:func:`slot_yield` as text: one line per band, kinds with the most candidates first."""
    lines = [f"{half} half: real rows / candidates, per rank band and first kind"]
    for (lo, hi), kinds in slot_yield(half).items():
        cells = sorted(kinds.items(), key=lambda kv: -kv[1][1])
        text = ", ".join(f"{k} {h}/{n}" for k, (h, n) in cells if n >= 5 or h)
        lines.append(f"  ranks {lo}-{hi}: {text}")
    return "\n".join(lines)


def curves(halves: tuple[str, ...] = HALVES) -> dict[str, list[float]]:
    """Single-edit recall at each of :data:`CUTOFFS`, per half."""
    return {
        half: [recall_at([r for r in half_rows(half) if r["single_edit"] == "yes"], k)
               for k in CUTOFFS]
        for half in halves
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--svg", type=Path, help="write the recall-vs-cut-off plot here")
    parser.add_argument("--slots", action="store_true", help="rank-band yield, tuning half only")
    parser.add_argument("--test-half", action="store_true", help="also report the test half")
    args = parser.parse_args()
    if args.slots:
        print(slot_table("tune"))
    halves = HALVES if args.test_half else ("tune",)
    for half in halves:
        print(table(half))
    data = curves(halves)
    for half, values in data.items():
        cells = ", ".join(f"top {k}: {v:.1%}" for k, v in zip(CUTOFFS, values, strict=True))
        print(f"single-edit recall, {half} half: {cells}")
    if args.svg:
        args.svg.write_text(
            line_plot(
                "Real single-edit typos within their target's top K",
                CUTOFFS,
                {f"{h} half" if h == "test" else "tuning half": v for h, v in data.items()},
            ),
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
