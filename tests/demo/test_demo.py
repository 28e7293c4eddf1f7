"""The demo: the whole pipeline on the synthetic world, checked against the world's ground truth."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import dns.message
import dns.rcode
import pytest

from typorisk.cli import main
from typorisk.demo.dnsserver import Authority
from typorisk.demo.run import run_demo
from typorisk.demo.world import COLLECTOR, build_world


def test_world_server_answers_like_an_authority() -> None:
    authority = Authority(build_world(2).zones)

    def ask(name: str, rdtype: str) -> dns.message.Message:
        return authority.answer(dns.message.make_query(name, rdtype))

    assert ask("nothing-here.com", "NS").rcode() == dns.rcode.NXDOMAIN
    assert ask("examplebank.com", "MX").answer[0][0].exchange.to_text() == "mx.examplebank.com."
    wild = ask("anything.ml", "MX")
    assert wild.answer[0][0].exchange.to_text() == "mx.wildcard.ml."
    assert ask("army.il", "NS").rcode() == dns.rcode.NXDOMAIN  # the world's root knows no .il
    assert ask("examplebank.com", "AAAA").answer == []  # NODATA


def test_demo_finds_what_the_world_hides(tmp_path: Path) -> None:
    world = build_world(2)
    result = run_demo(tmp_path, today=dt.date(2026, 11, 28))
    rows = {r["domain"]: r for r in result.rows}
    top = [r["domain"] for r in result.rows[: len(world.operation) + 1]]
    assert set(world.operation) <= set(top) and "army.ml" in top
    assert rows["army.ml"]["capture"] == "wildcard-mail"
    assert all(rows[d]["capture"] == "catch-all" for d in world.operation)  # probed, 250 to RCPT
    assert "RCPT" in result.smtp_commands and "DATA" not in result.smtp_commands
    assert {r.obs.domain for r in result.findings.defensive} == set(world.defensive)
    assert result.findings.clusters[0].name == COLLECTOR
    assert set(result.findings.clusters[0].members) == set(world.operation)
    assert rows[world.null_mx[0]]["capture"] == "null-mx"
    assert all(rows[d]["capture"] == "implicit" for d in world.parked)
    new = {c.domain for c in result.review.new_high_risk}
    grown = set(world.operation) - set(build_world(1).operation)
    assert grown <= new
    html = result.review_html.read_text(encoding="utf-8")
    assert COLLECTOR in html and "army.ml" in html
    assert result.db.exists() and result.scan.exists()
    rpz = next(p for p in result.feeds if p.name == "typo-domains-rpz.rpz")
    zone = rpz.read_text(encoding="utf-8")
    assert all(f"\n{d} CNAME ." in zone for d in world.operation)
    assert "\narmy.ml CNAME ." in zone and "\nexamplebank.com CNAME" not in zone
    assert len(result.feeds) >= 15


def test_demo_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--out", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out and f"cluster: MX {COLLECTOR}" in out
    assert "review (HTML)" in out and (tmp_path / "d" / "review.html").exists()
    assert main(["diff", "--db", str(tmp_path / "d" / "typorisk.db"), "--format", "csv"]) == 0
    assert "new-registration" in capsys.readouterr().out


def test_demo_rows_carry_registrar_created_abuse_and_network_owner(tmp_path: Path) -> None:
    """Every registered row of the demo (both weeks) has its registrar, creation date and
    abuse contact, read through the embedded RDAP server (registry → registrar referral);
    every row with an address on the world's networks names the network's owner."""
    world = build_world(2)
    today = dt.date(2026, 11, 28)
    result = run_demo(tmp_path, today=today)
    registered = [r for r in result.rows if r["registration"] == "registered"]
    roles = {*world.operation, *world.defensive, *world.parked, *world.null_mx}
    assert {r["domain"] for r in registered} == roles
    complete = [r for r in registered if r["registrar"] and r["created"] and r["abuse_email"]]
    assert len(complete) == len(registered) == len(roles)
    assert all(r["registrar_iana"] and r["abuse_phone"] for r in registered)
    assert all(r["registration_error"] is None for r in registered)
    for name in world.operation:
        row = next(r for r in registered if r["domain"] == name)
        assert row["abuse_email"] == "abuse@squatnames.example"  # the registrar's level
        assert (row["asn"], row["asn_name"]) == (64500, "DEMO-BULLETPROOF-HOSTING")
        assert row["net_abuse"] == "abuse@bulletproof.example"
        assert dt.date.fromisoformat(str(row["created"])) > today - dt.timedelta(days=30)
    hosted = [r for r in registered if r["a"]]
    assert hosted and all(r["net_name"] and r["asn"] for r in hosted)
    owner = [c for c in result.findings.clusters if c.kind == "owner"]
    assert [c.name for c in owner] == ["AS64500 DEMO-BULLETPROOF-HOSTING"]
    assert set(owner[0].members) == set(world.operation)
    # the owner sees the operation whole; each of its two /24 networks holds half of it
    nets = sorted(len(c.members) for c in result.findings.clusters if c.kind == "net")
    assert nets == [5, 5] and len(owner[0].targets) == 2
    week1 = [json.loads(x) for x in (tmp_path / "scan-week1.jsonl").read_text().splitlines()]
    first = [r for r in week1 if r["registration"] == "registered"]
    assert first and all(r["registrar"] and r["created"] and r["abuse_email"] for r in first)
