"""Decisions a review can be trusted with: defensive-registration advice only where the
organisation may register, every live or unknown collision shown and counted apart, and an
alert (exit code 3) only for what is new; from a real store, through the real renderers and CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.report import build_review, render_html, render_markdown
from typorisk.report.actions import plan
from typorisk.store import Store

from .store import Tables

WEEKS = ("2026-11-23T03:00:00+00:00", "2026-11-30T03:00:00+00:00")


def _row(target: str, domain: str, suffix: str, **facts: object) -> dict[str, object]:
    row: dict[str, object] = {"target": target, "domain": domain, "suffix": suffix,
                              "likelihood": 3e-3, "kinds": ["omission"],
                              "registration": "unregistered", "mail": "none"}  # fmt: skip
    row.update(facts)
    return row


def week(n: int) -> list[dict[str, object]]:
    """Week ``n`` (1 or 2): army.mil's free ``.mil`` and ``.il`` typos, its ``.ml`` collision
    (a wildcard TLD: registration unknown, low likelihood), examplebank.com's free names under
    open, criteria-restricted and members-only suffixes, and a registered look-alike whose risk
    rises within high risk (likelihood 1e-4 → 1e-3, an MX both weeks)."""
    rose = {"registration": "registered", "mail": "mx", "mx": ["mx.rose.example"]}
    return [
        _row("army.mil", "arm.mil", "mil"),
        _row("army.mil", "ary.mil", "mil"),
        _row("army.mil", "army.il", "il", kinds=["suffix-omission"]),
        _row("army.mil", "army.ml", "ml", likelihood=1e-6, kinds=["suffix-omission"],
             registration="unknown", mail="unknown", wildcard=True, a=["192.0.2.9"]),
        _row("examplebank.com", "examplebank.bank", "bank", kinds=["suffix-swap"]),
        _row("examplebank.com", "examplebank.co", "co", kinds=["suffix-omission"]),
        _row("examplebank.com", "examplebank.mil", "mil", kinds=["suffix-swap"]),
        _row("examplebank.com", "exampleabnk.com", "com", likelihood=1e-4 if n == 1 else 1e-3,
             kinds=["transposition"], **rose),
    ]  # fmt: skip


def make_store(path: Path) -> Store:
    store = Store(path)
    for n, when in enumerate(WEEKS, start=1):
        run = store.begin_run("decisions", {}, now=when)
        store.add(run, week(n), now=when)
        store.finish_run(run, {}, now=when)
    return store


def test_register_advice_only_where_the_organisation_may_register(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    html, md = render_html(review), render_markdown(review)
    [(_, lines)] = Tables(html).in_section("register")
    advice = {target: names for target, names, _ in lines}
    # army.mil is under .mil: eligible for .mil; nobody registers directly under .il
    assert "arm.mil (restricted: eligible as army.mil)" in advice["army.mil"]
    assert "army.il" not in advice["army.mil"]
    # a company is not eligible for .mil; for .bank it depends: say so
    assert "examplebank.mil" not in advice["examplebank.com"]
    assert "examplebank.bank (restricted: only if you are eligible (only verified, regulated " \
        "banks))" in advice["examplebank.com"]  # fmt: skip
    assert "examplebank.co" in advice["examplebank.com"]
    register = html[html.index('id="register"') : html.index('id="takedown"')]
    assert "1 under .il" in register and "1 under .mil (the US Department of Defense)" in register
    assert "1 of them only if you are eligible" in md
    # free .mil names are not "block now": no squatter can register them
    a = plan(review)
    assert not any(t.target == "army.mil" for t in a.block_tails)
    arm = next(r for r in review.rows if r["domain"] == "arm.mil")
    assert "restricted suffix .mil" in " ".join(arm["reasons"])  # type: ignore[arg-type]


def test_unknown_is_counted_apart_and_a_wildcard_collision_is_in_the_first_table(
    tmp_path: Path,
) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    html, md = render_html(review), render_markdown(review)
    ml = next(r for r in review.rows if r["domain"] == "army.ml")
    assert ml["capture"] == "wildcard-mail" and float(ml["risk"]) < review.threshold  # type: ignore[arg-type]
    tables = Tables(html)
    block = [row[0] for _, body in tables.in_section("block") for row in body]
    watch = [row[0] for _, body in tables.in_section("watch") for row in body]
    assert "army.ml" in block and "army.ml" not in watch
    a = plan(review)
    assert (a.registered, a.unknown, a.free) == (1, 1, 6)
    states = "8 look-alikes checked: 1 registered, 1 registration unknown"
    assert states in html and states in md and "6 not registered." in md
    assert re.search(r"Block \d+ names? now \(1 registered, 1 registration unknown, \d+ not", md)


def test_a_rise_within_high_risk_is_a_change_not_an_alert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    rose = [c for c in review.changes.risk_up if c.domain == "exampleabnk.com"]
    assert rose and float(str(rose[0].old)) >= review.threshold  # high risk both weeks
    assert review.new_high_risk == []
    assert "**0** new high-risk" in render_markdown(review)
    assert main(["review", "--db", str(tmp_path / "h.db"), "--out", str(tmp_path / "r")]) == 0
    assert "0 new high-risk finding(s)" in capsys.readouterr().err
    # a third week where a free name is registered: that one is new, and review exits 3
    with Store(tmp_path / "h.db") as store:
        run = store.begin_run("decisions", {}, now="2026-12-07T03:00:00+00:00")
        rows = week(2)
        rows[5].update(registration="registered", mail="mx", mx=["mx.squat.example"])
        store.add(run, rows, now="2026-12-07T03:00:00+00:00")
        store.finish_run(run, {}, now="2026-12-07T03:00:00+00:00")
        third = build_review(store)
    assert [(c.domain, c.field) for c in third.new_high_risk] == [
        ("examplebank.co", "registration")
    ]
    assert main(["review", "--db", str(tmp_path / "h.db"), "--out", str(tmp_path / "r")]) == 3
