"""The keystroke-slip evaluation: slips read and classified, ranks as permute lists them, and a
fold's refit that never sees its held-out words."""

from __future__ import annotations

from pathlib import Path

from tests.permute import keystroke_eval as ke
from typorisk import permute
from typorisk.permute import channel
from typorisk.permute.fit import Report, fit_all
from typorisk.permute.likelihood import DEFAULT_MODEL


def _corpus(tmp: Path) -> None:
    words = ["intended\ttyped\tcount"]
    words += ["google\tgogle\t3", "google\tgoogel\t1", "hotmail\thotmaikl\t2", "the\tteh\t9"]
    words += ["sand\tsanf\t1", "mass\tmaas\t5", "fast\tfas\t4", "last\tlas\t4", "dog\tdogh\t6"]
    for word in ("sad", "cart", "loft", "mint", "pond", "rest", "wave", "jump"):
        words += [f"{word}\t{word}{word[-1]}\t1", f"{word}\t{word[0]}x{word[1:]}\t1"]
        words += [f"{word}\t{word[:-1]}q\t1", f"{word}\t{word[1:]}\t1"]
    (tmp / "aalto_word_errors.tsv").write_text("\n".join(words) + "\n", encoding="utf-8")
    first = ["kind\tintended\ttyped\tprev\tnext_intended\tpos_in_word\tword_len"]
    first += ["sub\ts\ta\tm\ts\t2\t4"] * 20 + ["sub\to\ti\tg\to\t1\t6"] * 40
    (tmp / "aalto_first_errors.tsv").write_text("\n".join(first) + "\n", encoding="utf-8")


def test_slips_are_single_edits_of_words_of_four_letters_or_more(tmp_path: Path) -> None:
    _corpus(tmp_path)
    slips = {(s.word, s.typed): s for s in ke.aalto_slips(tmp_path)}
    assert ("the", "teh") not in slips  # too short for a domain label
    assert slips["google", "gogle"].kind == "omission"
    assert slips["google", "gogle"].weight == 3.0
    assert slips["hotmail", "hotmaikl"].kind == "insertion"
    assert slips["mass", "maas"].kind == "replacement"


def test_a_slip_has_the_rank_typorisk_permute_gives_it(tmp_path: Path) -> None:
    _corpus(tmp_path)
    slips = [s for s in ke.aalto_slips(tmp_path) if s.word in ("google", "hotmail")]
    got = ke.rank_slips("fitted", slips, tmp_path, cross=False)
    for slip, rank in zip(slips, got, strict=True):
        listed = [c.domain for c in permute([f"{slip.word}.com"])]
        assert rank == listed.index(f"{slip.typed}.com") + 1, slip
    hand = ke.rank_slips("hand:theta_omission=0.001", slips, tmp_path, cross=False)
    assert hand != got  # an override reaches the ranking


def test_a_folds_refit_leaves_its_words_and_their_contexts_out(tmp_path: Path) -> None:
    _corpus(tmp_path)
    whole = fit_all(tmp_path, Report(quiet=True))
    held = fit_all(tmp_path, Report(quiet=True), frozenset({"google", "hotmail"}))
    # the o → i keystrokes are typed after g before o: a context of "google", so left out
    assert whole["substitution"]["o"]["i"] > 2 * held["substitution"]["o"]["i"]  # type: ignore[index]
    assert held["theta"] != whole["theta"]
    shipped = ke.ranks(DEFAULT_MODEL, ["google"])
    with ke.fitted_table(held):
        assert channel.fitted() is held
        assert ke.ranks(ke.model_of("fitted"), ["google"]) != shipped
    assert channel.fitted() is not held  # the shipped table again, caches cleared
    assert ke.ranks(ke.model_of("fitted"), ["google"]) == shipped
