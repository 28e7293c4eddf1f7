"""The suffix swap list: --tld FILE, --tld all, and the shortcut check against the full one."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typorisk import permute
from typorisk.errors import DataFileError
from typorisk.parse.psl import load_psl
from typorisk.parse.targets import parse_target
from typorisk.permute import make_context
from typorisk.permute.pool import _check, _LabelOnly
from typorisk.permute.suffixes import COMMON_SUFFIXES, all_tlds, load_swap_list, parse_swap_list


def swaps_of(target: str, **kwargs: object) -> set[str]:
    return {c.domain for c in permute([target], kinds=["suffix-swap"], **kwargs)}  # type: ignore[arg-type]


def test_a_tld_file_replaces_the_default_list(tmp_path: Path) -> None:
    path = tmp_path / "tlds.txt"
    path.write_text("# mine\nshop 2\nco.uk\n.app\n", encoding="utf-8")
    assert parse_swap_list(enumerate(path.read_text().splitlines(), 1), load_psl(), "t") == (
        ("shop", 2.0),
        ("co.uk", 1.0),
        ("app", 1.0),
    )
    assert swaps_of("example.com", tld=path) == {"example.shop", "example.co.uk", "example.app"}
    assert swaps_of("example.com") == {f"example.{s}" for s, _ in COMMON_SUFFIXES[1:]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("com\nnotatld\n", r"t:2: 'notatld' is not a public suffix"),
        ("com -1\n", r"t:1: the weight after 'com' must be a positive number"),
        ("com x\n", r"t:1: the weight"),
        ("# nothing\n", r"t: no suffixes"),
    ],
)
def test_bad_tld_lines_name_the_line(text: str, message: str) -> None:
    with pytest.raises(DataFileError, match=message):
        parse_swap_list(enumerate(text.splitlines(), 1), load_psl(), "t")


def test_an_unreadable_tld_file_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="cannot read the --tld file"):
        load_swap_list(tmp_path / "missing.txt", load_psl())


def test_all_delegated_tlds_on_request() -> None:
    tlds = all_tlds(load_psl())
    names = [s for s, _ in tlds]
    assert len(names) > 1000 and len(set(names)) == len(names)
    assert names[: len(COMMON_SUFFIXES)] == [s for s, _ in COMMON_SUFFIXES]
    assert {"mil", "ml", "shop", "xn--p1ai"} <= set(names)
    found = swaps_of("example.com", tld="all")
    assert len(found) > 1000 and "example.shop" in found
    assert load_swap_list("all", load_psl()) == tlds


LABELS = st.from_regex(r"[a-z0-9.-]{0,20}", fullmatch=True)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(
        [
            "us.corp.com",
            "google.com",
            "bbc.co.uk",
            "x.com.bd",
            "www.ck",
            "c.b.kawasaki.jp",
            "city.kawasaki.jp",
        ]
    ),
    LABELS,
)
def test_the_label_only_shortcut_agrees_with_the_full_check(target: str, label: str) -> None:
    ctx = make_context(parse_target(target))
    typed = f"{ctx.prefix}{label}.{ctx.suffix}"
    quick = _LabelOnly(ctx).check(typed)
    if quick is not False:
        assert quick == _check(ctx, typed)
