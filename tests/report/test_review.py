"""Reviews from a real store: the summary, the four actions, the takedown table, charts,
clusters, colours, escaping and exit codes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from typorisk.cli import main
from typorisk.report import build_review, render_html, render_markdown
from typorisk.report.actions import MAIL_CAPTURE, REGISTER_PER_TARGET, TAIL_NAMES, risk
from typorisk.report.svg import CATEGORY_COLOURS
from typorisk.store import Store

from ..conftest import Ledger
from ..rank.world import COLLECTOR
from .store import ABUSE, WEB, Tables, make_store


def test_summary_comes_first_and_counts_from_the_rows(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    assert review.baseline is not None and review.baseline.id == 1 and review.run.id == 2
    html = render_html(review)
    tables = Tables(html)
    sections = re.findall(r'<section id="([a-z-]+)"', html)
    assert sections[:5] == ["summary", "block", "register", "takedown", "watch"]
    registered = [r for r in review.rows if r.get("registration") == "registered"]
    mail = [r for r in registered if r.get("capture") in MAIL_CAPTURE]
    assert mail  # the operation's names have an MX
    summary = html[html.index('id="summary"') : html.index('id="block"')]
    figures = dict(
        (label.strip(), int(n)) for n, label in re.findall(r"<li><b>(\d+)</b>([^<(]+)", summary)
    )
    assert figures["registered look-alikes can receive mail"] == len(mail)
    assert figures["new high-risk since the last review"] == len(review.new_high_risk)
    newly = len(review.changes.new_registrations)
    assert f"{newly} look-alikes newly registered" in summary
    assert "What to do now" in summary and "Block " in summary and "takedown request" in summary
    takedown = tables.in_section("takedown")[0][1]
    assert figures["takedown requests to send"] == len(takedown)
    [(header, changed)] = tables.in_section("changes")
    assert header == ["look-alike", "of", "what changed", "risk now"]
    assert len({(c[0], c[1]) for c in changed}) == len(changed)  # one line per candidate
    assert {c[0] for c in changed} >= {c.domain for c in review.changes.new_registrations}
    md = render_markdown(review)
    assert md.index("## Executive summary") < md.index("## 1. Block now")
    assert f"**{len(mail)}** registered look-alikes can receive mail" in md


def test_first_review_says_so(tmp_path: Path) -> None:
    with Store(tmp_path / "h.db") as store:
        run = store.begin_run("brands", {})
        store.add(run, [{"target": "brand0.com", "domain": "brand0x.com", "likelihood": 1e-3}])
        store.finish_run(run, {})
        html = render_html(build_review(store))
    assert "first review" in html and "nothing to compare with" in html


def _by_domain(rows: list[list[str]], header: list[str]) -> dict[str, dict[str, str]]:
    return {row[0].split(" ")[0]: dict(zip(header, row, strict=True)) for row in rows}


def test_takedown_table_shows_abuse_contacts_and_dashes(tmp_path: Path) -> None:
    """One entry per operation: the 50 look-alikes on the collecting MX are one request, with
    every registrar's and network's abuse contact ("—" where a member's is not known)."""
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    [(header, rows)] = Tables(render_html(review)).in_section("takedown")
    assert header == [
        "operation",
        "risk",
        "can receive mail",
        "registrars and abuse",
        "networks and abuse",
        "seen",
        "evidence to paste",
    ]
    [line] = rows
    shown = dict(zip(header, line, strict=True))
    op = review.findings.operations[0]
    assert shown["operation"].startswith(f"{COLLECTOR} | 50 look-alikes of brand0.com")
    assert all(d in shown["operation"] for d in op.members)
    registrar = f"{ABUSE['registrar']}: {ABUSE['abuse_email']}, {ABUSE['abuse_phone']}"
    assert shown["registrars and abuse"] == f"{registrar} | —: —"  # brand0's rows only
    network = f"{ABUSE['net_name']} AS{ABUSE['asn']}: {ABUSE['net_abuse']}"
    assert shown["networks and abuse"] == network
    assert f"MX {COLLECTOR}" in shown["evidence to paste"]
    assert shown["seen"] == "first 2026-11-21 | last 2026-11-21"
    own = {r.obs.domain for r in review.findings.defensive}
    assert not own & set(op.members)  # the brand's own registrations are not taken down
    md = render_markdown(review)
    assert registrar in unescape(md)


def test_unregistered_tails_collapse_per_target(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store, threshold=0.2)
    free_high = [r for r in review.rows if r["capture"] == "unregistered" and risk(r) >= 0.2]
    targets = {r["target"] for r in free_high}
    assert len(free_high) > 2 * len(targets)  # a tail worth collapsing
    tables = Tables(render_html(review))
    [_, (header, lines)] = tables.in_section("block")
    assert header == ["of", "names", "risk", "riskiest"]
    assert sorted(line[0] for line in lines) == sorted(targets)  # one line per target
    assert sum(int(line[1]) for line in lines) == len(free_high)
    html = render_html(review)
    assert html.count("not registered: block before a squatter buys it") == 0
    spelled = [r for r in free_high if f">{r['domain']}<" in html or f"{r['domain']}," in html]
    assert len(spelled) <= (TAIL_NAMES + REGISTER_PER_TARGET) * len(targets)


def test_register_lists_the_most_likely_free_names(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    [(_, lines)] = Tables(render_html(review)).in_section("register")
    free = [r for r in review.rows if r.get("registration") == "unregistered"]
    for target, names, total in lines:
        mine = sorted(
            (r for r in free if r["target"] == target),
            key=lambda r: -float(r["likelihood"]),  # type: ignore[arg-type]
        )
        assert int(total) == len(mine)
        assert names.split(", ") == [str(r["domain"]) for r in mine[:REGISTER_PER_TARGET]]


def test_no_python_tuple_and_clusters_readable(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    html, md = render_html(review), render_markdown(review)
    for text in (html, md):
        assert not re.search(r"\(\s*'|'\s*,\s*'|'\s*\)", text), "a Python tuple or list leaked"
    [(header, lines)] = Tables(html).in_section("clusters")
    assert header == ["kind", "host", "look-alikes", "of"]
    operation = next(line for line in lines if line[1] == COLLECTOR)
    assert operation[3] == ", ".join(f"brand{i}.com" for i in range(5))
    pictures = re.findall(r"<svg[^>]*aria-label=\"operation ([^\"]+)\".*?</svg>", html, re.S)
    assert pictures == [COLLECTOR]
    svg = re.search(rf'aria-label="operation {re.escape(COLLECTOR)}".*?</svg>', html, re.S)
    assert svg is not None
    labels = set(re.findall(r"<text[^>]*>([a-z0-9.-]+\.com)</text>", svg.group(0)))
    op = review.findings.operations[0]
    assert len(labels) == min(len(op.members), 16) and labels <= set(op.members)
    assert f"{len(op.members)} look-alikes, 16 shown" in svg.group(0)


def _bar_colours(html: str) -> dict[str, str]:
    found = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"><title>([a-z-]+): \d+ domains', html)
    return {name: colour for colour, name in found}


def test_category_colours_are_fixed_across_reports(tmp_path: Path) -> None:
    with make_store(tmp_path / "a.db") as store:
        full = _bar_colours(render_html(build_review(store)))
    with Store(tmp_path / "b.db") as store:  # other categories, in another order
        run = store.begin_run("other", {})
        store.add(
            run,
            [
                {"target": "brand0.com", "domain": "brand0x.com", "registration": "unregistered"},
                {"target": "brand0.com", "domain": "brand0y.com", "registration": "registered",
                 "mail": "null-mx"},
                {"target": "brand0.com", "domain": "brand0z.com", "registration": "registered",
                 "mail": "mx", "mx": ["mx.brand0z.com"]},
            ],
        )  # fmt: skip
        store.finish_run(run, {})
        small = _bar_colours(render_html(build_review(store)))
    assert len(full) >= 4 and len(small) == 3
    for name, colour in {**full, **small}.items():
        assert colour == CATEGORY_COLOURS[name], name
    assert full.keys() != small.keys()


def test_charts_have_axes_units_and_trends(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        before, rows = store.observations(1), store.observations(2)
        run = store.begin_run("brands", {}, now="2026-11-28T03:00:00+00:00")
        store.add(run, list(rows.values()), now="2026-11-28T03:00:00+00:00")
        store.finish_run(run, {}, now="2026-11-28T03:00:00+00:00")
        review = build_review(store)
    html = render_html(review)
    charts = dict(re.findall(r'<svg[^>]*aria-label="([^"]+)"(.*?)</svg>', html, re.S))
    trend = charts["Registered look-alikes per run"]
    assert "domains" in trend and "run (date, UTC)" in trend
    for day in ("2026-11-14", "2026-11-21", "2026-11-28"):
        assert f">{day}</text>" in trend
    lines = re.findall(r'<polyline points="([^"]+)"', trend)
    assert len(lines) == 2 and all(len(p.split()) == 3 for p in lines)
    registered = [sum(r.get("registration") == "registered" for r in run.values()) for run in
                  (before, rows, rows)]  # fmt: skip
    assert [t.registered for t in review.trend] == registered
    hist = charts["Look-alikes by risk"]
    assert "risk (0–1)" in hist and ">0.0</text>" in hist and ">1.0</text>" in hist
    ticks = [int(t) for t in re.findall(r'text-anchor="end"[^>]*>(\d+)</text>', hist)]
    assert ticks == sorted(ticks) and ticks[0] == 0 and ticks[-1] >= max(review.risk_histogram())


def test_web_column_when_present(tmp_path: Path) -> None:
    with make_store(tmp_path / "a.db") as store:
        html = render_html(build_review(store))
    header, rows = Tables(html).in_section("block")[0]
    assert "web" in header
    assert WEB in {row[header.index("web")] for row in rows}
    assert f"web: {WEB} at https://" in html  # in the takedown evidence
    with make_store(tmp_path / "b.db", web=False) as store:
        html = render_html(build_review(store))
    assert "web" not in Tables(html).in_section("block")[0][0]


class WatchingStore(Store):
    """A store with the watch hits another branch adds (``Store.watch_hits``), for this test
    only: the real method is not on this branch yet."""

    asked: list[str | None]

    def watch_hits(self, since: str | None = None) -> Iterator[Any]:
        self.asked = [*getattr(self, "asked", []), since]
        yield {"domain": "brand0-login.com", "target": "brand0.com", "seen": "2026-11-20T10:00:00Z",
               "source": "ct"}  # fmt: skip

        class Hit:  # an object with attributes, not a mapping
            domain, target, first_seen, source = "brand1-pay.com", "brand1.com", "", None

        yield Hit()


def test_new_lookalikes_from_watch_hits(tmp_path: Path) -> None:
    make_store(tmp_path / "h.db").close()
    with Store(tmp_path / "h.db") as store:
        plain = render_html(build_review(store))
    assert ('id="new-lookalikes"' in plain) == hasattr(Store, "watch_hits")
    with WatchingStore(tmp_path / "h.db") as store:
        review = build_review(store)
        assert store.asked == ["2026-11-14T03:00:00+00:00"]  # since the baseline
    html = render_html(review)
    [(_, rows)] = Tables(html).in_section("new-lookalikes")
    assert rows == [
        ["brand0-login.com", "brand0.com", "2026-11-20T10:00:00Z", "ct"],
        ["brand1-pay.com", "brand1.com", "—", "—"],
    ]
    assert "2 new look-alikes seen by watch" in html
    assert "## New look-alikes this week" in render_markdown(review)


def test_watch_hits_of_a_real_watch_run_reach_the_review(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The real path, no fake: ``typorisk watch nrd`` stores hits in the history database the
    weekly runs use, and ``typorisk review`` lists them under "New look-alikes this week"."""
    db = tmp_path / "h.db"
    make_store(db).close()
    nrd = tmp_path / "nrd-2026-11-30.txt"
    nrd.write_text("brand0-login.com\nxn--brnd0-4ve.com\nweather-report.net\nbrand0.com\n")
    code = main(["watch", "nrd", str(nrd), "--target", "brand0.com", "--db", str(db)])
    assert code == 3, capsys.readouterr().err  # new hits
    capsys.readouterr()
    with Store(db) as store:
        stored = {h.domain for h in store.watch_hits()}
        html = render_html(build_review(store))
    assert "brand0-login.com" in stored and "weather-report.net" not in stored
    [(_, rows)] = Tables(html).in_section("new-lookalikes")
    assert {row[0] for row in rows} == stored
    assert all(row[1] == "brand0.com" and row[3].startswith("nrd") for row in rows)


def test_data_is_escaped(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        run = store.begin_run("brands", {})
        evil = {
            "target": "brand0.com",
            "domain": "brand0x.com",
            "likelihood": 1e-3,
            "registration": "registered",
            "mail": "mx",
            "mx": ["mx.x.example"],
            "registrar": "<script>alert(1)</script>|evil",
            "abuse_email": '"><img src=x onerror=alert(2)>',
        }
        store.add(run, [evil])
        store.finish_run(run, {})
        html = render_html(build_review(store, threshold=0.1))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img" not in html and "&lt;img src=x" in html
    assert "<script" not in html.lower()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_review_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.db"
    make_store(db).close()
    out = tmp_path / "out"
    assert main(["review", "--db", str(db), "--out", str(out)]) == 3
    assert (out / "review.html").exists() and (out / "review.md").exists()
    assert main(["review", "--db", str(db), "--out", str(out), "--since", "2"]) == 0
    assert main(["review", "--db", str(db), "--out", str(out), "--threshold", "1.01"]) == 0
    missing = tmp_path / "no-such-browser"
    (out / "review.html").unlink()
    code = main(["review", "--db", str(db), "--out", str(out), "--pdf", "--browser", str(missing)])
    assert code == 5 and (out / "review.html").exists() and not (out / "review.pdf").exists()
    assert "apt-get install chromium" in capsys.readouterr().err
    with Store(db) as store:
        store.begin_run("brands", {})  # a run that never finishes: a crash
    assert main(["review", "--db", str(db), "--out", str(out), "--since", "2"]) == 4
    err = capsys.readouterr().err
    assert "did not complete" in err
    assert "did not complete" in (out / "review.html").read_text()
    assert main(["review", "--db", str(tmp_path / "none.db")]) == 2


HOSTILE_MX = "=cmd|' /C calc'!A0 `x` a|b <script>alert(1)</script>\nnext"


def split_row(line: str) -> list[str]:
    """A GFM table line's cells, split at unescaped pipes (a backslash escapes the next char)."""
    parts, cell, chars = [], "", iter(line.strip())
    for ch in chars:
        if ch == "\\":
            cell += ch + next(chars, "")
        elif ch == "|":
            parts.append(cell)
            cell = ""
        else:
            cell += ch
    parts.append(cell)
    assert parts[0] == "" and parts[-1] == "", line  # | a | b |
    return [p.strip() for p in parts[1:-1]]


def unescape(cell: str) -> str:
    return re.sub(r"\\(.)", r"\1", cell)


def test_markdown_tables_escape_network_text(tmp_path: Path, ledger: Ledger) -> None:
    with make_store(tmp_path / "h.db") as store:
        run = store.begin_run("brands", {})
        hostile = [
            {
                "target": "brand0.com",
                "domain": domain,
                "likelihood": 1e-3,
                "registration": "registered",
                "mail": "mx",
                "mx": [HOSTILE_MX],
                "registrar": HOSTILE_MX,
                "abuse_email": HOSTILE_MX,
            }
            for domain in ("brand0x.com", "brand0y.com")
        ]
        store.add(run, hostile)
        store.finish_run(run, {})
        md = render_markdown(build_review(store, threshold=0.1))
    shown = 0
    row = ledger.row("review.md: hostile MX/registrar/abuse text, each Markdown table")
    tables = re.findall(r"(?m)(?:^\|.*\n?)+", md)
    assert len(tables) >= 3  # block, take down, changes
    for table in tables:
        with row.case():
            lines = table.splitlines()
            width = len(split_row(lines[0]))
            assert all(len(split_row(line)) == width for line in lines), table  # no cell split
            for line in lines[2:]:
                for cell in split_row(line):
                    if "cmd" in cell.lower():
                        shown += 1
                        assert "=cmd" in unescape(cell).lower()  # shown literally, on one line
                        assert "a|b" in unescape(cell) and "</script> next" in unescape(cell)
                        markup = re.search(r"(?<!\\)[`<>|*_\[\]#]", cell)
                        assert markup is None, cell
    assert shown >= 4  # block and takedown tables of both rows at least
    assert "\nnext" not in md and "<script>" not in md and "`x`" not in md


def test_markdown_cell_table(ledger: Ledger) -> None:
    from typorisk.report.render import cell, markdown_cell

    row = ledger.row("review.md: markdown_cell on pipes, backticks, markup, controls")
    for value, expected in [
        ("mx.example.com", "mx.example.com"),
        ("a|b", "a\\|b"),
        ("`x`", "\\`x\\`"),
        ("<b>", "\\<b\\>"),
        ("*_[#]~&!", "\\*\\_\\[\\#\\]\\~\\&\\!"),
        ("one\r\ntwo\tthree", "one two three"),
        ("back\\slash|", "back\\\\slash\\|"),
        ("esc\x1b[31m", "esc\\[31m"),
        (["a|", "b"], "a\\|; b"),
        (None, ""),
        ("=SUM(A1)", "=SUM(A1)"),  # formula injection is CSV's problem, not Markdown's
    ]:
        with row.case():
            assert markdown_cell(value) == expected, value
    assert cell(None) == cell("") == cell(" ") == cell([]) == "—"
