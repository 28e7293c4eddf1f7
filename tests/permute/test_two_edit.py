"""Two-edit typos: best-first order, laziness (a --top costs a few rows), and the engine's rules."""

from __future__ import annotations

import itertools

import pytest

from typorisk import permute
from typorisk.permute import DEFAULT_MODEL, permute_domains, twoedit
from typorisk.permute.likelihood import Model, tables_for
from typorisk.permute.twoedit import base_bound, row_bound, single_edits, two_edits

T = tables_for(DEFAULT_MODEL)
FITTED = DEFAULT_MODEL.with_overrides({"channel": "fitted"})


@pytest.mark.parametrize("label", ["google", "bankofamerica", "aaa", "1und1", "x"])
def test_names_come_out_best_first_and_are_two_edits(label: str) -> None:
    out = list(itertools.islice(two_edits(label, DEFAULT_MODEL, T, www=True), 400))
    probs = [p for _, p in out]
    assert probs == sorted(probs, reverse=True)
    singles = {x for _, x in single_edits(label, DEFAULT_MODEL, T)}
    assert not {name for name, _ in out} & (singles | {label, "www" + label})


@pytest.mark.parametrize("channel", ["hand", "fitted"])
@pytest.mark.parametrize("label", ["google", "paypal", "aaab", "1und1"])
def test_the_row_bound_holds_for_every_row(label: str, channel: str) -> None:
    m = DEFAULT_MODEL.with_overrides({"channel": channel})
    t = tables_for(m)
    for _, base in single_edits(label, m, t):
        row = single_edits(base, m, t)
        assert not row or row[0][0] <= base_bound(base, m, t) * (1 + 1e-12)
        assert base_bound(base, m, t) <= row_bound(label, m, t, www=True) * (1 + 1e-12)


@pytest.mark.parametrize("m", [DEFAULT_MODEL, FITTED], ids=["hand", "fitted"])
def test_the_first_names_match_the_exhaustive_space(m: Model) -> None:
    """Best-first equals sorting every path of the whole space (computed the slow way, once)."""
    label, t = "paypal", tables_for(m)
    first = single_edits(label, m, t)
    singles = {x for _, x in first} | {label}
    paths = [
        p1 * p2
        for p1, base in first
        for p2, name in single_edits(base, m, t)
        if name not in singles
    ]
    best = sorted(paths, reverse=True)[:50]
    lazy = [p for _, p in itertools.islice(two_edits(label, m, t, www=False), 50)]
    assert lazy == pytest.approx(best)


def test_a_top_opens_few_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    real = twoedit.single_edits

    def counting(s: str, *args: object) -> list[tuple[float, str]]:
        opened.append(s)
        return real(s, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(twoedit, "single_edits", counting)
    list(itertools.islice(two_edits("bankofamerica", DEFAULT_MODEL, T, www=True), 100))
    rows = len(opened) - 1  # the first call lists the first edits
    first = len(real("bankofamerica", DEFAULT_MODEL, T))
    assert 0 < rows < first / 10, (rows, first)  # the full space would open every row


def test_off_by_default_without_top_and_on_with_a_count() -> None:
    assert not any("two-edit" in c.kinds for c in permute(["google.com"]))
    found = [c for c in permute(["google.com"], two_edit_top=20) if "two-edit" in c.kinds]
    assert len(found) == 20
    assert all(c.kinds == ("two-edit",) for c in found)
    assert {"goge.com", "ggle.com"} <= {c.domain for c in found}
    # both orders of the two omissions are summed
    goge = next(c for c in found if c.domain == "goge.com")
    ggle = next(c for c in found if c.domain == "ggle.com")
    assert goge.likelihood == pytest.approx(2 * ggle.likelihood)
    assert not any("two-edit" in c.kinds for c in permute(["google.com"], two_edit_top=0))
    assert not any(
        "two-edit" in c.kinds
        for c in permute(["google.com"], two_edit_top=5, exclude_kinds=["two-edit"])
    )


def test_with_top_only_names_that_make_the_cut() -> None:
    top = list(permute(["google.com"], top=50))
    without = list(permute(["google.com"], top=50, two_edit_top=0))
    floor = without[-1].likelihood
    added = [c for c in top if "two-edit" in c.kinds]
    assert all(c.likelihood >= floor for c in added)
    assert [c.domain for c in top if "two-edit" not in c.kinds] == [
        c.domain for c in without[: len(top) - len(added)]
    ]


def test_permute_domains_is_permute_in_the_same_order() -> None:
    targets = ["google.com", "us.corp.com", "bücher.de", "pentagon.mil"]
    for kwargs in ({}, {"top": 30}, {"min_likelihood": 1e-5}, {"two_edit_top": 10}):
        names = [d for per in permute_domains(targets, **kwargs) for d in per]  # type: ignore[arg-type]
        assert names == [c.domain for c in permute(targets, **kwargs)]  # type: ignore[arg-type]
