"""Recall of user-typed slips: each observed slip ``word → typed`` ranked among ``word.com``'s
candidates, cross-validated by word for the fitted channel.

The repository's real typo rows (:mod:`tests.permute.recall`) are registrations: what squatters
bought. This measures what fingers do, on data the tuning half never saw:

- ``aalto``: the single-edit words left wrong in copy-typed sentences (the 136M Keystrokes
  study, ``aalto_word_errors.tsv``), words of 4 letters or more, each weighted by how often it
  was typed so. The fitted channel is fitted on this corpus, so it is refitted
  (:func:`typorisk.permute.fit.fit_all`) five times, each time without one fold of intended
  words (:func:`typorisk.permute.fitparts.fold_of`), and a word is ranked under the fit that
  never saw it nor the first wrong keystrokes in any of its letter contexts;
- ``typos``: single edits of the typos crate's list (code and prose, ``events_single_edit.tsv``,
  source ``typos_words``), a fixed 1-in-25 sample of its words by hash: no channel is fitted on
  it, so every model is scored on all of it.

Recall at K: the share of slips (weighted) whose ``typed.com`` is among the K most likely
candidates of ``word.com``, as ``typorisk permute word.com`` lists them (no ``--top``), per kind
(the kinds of :mod:`tests.permute.rowkind`). A model is ``hand``, ``fitted`` or either with
overrides: ``fitted:insert_uniform=0.2,theta_insertion=0.3`` (applied on top of each fold's fit).

Run: .venv/bin/python -m tests.permute.keystroke_eval [--data DIR] [--model SPEC ...]
     [--set aalto|typos]   (DIR: the corpora of typorisk/data/SOURCES.md; about a minute a
     model and set on two cores)
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from typorisk.permute import channel, likelihood
from typorisk.permute.fit import Report, fit_all
from typorisk.permute.fitparts import FOLDS, align, fold_of
from typorisk.permute.generate import permute_domains
from typorisk.permute.likelihood import DEFAULT_MODEL, Model

DATA = Path(os.environ.get("TYPING_DATA", "/work/shared/data/typing"))
CUTOFFS = (10, 50, 100)
KIND_NAMES = {"substitution": "replacement"}
"""The fit's kind names as :mod:`tests.permute.rowkind` names them."""
MIN_LETTERS = 4
TYPOS_SAMPLE = 25


@dataclass(frozen=True, slots=True)
class Slip:
    """One observed single-edit slip: ``typed`` for ``word``, ``weight`` times."""

    word: str
    typed: str
    kind: str
    weight: float


def _slip(word: str, typed: str, weight: float) -> Slip | None:
    if len(word) < MIN_LETTERS or not (word.isascii() and word.isalpha() and typed.isalpha()):
        return None
    found = align(word, typed)
    if found is None:
        return None
    kind = found[0]
    return Slip(word, typed, KIND_NAMES.get(kind, kind), weight)


def aalto_slips(data: Path) -> list[Slip]:
    """Single-edit slips of ``aalto_word_errors.tsv`` (words of :data:`MIN_LETTERS` or more)."""
    out = []
    with (data / "aalto_word_errors.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            slip = _slip(row["intended"].lower(), row["typed"].lower(), float(row["count"]))
            if slip is not None:
                out.append(slip)
    return out


def typos_slips(data: Path) -> list[Slip]:
    """Single edits of the typos crate's list in ``events_single_edit.tsv``, words whose hash
    falls in a fixed 1-in-:data:`TYPOS_SAMPLE` sample (one event per word pair)."""
    seen: dict[tuple[str, str], Slip] = {}
    with (data / "events_single_edit.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["source"] != "typos_words":
                continue
            word, typed = row["intended_word"].lower(), row["typed_word"].lower()
            if hashlib.sha256(word.encode()).digest()[1] % TYPOS_SAMPLE:
                continue
            slip = _slip(word, typed, 1.0)
            if slip is not None:
                seen.setdefault((word, typed), slip)
    return list(seen.values())


@contextlib.contextmanager
def fitted_table(doc: Mapping[str, object]) -> Iterator[None]:
    """Make ``doc`` the fitted channel's table for the duration (a fold's refit), clearing every
    cache derived from the shipped table on the way in and out."""
    caches = (
        channel.qwerty_pairs,
        channel.pair_rows,
        likelihood.fitted_values,
        likelihood.tables_for,
    )
    for cached in caches:
        cached.cache_clear()
    with (
        mock.patch.object(channel, "fitted", lambda: doc),
        mock.patch.object(likelihood, "fitted", lambda: doc),
    ):
        try:
            yield
        finally:
            for cached in caches:
                cached.cache_clear()


def model_of(spec: str) -> Model:
    """``hand``/``fitted``, optionally ``:NAME=VALUE,...``, as a model (under the current
    fitted table)."""
    name, _, rest = spec.partition(":")
    overrides: dict[str, object] = {"channel": name}
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        overrides[key] = value
    return DEFAULT_MODEL.with_overrides(overrides)


def ranks(model: Model, words: list[str]) -> dict[str, dict[str, int]]:
    """word → (typed label → rank from 1) among ``word.com``'s candidates under ``model``."""
    out = {}
    for word, domains in zip(
        words, permute_domains([f"{w}.com" for w in words], model=model), strict=True
    ):
        out[word] = {d[:-4]: i for i, d in enumerate(domains, 1) if d.endswith(".com")}
    return out


@functools.cache
def fold_fit(data: Path, held: frozenset[str]) -> Mapping[str, object]:
    """The fit without the words ``held`` (cached: every spec of a run shares a fold's fit)."""
    return fit_all(data, Report(quiet=True), held)


def rank_slips(spec: str, slips: list[Slip], data: Path, cross: bool) -> list[int | None]:
    """The rank of each slip under ``spec``; ``cross``: a fitted spec is refitted per fold
    without that fold's words (``fitted`` specs only; ``hand`` has nothing fitted)."""
    got: dict[tuple[str, str], int | None] = {}
    if cross and spec.startswith("fitted"):
        for f in range(FOLDS):
            held = sorted({s.word for s in slips if fold_of(s.word) == f})
            doc = fold_fit(data, frozenset(held))
            with fitted_table(doc):
                table = ranks(model_of(spec), held)
            for s in slips:
                if fold_of(s.word) == f:
                    got[s.word, s.typed] = table[s.word].get(s.typed)
    else:
        words = sorted({s.word for s in slips})
        table = ranks(model_of(spec), words)
        for s in slips:
            got[s.word, s.typed] = table[s.word].get(s.typed)
    return [got[s.word, s.typed] for s in slips]


def recall_table(slips: list[Slip], by_model: dict[str, list[int | None]]) -> list[str]:
    """Per kind (and ``ALL``): weighted slips, then recall at :data:`CUTOFFS` per model."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(slips):
        groups[s.kind].append(i)
        groups["ALL"].append(i)
    heads = "".join(f"{'@' + str(k):>6}" for k in CUTOFFS)
    lines = [f"{'kind':14} {'slips':>6}  " + "   ".join(f"{m[:18]:>18}" for m in by_model)]
    lines.append(f"{'':14} {'':>6}  " + "   ".join(f"{heads:>18}" for _ in by_model))
    for kind in sorted(groups, key=lambda k: (k == "ALL", k)):
        idx = groups[kind]
        total = sum(slips[i].weight for i in idx)
        cells = []
        for got in by_model.values():
            shares = [
                sum(slips[i].weight for i in idx if (r := got[i]) is not None and r <= k) / total
                for k in CUTOFFS
            ]
            cells.append("".join(f"{x:6.1%}" for x in shares))
        lines.append(f"{kind:14} {total:6.0f}  " + "   ".join(f"{c:>18}" for c in cells))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA, help="directory of the corpora")
    parser.add_argument("--model", action="append", help="hand, fitted, fitted:NAME=VALUE,...")
    parser.add_argument("--set", dest="sets", action="append", choices=("aalto", "typos"))
    args = parser.parse_args()
    specs = args.model or ["hand", "fitted"]
    for name in args.sets or ["aalto", "typos"]:
        slips = aalto_slips(args.data) if name == "aalto" else typos_slips(args.data)
        cross = name == "aalto"
        by_model = {spec: rank_slips(spec, slips, args.data, cross) for spec in specs}
        how = "fitted specs refitted per fold by word" if cross else "not fitted on: no refit"
        print(f"{name}: {len(slips)} slip pairs, recall within the top K of word.com ({how})")
        print("\n".join(recall_table(slips, by_model)))


if __name__ == "__main__":
    main()
