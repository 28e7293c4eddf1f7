"""The fixed split of tests/data/real_typos.csv into a tuning half and a test half, by target.

A target's half is decided by the first 8 hex digits of the SHA-256 of its name: even → ``tune``,
odd → ``test``. Every row of a target falls in the same half, so no brand is seen in both. The
split is written out in ``tests/data/real_typos_split.csv`` (checked against this rule by
``test_recall.py``); rows added later land in the half of their target by the same rule. Model
priors may be fitted on the tuning half only (``tests/permute/tune.py``); the test half measures.

Run: .venv/bin/python -m tests.permute.split   (rewrites the split file from the rule, after rows
of new targets were added to the data set; existing targets keep their half, as the rule is fixed)
"""

from __future__ import annotations

import csv
import hashlib
from functools import cache
from pathlib import Path

DATA = Path(__file__).parents[1] / "data"
ROWS = DATA / "real_typos.csv"
SPLIT = DATA / "real_typos_split.csv"
HALVES = ("tune", "test")


def half_of(target: str) -> str:
    """``"tune"`` or ``"test"``: the half of ``target`` under the documented hash rule."""
    return "tune" if int(hashlib.sha256(target.encode()).hexdigest()[:8], 16) % 2 == 0 else "test"


@cache
def rows() -> tuple[dict[str, str], ...]:
    """Every row of the data set."""
    with ROWS.open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


@cache
def split_file() -> dict[str, str]:
    """target → half, as written in ``real_typos_split.csv``."""
    with SPLIT.open(encoding="utf-8", newline="") as handle:
        return {r["target"]: r["half"] for r in csv.DictReader(handle)}


def write_split() -> None:
    """Write ``real_typos_split.csv``: every target of the data set and its :func:`half_of`."""
    targets = sorted({r["target"] for r in rows()})
    with SPLIT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(("target", "half"))
        writer.writerows((t, half_of(t)) for t in targets)


def half_rows(half: str) -> list[dict[str, str]]:
    """The rows whose target is in ``half`` according to the split file."""
    split = split_file()
    return [r for r in rows() if split[r["target"]] == half]


if __name__ == "__main__":
    write_split()
