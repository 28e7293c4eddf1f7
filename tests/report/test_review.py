"""Reviews from a real store: content, exit codes, escaping, and a real headless browser."""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.rank import Observation
from typorisk.report import build_review, render_html, render_markdown
from typorisk.store import Store

from ..conftest import Ledger
from ..rank.world import COLLECTOR, make_world


def as_row(obs: Observation) -> dict[str, object]:
    row = {f.name: getattr(obs, f.name) for f in dataclasses.fields(obs)}
    row["kinds"] = list(obs.kinds)
    for key in ("mx", "ns", "a", "aaaa"):
        row[key] = list(row[key])  # type: ignore[call-overload]
    row["created"] = None
    return row


def make_store(path: Path) -> Store:
    """Two weekly runs: the operation appears in the second one."""
    world = make_world(noise=30)
    rows = [as_row(o) for o in world.observations]
    before = [
        {**r, "registration": "unregistered", "mail": "none", "mx": [], "a": []}
        if r["domain"] in world.operation
        else r
        for r in rows
    ]
    store = Store(path)
    for when, batch in (("2026-11-14T03:00:00+00:00", before), ("2026-11-21T03:00:00+00:00", rows)):
        run = store.begin_run("brands", {}, now=when)
        store.add(run, batch, now=when)
        store.finish_run(run, {}, now=when)
    return store


def test_review_content(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        review = build_review(store)
    assert review.baseline is not None and review.baseline.id == 1 and review.run.id == 2
    assert len(review.changes.new_registrations) == 50
    assert review.new_high_risk  # the operation is new and risky
    md = render_markdown(review)
    for heading in (
        "## Top risks",
        "## New registrations",
        "## Infrastructure clusters",
        "## Suffix collisions",
        "## Defensive registrations to confirm",
    ):
        assert heading in md
    assert COLLECTOR in md and ".cm" in md
    html = render_html(review)
    assert "<script" not in html.lower() and "http://" not in html.replace(
        'xmlns="http://www.w3.org/2000/svg"', ""
    )
    assert html.count("<svg") >= 4  # three charts and at least one cluster picture


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
        }
        store.add(run, [evil])
        store.finish_run(run, {})
        html = render_html(build_review(store))
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_review_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.db"
    make_store(db).close()
    out = tmp_path / "out"
    assert main(["review", "--db", str(db), "--out", str(out)]) == 3
    assert (out / "review.html").exists() and (out / "review.md").exists()
    assert main(["review", "--db", str(db), "--out", str(out), "--since", "2"]) == 0
    assert main(["review", "--db", str(db), "--out", str(out), "--threshold", "1.01"]) == 0
    with Store(db) as store:
        store.begin_run("brands", {})  # a run that never finishes: a crash
    assert main(["review", "--db", str(db), "--out", str(out), "--since", "2"]) == 4
    assert "did not complete" in capsys.readouterr().err
    assert main(["review", "--db", str(tmp_path / "none.db")]) == 2


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    return path


def browser(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run(
        [chromium(), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def png_is_blank(data: bytes) -> bool:
    """True when the decoded PNG has (almost) a single colour."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat))) < 20


def test_html_in_a_real_headless_browser(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        page = tmp_path / "review.html"
        page.write_text(render_html(build_review(store)), encoding="utf-8")
    dom = browser("--dump-dom", page.as_uri(), profile=tmp_path / "p1")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert COLLECTOR in dom.stdout and "New registrations" in dom.stdout
    assert "Uncaught" not in dom.stderr and ":CONSOLE(" not in dom.stderr
    shot = tmp_path / "shot.png"
    result = browser(
        f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri(), profile=tmp_path / "p2"
    )
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert not png_is_blank(shot.read_bytes())


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
            }
            for domain in ("brand0x.com", "brand0y.com")
        ]
        store.add(run, hostile)
        store.finish_run(run, {})
        md = render_markdown(build_review(store))
    shown = 0
    row = ledger.row("review.md: hostile MX/registrar text, each Markdown table")
    for table in re.findall(r"(?m)(?:^\|.*\n?)+", md):
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
                        assert markup is None, cell  # no raw markup
    assert shown >= 2  # the registrar of both rows at least
    assert "\nnext" not in md and "<script>" not in md and "`x`" not in md


def test_markdown_cell_table(ledger: Ledger) -> None:
    from typorisk.report.render import markdown_cell

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
