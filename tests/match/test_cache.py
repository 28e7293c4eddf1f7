"""The candidate cache, and the build skipping the two-edit walk where rule (e) reaches."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typorisk import permute
from typorisk.match import MatchSettings, build_matcher
from typorisk.match.cache import PREFIX, cache_key, parse_cache

TARGETS = ["paypal.com", "pentagon.mil", "microsoft.com", "example.co.uk"]
SETTINGS = MatchSettings(top=100)
NAMES = ["paypa1.com", "rnicrosoft.com", "pentagnoo.mil", "exampel.co.uk", "weather.com",
         "microsfot-login.net", "paypal.net"]  # fmt: skip


def _files(directory: Path) -> list[Path]:
    return sorted(directory.glob(f"{PREFIX}*.json"))


def test_second_build_reads_the_cache_and_matches_the_same(tmp_path: Path) -> None:
    fresh = build_matcher(TARGETS, SETTINGS)
    first = build_matcher(TARGETS, SETTINGS, cache_dir=tmp_path)
    second = build_matcher(TARGETS, SETTINGS, cache_dir=tmp_path)
    assert not first.cached and second.cached
    assert len(_files(tmp_path)) == 1
    assert second._candidates == fresh._candidates
    assert second._candidate_labels == fresh._candidate_labels
    assert second.match_names(NAMES) == fresh.match_names(NAMES)
    assert any(h.rule == "candidate" for h in second.match_names(NAMES))


@pytest.mark.parametrize(
    "other",
    [
        (TARGETS[::-1], SETTINGS),  # order decides the target positions
        (TARGETS[:3], SETTINGS),
        (TARGETS, MatchSettings(top=50)),
        (TARGETS, MatchSettings(top=100, allow=frozenset({"paypa1.com"}))),
        (TARGETS, MatchSettings(top=100, max_distance=1)),  # the walk is not skipped
    ],
)
def test_anything_that_shapes_the_set_changes_the_key(tmp_path: Path, other) -> None:  # type: ignore[no-untyped-def]
    build_matcher(TARGETS, SETTINGS, cache_dir=tmp_path)
    targets, settings = other
    again = build_matcher(targets, settings, cache_dir=tmp_path)
    assert not again.cached
    assert again._candidates == build_matcher(targets, settings)._candidates
    assert len(_files(tmp_path)) == 2


def _tamper(doc: dict[str, object], how: str) -> str:
    part = doc["candidates"]
    assert isinstance(part, dict)
    if how == "index":
        part["where"][0] = 99  # no such target
    elif how == "detail":
        part["detail"][0] = -1
    elif how == "type":
        part["where"][0] = "0"
    elif how == "length":
        part["where"].pop()
    elif how == "targets":
        doc["targets"] = ["evil.com"] * 4
    return json.dumps(doc)


@pytest.mark.parametrize("how", ["index", "detail", "type", "length", "targets", "garbage"])
def test_a_damaged_cache_is_ignored_and_rewritten(tmp_path: Path, how: str) -> None:
    build_matcher(TARGETS, SETTINGS, cache_dir=tmp_path)
    (path,) = _files(tmp_path)
    text = path.read_text()
    path.write_text("{[not json" if how == "garbage" else _tamper(json.loads(text), how))
    again = build_matcher(TARGETS, SETTINGS, cache_dir=tmp_path)
    assert not again.cached
    assert path.read_text() == text  # rewritten whole
    assert build_matcher(TARGETS, SETTINGS, cache_dir=tmp_path).cached


def test_parse_refuses_another_key(tmp_path: Path) -> None:
    build_matcher(TARGETS, SETTINGS, cache_dir=tmp_path)
    (path,) = _files(tmp_path)
    key = path.name.removeprefix(PREFIX).removesuffix(".json")
    assert parse_cache(path.read_text(), key, TARGETS) is not None
    assert parse_cache(path.read_text(), "0" * 32, TARGETS) is None
    walk = [False, True, True, False]  # paypal, example: 6-7 letters, rule (e) takes 1 edit
    assert key == cache_key(TARGETS, {"top": 100, "allow": [], "no_walk": walk})
    assert key != cache_key(TARGETS, {"top": 100, "allow": [], "no_walk": [False] * 4})


def test_a_missing_directory_means_no_cache(tmp_path: Path) -> None:
    where = tmp_path / "no" / "such"
    (tmp_path / "no").write_text("a file, not a directory")
    m = build_matcher(TARGETS, SETTINGS, cache_dir=where)
    assert not m.cached and m.match("paypa1.com") is not None


def test_long_labels_skip_the_two_edit_walk_yet_their_two_edit_typos_match() -> None:
    m = build_matcher(["paypal.com", "microsoft.com"], MatchSettings(top=500))
    kinds: dict[int, set[str]] = {0: set(), 1: set()}
    for where, detail, _ in m._candidates.values():
        kinds[where].update(detail.removeprefix("kinds ").split(","))
    assert "two-edit" in kinds[0]  # paypal: 6 letters, rule (e) takes one edit only
    walked = {k for c in permute(["microsoft.com"], top=500) for k in c.kinds}
    assert "two-edit" in walked and "two-edit" not in kinds[1]  # rule (e) takes two
    typos = [c.domain for c in permute(["microsoft.com"], kinds=["two-edit"], two_edit_top=40)]
    assert len(typos) == 40
    found = m.match_names(typos)
    assert [h.name for h in found] == typos
    assert {h.rule for h in found} <= {"distance", "combo", "candidate", "skeleton"}
