"""The review of the operations world (:mod:`tests.rank.operations_world`, recorded in a real
store): the take-down section has one entry per operation, with both abuse contacts, first and
last seen and the evidence joining each member, and draws each operation with its shared
nodes labelled by kind."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from typorisk.report import build_review, render_html, render_markdown
from typorisk.report.render import markdown_cell

from ..report.store import Tables
from .operations_world import CERT, COLLECTOR, FAVICON, OP2_NS, make_ops_world, ops_store


def test_take_down_has_one_entry_per_operation(tmp_path: Path) -> None:
    world = make_ops_world(unregistered=30)
    with ops_store(tmp_path / "h.db", world) as store:
        review = build_review(store, today=dt.date(2026, 11, 28))
    html = render_html(review)
    tables = Tables(html).in_section("takedown")
    (header, operations), (_, lone) = tables
    assert header[0] == "operation" and len(operations) == 3
    shown = {line[0].split(" | ")[0]: dict(zip(header, line, strict=True)) for line in operations}
    assert set(shown) == {COLLECTOR, f"favicon {FAVICON}", f"certificate {CERT[:16]}"}
    planted = dict(zip(shown, world.operations.values(), strict=True))
    for label, members in planted.items():
        listed = set(shown[label]["operation"].split(" | ")[2:])
        assert listed == members, label
        assert shown[label]["seen"] == "first 2026-11-21 | last 2026-11-28"
    mx = shown[COLLECTOR]
    assert mx["registrars and abuse"] == "Cheap Names: abuse@cheapnames.example"
    assert mx["networks and abuse"] == "AS64501: abuse@parking.example"
    assert mx["can receive mail"] == "6 of 6"
    favicon = shown[f"favicon {FAVICON}"]
    assert f".net: favicon {FAVICON}, NS {OP2_NS} | " in favicon["evidence to paste"]
    assert "alpha-login0.net: web: clone" in favicon["evidence to paste"]
    cert = shown[f"certificate {CERT[:16]}"]
    assert f"certificate sha256 {CERT}" in cert["evidence to paste"]  # in full, to paste
    assert "network 203.0.113.0/24" in cert["evidence to paste"]
    # the hubs' users at or above the threshold are reported one by one, never grouped
    alone = {line[0].split(" ")[0] for line in lone}
    high = {str(r["domain"]) for r in review.rows if float(r["risk"]) >= 0.5}  # type: ignore[arg-type]
    for users in world.hub_users.values():
        assert users & high and users & high <= alone
    assert not world.defensive & alone
    summary = html[html.index('id="summary"') : html.index('id="block"')]
    assert f"<b>{3 + len(lone)}</b>takedown requests to send" in summary
    assert "3 operations of several look-alikes" in summary
    md = render_markdown(review)
    section = md.split("## 3. Take down", 1)[1].split("\n## ", 1)[0]
    assert section.count(f"| {markdown_cell(COLLECTOR)} (6 of alpha.com, beta.com) |") == 1
    assert len(re.findall(r"^\| .* \(\d of [a-z., ]+\) \|", section, re.M)) == 3


def test_the_pictures_draw_operations_with_labelled_nodes_and_kinds(tmp_path: Path) -> None:
    with ops_store(tmp_path / "h.db") as store:
        html = render_html(build_review(store, today=dt.date(2026, 11, 28)))
    pictures = dict(re.findall(r'aria-label="operation ([^"]+)"(.*?)</svg>', html, re.S))
    assert list(pictures) == [COLLECTOR, f"favicon {FAVICON}", f"certificate {CERT[:16]}"]
    mx = pictures[COLLECTOR]
    assert f"<title>MX {COLLECTOR}: 6 look-alikes</title>" in mx
    assert ">mx: shared mail host</text>" in mx and f">{COLLECTOR}</text>" in mx
    assert len(re.findall(r"<circle ", mx)) == 6 + 1  # the members, one category in the legend
    favicon = pictures[f"favicon {FAVICON}"]
    assert (
        ">favicon: shared favicon</text>" in favicon and ">ns: shared name server</text>" in favicon
    )
    assert f">{OP2_NS}</text>" in favicon
    cert = pictures[f"certificate {CERT[:16]}"]
    for kind in ("cert: shared TLS certificate", "net: shared /24 network"):
        assert f">{kind}</text>" in cert
    # every member is joined to each node it shares: 4 members × (cert, names, /24, owner)
    assert len(re.findall(r"<line ", cert)) == 16
