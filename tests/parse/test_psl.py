"""The PSL matcher: plain, wildcard and exception rules, ICANN section only."""

from __future__ import annotations

from pathlib import Path

import pytest

from typorisk.errors import DataFileError
from typorisk.parse.psl import load_psl, parse_psl

SAMPLE = """// VERSION: test
// ===BEGIN ICANN DOMAINS===
com
uk
co.uk
org.uk
*.ck
!www.ck
jp
*.kobe.jp
!city.kobe.jp
// ===END ICANN DOMAINS===
// ===BEGIN PRIVATE DOMAINS===
github.io
// ===END PRIVATE DOMAINS===
"""


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("example.com", ("example.com", "com")),
        ("a.b.example.com", ("example.com", "com")),
        ("corp.co.uk", ("corp.co.uk", "co.uk")),
        ("corp.uk", ("corp.uk", "uk")),
        ("foo.bar.ck", ("foo.bar.ck", "bar.ck")),
        ("www.ck", ("www.ck", "ck")),
        ("a.www.ck", ("www.ck", "ck")),
        ("city.kobe.jp", ("city.kobe.jp", "kobe.jp")),
        ("x.y.kobe.jp", ("x.y.kobe.jp", "y.kobe.jp")),
        ("com", None),
        ("co.uk", None),
        ("bar.ck", None),
        ("example.notatld", None),
        ("user.github.io", None),  # private section ignored, and 'io' is not in the sample
    ],
)
def test_split(name: str, expected: tuple[str, str] | None) -> None:
    assert parse_psl(SAMPLE).split(name) == expected


def test_is_suffix_and_children() -> None:
    psl = parse_psl(SAMPLE)
    assert psl.is_suffix("co.uk") and psl.is_suffix("anything.ck")
    assert not psl.is_suffix("www.ck") and not psl.is_suffix("github.io")
    assert psl.children("uk") == ("co.uk", "org.uk")
    assert psl.version == "test"


def test_missing_icann_section_is_a_clear_error() -> None:
    with pytest.raises(DataFileError, match="ICANN"):
        parse_psl("com\nnet\n")


def test_shipped_snapshot_has_the_suffixes_the_mission_needs() -> None:
    psl = load_psl()
    for suffix in ("mil", "ml", "com", "cm", "co", "om", "nl", "co.uk", "org.uk", "com.bd", "bd"):
        assert psl.is_suffix(suffix), suffix
    assert psl.split("xn--bcher-kva.de") == ("xn--bcher-kva.de", "de")


def test_a_newer_refreshed_copy_in_the_user_cache_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`typorisk update-data` leaves a newer PSL in the cache; parsing then knows new suffixes.
    An older cached copy never replaces the shipped snapshot."""
    from typorisk.parse import psl
    from typorisk.parse.targets import parse_target

    shipped = psl.shipped_path().read_text(encoding="utf-8")
    cache = tmp_path / "typorisk"
    cache.mkdir()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))

    def reset() -> None:
        for cached in (psl.snapshot_path, psl.load_psl):
            cached.cache_clear()

    try:
        newer = shipped.replace("// VERSION: ", "// VERSION: 9999-", 1).replace(
            "// ===END ICANN DOMAINS===", "zzztest\n// ===END ICANN DOMAINS===", 1
        )
        (cache / psl.PSL_FILENAME).write_text(newer, encoding="utf-8")
        reset()
        assert psl.snapshot_path() == cache / psl.PSL_FILENAME
        assert parse_target("brand.zzztest").suffix == "zzztest"
        older = shipped.replace("// VERSION: ", "// VERSION: 1999-", 1)
        (cache / psl.PSL_FILENAME).write_text(older, encoding="utf-8")
        reset()
        assert psl.snapshot_path() == psl.shipped_path()
    finally:
        monkeypatch.undo()
        reset()
