"""Recall on documented real typo domains (tests/data/real_typos.csv, each row with its source).

The set is split once, by target, into a tuning half and a test half (``tests/permute/split.py``:
a hash of the target; written out in ``tests/data/real_typos_split.csv``). Model priors may be
fitted on the tuning half only (``tests/permute/tune.py``); the test half is what is reported.
Run with ``-s`` to see the tuning half's table (``python -m tests.permute.recall --test-half``
reports the test half, once per model).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.permute import recall, rowkind, tune
from tests.permute.split import HALVES, half_of, half_rows, rows, split_file
from tests.permute.svgplot import line_plot


def test_dataset_is_well_formed() -> None:
    data = rows()
    assert len(data) >= 100
    assert all(r["source"].strip() and r["target"] != r["typo"] for r in data)
    assert len({(r["target"], r["typo"]) for r in data}) == len(data)
    assert sum(r["single_edit"] == "yes" for r in data) >= 100


# Labelled by hand before rowkind.py existed: one-bit flips that the sources call misspellings.
HAND_LABELLED = {("facebook.com", "fagebook.com"), ("google.com", "goggle.com")}


def test_every_row_is_labelled_by_the_documented_rule() -> None:
    wrong = [
        (r["target"], r["typo"], r["kind"], rowkind.classify(r["target"], r["typo"]))
        for r in rows()
        if (r["target"], r["typo"]) not in HAND_LABELLED
        and rowkind.classify(r["target"], r["typo"]) != (r["kind"], r["single_edit"])
    ]
    assert not wrong, wrong
    assert rowkind.classify("yahoo.com", "yahpo.org") == ("other", "no")  # a typo plus a new TLD
    assert rowkind.classify("target.com", "ta4rget.com") == ("insertion", "yes")


def test_the_split_is_the_documented_hash_rule_and_covers_every_target() -> None:
    split = split_file()
    assert set(split) == {r["target"] for r in rows()}
    assert all(half == half_of(target) for target, half in split.items())
    sizes = {h: len(half_rows(h)) for h in HALVES}
    assert min(sizes.values()) > 0.35 * len(rows()), sizes  # two real halves, not one and a crumb


def test_recall_per_kind_on_the_tuning_half() -> None:
    print("\n" + recall.table("tune"))
    for half in HALVES:
        single = [r for r in half_rows(half) if r["single_edit"] == "yes"]
        generated = sum(recall.rank_of(r) is not None for r in single) / len(single)
        assert generated >= 0.97, f"{half}: single-edit rows generated {generated:.1%}"
    tune_single = [r for r in half_rows("tune") if r["single_edit"] == "yes"]
    top100 = recall.recall_at(tune_single, 100)
    # A regression guard on the half the model may be shaped on (the default, hand-set channel:
    # 54.5%, 97 of 178 rows; the opt-in fitted channel: 56.2%);
    # the test half is reported once per model (python -m tests.permute.recall --test-half),
    # not read by the suite. The goal (75% on the test half) is not reached: README.
    assert top100 >= 0.54, f"tuning half single-edit top-100 recall {top100:.1%}"


def test_the_recall_plot_is_valid_svg() -> None:
    svg = line_plot("t", recall.CUTOFFS, {"a": [0.1, 0.2, 0.5, 0.7, 1.0], "b": [0, 0, 0, 0, 0]})
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2


def test_slot_yield_counts_every_listed_candidate_and_every_ranked_row() -> None:
    single = [r for r in half_rows("tune") if r["single_edit"] == "yes"]
    bands = recall.slot_yield("tune")
    for lo, hi in recall.BANDS:
        slots = sum(n for _, n in bands[lo, hi].values())
        want = sum(
            max(0, min(hi, len(recall.single_ranks(t))) - lo + 1)
            for t in {r["target"] for r in single}
        )
        assert slots == want, (lo, hi)
    within_100 = sum(h for band in recall.BANDS[:2] for h, _ in bands[band].values())
    assert within_100 == round(recall.recall_at(single, 100) * len(single))


def test_em_weights_recover_a_known_mixture() -> None:
    # rows drawn 3:1 from two parts that never overlap: the ML weights are 0.75 and 0.25
    data = [[1.0, 0.0]] * 30 + [[0.0, 1.0]] * 10 + [[0.0, 0.0]]
    weights = tune.em_weights(data)
    assert abs(weights[0] - 0.75) < 1e-9 and abs(weights[1] - 0.25) < 1e-9
    ins, sub = tune.mixture_rows(
        [{"target": "google.com", "typo": "gooigle.com", "kind": "insertion"},
         {"target": "google.com", "typo": "goigle.com", "kind": "replacement"}]
    )  # fmt: skip
    assert len(ins) == len(sub) == 1
    assert ins[0][0] > ins[0][2] > 0  # i is next to o: the near-key part explains it best
    assert sub[0][1] > 0  # o -> i is a vowel swap (phonetic)
