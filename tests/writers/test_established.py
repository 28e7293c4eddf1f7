"""Decisions safe to deploy unattended: the blocking outputs of well-known targets block no
established domain (the shipped top-sites list) and never the registrable domain above a typed
name (``cha.se.com`` is blocked, ``se.com`` is not); established look-alikes get the warn path
(Postfix ``WARN``, the Microsoft 365 warn list); ``block_anyway`` overrides; the real consumers
still load every output."""

from __future__ import annotations

import base64
import csv
import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from typorisk.parse.established import TopSites, load_top_sites
from typorisk.permute import permute
from typorisk.writers import FEED_FORMATS, FORMATS, WriterOptions, candidate_row

from .conftest import NOW, render, require_tool, run_tool

WELL_KNOWN = (
    "mail.mil",
    "navy.mil",
    "bing.com",
    "ebay.com",
    "live.com",
    "chase.com",
    "paypal.com",
    "gmail.com",
)
DATA = ("csv", "jsonl", "json", "yaml")
WARN_ONLY = ("postfix-warn", "m365-warn")
BLOCKING = [n for n, f in FEED_FORMATS.items() if n not in DATA + WARN_ONLY and not f.directory]
Row = dict[str, object]


@pytest.fixture(scope="module")
def known_rows() -> list[Row]:
    """``typorisk permute`` of the well-known targets (default settings)."""
    return [candidate_row(c) for c in permute(list(WELL_KNOWN))]


@pytest.fixture(scope="module")
def top() -> TopSites:
    return load_top_sites()


_COMMENT = ("#", ";", "!", "//")


def _token_blocker(text: str) -> Callable[[str], bool]:
    """For line formats: a name counts as blocked when it stands alone as a token, or as
    ``*.name`` / ``.name``, outside comments, reject texts and rule messages."""
    kept = []
    for raw in text.splitlines():
        if raw.lstrip().startswith(_COMMENT) or "rpz-passthru" in raw or " WARN " in raw:
            continue
        line = re.sub(r'msg:"[^"]*"', "", raw)  # Suricata rule messages carry the reason
        line = re.sub(r"\s#\s.*$", "", line)  # PowerShell comments after an entry
        line = re.sub(r"(REJECT|DEFER|HOLD|DISCARD|error:)\s.*$", r"\1", line)  # reject texts
        kept.append(line)
    body = "\n".join(kept)

    def blocks(name: str) -> bool:
        pattern = rf"(?:^|[^a-z0-9.*-])(?:\*\.|\.)?{re.escape(name)}(?![a-z0-9-])"
        return re.search(pattern, body, re.MULTILINE) is not None

    return blocks


def blocker(fmt: str, text: str) -> Callable[[str], bool]:
    """``blocks(name)``: whether the output ``text`` of format ``fmt`` blocks ``name`` (itself
    or, where the format covers subdomains, through a parent entry or wildcard)."""
    if fmt == "regex":
        compiled = re.compile(text.strip())
        return lambda n: bool(compiled.search(n) or compiled.search("zz." + n))
    if fmt == "suricata-dataset":
        names = {base64.b64decode(x).decode() for x in text.split()}
        return names.__contains__
    if fmt == "stix":
        patterns = [o.get("pattern", "") for o in json.loads(text)["objects"]]
        names = {m for p in patterns for m in re.findall(r"domain-name:value = '([^']+)'", p)}
        return names.__contains__
    if fmt == "yara":
        names = set(re.findall(r'\$\w+ = "([^"]+)"', text))
        return names.__contains__
    if fmt == "m365-csv":
        names = {r["Value"] for r in csv.DictReader(io.StringIO(text)) if r["Action"] == "Block"}
        return names.__contains__
    return _token_blocker(text)


def _established(rows: list[Row], top: TopSites) -> set[str]:
    return {str(r["domain"]) for r in rows if r["block"] == r["domain"] and top.rank(r["domain"])}


def test_the_well_known_targets_reach_established_domains(
    known_rows: list[Row], top: TopSites
) -> None:
    """The premise: permute reaches established domains and typed names below others'."""
    established = _established(known_rows, top)
    assert {"mail.com", "navy.com", "ring.com", "king.com", "levi.com"} <= established
    typed = {str(r["block"]): str(r["domain"]) for r in known_rows if r["block"] != r["domain"]}
    assert typed["cha.se.com"] == "se.com" and typed["payp.al.com"] == "al.com"


@pytest.mark.parametrize("fmt", BLOCKING)
def test_blocking_outputs_block_no_established_domain(
    fmt: str, known_rows: list[Row], top: TopSites
) -> None:
    text = render(fmt, known_rows)
    blocks = blocker(fmt, text)
    established = _established(known_rows, top)
    blocked = sorted(d for d in established if blocks(d))
    assert blocked == []
    # the check can fail: a typo that is not established is found blocked by the same check
    assert blocks("gmial.com")


@pytest.mark.parametrize("fmt", BLOCKING)
def test_blocking_outputs_block_the_typed_name_not_the_domain_above_it(
    fmt: str, known_rows: list[Row]
) -> None:
    blocks = blocker(fmt, render(fmt, known_rows))
    # a domain that is a registrable typo of another target (ail.com: gm.ail.com of gmail.com,
    # ail.com of mail.mil) is blocked for that one: only domains that are nobody's whole typo
    whole = {r["domain"] for r in known_rows if r["block"] == r["domain"]}
    typed = {str(r["domain"]) for r in known_rows if r["block"] != r["domain"]} - whole
    assert {"se.com", "al.com"} <= typed
    above = sorted(d for d in typed if blocks(d))
    assert above == []  # se.com, al.com... never, nor their wildcards
    assert blocks("cha.se.com") and blocks("payp.al.com")


def test_us_corp_typo_is_registrable_and_blocked_whole() -> None:
    rows = {c.domain: c for c in permute(["us.corp.com"], top=500)}
    assert rows["uscorp.com"].blocked == "uscorp.com"
    assert rows["cprp.com"].fqdn == "us.cprp.com" and rows["cprp.com"].blocked == "cprp.com"
    text = render("rpz", [candidate_row(rows["uscorp.com"]), candidate_row(rows["cprp.com"])])
    assert "\nuscorp.com CNAME .\n*.uscorp.com CNAME .\n" in text
    assert "\ncprp.com CNAME .\n*.cprp.com CNAME .\n" in text


def test_the_bare_domain_typed_too_blocks_the_domain() -> None:
    """``aypal.com`` is typed bare (omission) and as ``p.aypal.com`` (extra dot): a squatter can
    register it, so the domain is blocked, not only the dotted name."""
    (cand,) = [c for c in permute(["paypal.com"]) if c.domain == "aypal.com"]
    assert cand.fqdn == "p.aypal.com" and cand.blocked == "aypal.com"


def test_rows_without_a_block_column_still_block_the_typed_name() -> None:
    row: Row = {"target": "chase.com", "domain": "se.com", "fqdn": "cha.se.com"}
    text = render("rpz", [row])
    assert "\ncha.se.com CNAME .\n*.cha.se.com CNAME .\n" in text
    assert "\nse.com " not in text and "\n*.se.com " not in text


def test_block_anyway_overrides(known_rows: list[Row]) -> None:
    out = io.StringIO()
    options = WriterOptions(now=NOW, block_anyway=frozenset({"mail.com"}))
    FORMATS["rpz"].write(known_rows, out, options)
    assert "\nmail.com CNAME .\n*.mail.com CNAME .\n" in out.getvalue()
    assert not blocker("rpz", out.getvalue())("ring.com")


def test_established_by_registration_age_and_own(top: TopSites) -> None:
    """Off the list, a domain registered years ago is established; the brand's own (sharing
    MX/NS with the target, or allowlisted) is not blocked either."""
    rows: list[Row] = [
        {"target": "corp.com", "domain": "corpp.com", "created": "2001-03-04"},
        {"target": "corp.com", "domain": "crop.com", "defensive": True},
        {"target": "corp.com", "domain": "cort.com"},
        {"target": "corp.com", "domain": "coorp.com", "created": "2026-04-01"},
    ]
    assert not any(top.rank(str(r["domain"])) for r in rows)
    out = io.StringIO()
    options = WriterOptions(now=NOW, allow=frozenset({"cort.com"}))
    assert FORMATS["rpz"].write(rows, out, options) == 1
    text = out.getvalue()
    assert "\ncoorp.com CNAME ." in text
    assert "corpp.com: established domain of another organisation (registered 2001)" in text
    assert (
        "crop.com: own domain of the protected organisation, shares MX/NS/registrar with the target"
        in text
    )
    assert "cort.com: own domain of the protected organisation, allowlisted" in text


def test_warn_path_lists_mail_com(known_rows: list[Row]) -> None:
    warn = render("m365-warn", known_rows)
    listed = {r["Domain"]: r for r in csv.DictReader(io.StringIO(warn))}
    assert listed["mail.com"]["Target"] == "mail.mil" and listed["mail.com"]["Rank"] == "6166"
    assert listed["mail.com"]["Reason"] == (
        "mail.com: established domain of another organisation (rank 6,166): "
        "warn senders, do not block"
    )
    assert "se.com" not in listed and "cha.se.com" not in listed
    postfix = render("postfix-warn", known_rows)
    assert "\nmail.com WARN mail.com is an outside domain that looks like mail.mil" in postfix


# -- the consumers still load every output -------------------------------------------------------


@pytest.mark.parametrize("established", ["omit", "passthru"])
def test_rpz_with_established_domains_passes_named_checkzone(
    tmp_path: Path, known_rows: list[Row], established: str
) -> None:
    checkzone = require_tool("named-checkzone")
    zone = tmp_path / "t.rpz"
    zone.write_text(render("rpz", known_rows, established=established))
    proc = run_tool([checkzone, "rpz.typorisk", str(zone)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = zone.read_text()
    assert "\ncha.se.com CNAME .\n" in text and "\nse.com " not in text
    if established == "passthru":
        assert "\nmail.com CNAME rpz-passthru.\n*.mail.com CNAME rpz-passthru.\n" in text
    else:
        assert "\nmail.com " not in text and "; not blocked: " in text


def test_postfix_maps_warn_for_mail_com(tmp_path: Path, known_rows: list[Row]) -> None:
    postmap = require_tool("postmap")
    confdir = tmp_path / "postfix"
    confdir.mkdir()
    (confdir / "main.cf").write_text("compatibility_level = 3.6\n")
    answers: dict[str, dict[str, str]] = {}
    for fmt in ("postfix-access", "postfix-warn", "postfix-transport"):
        table = tmp_path / fmt
        table.write_text(render(fmt, known_rows))
        build = run_tool([postmap, "-c", str(confdir), f"hash:{table}"])
        assert build.returncode == 0 and build.stderr == "", build.stderr
        for key in ("mail.com", ".mail.com", "cha.se.com", "se.com", "gmial.com"):
            query = run_tool([postmap, "-c", str(confdir), "-q", key, f"hash:{table}"])
            answers.setdefault(fmt, {})[key] = query.stdout.strip()
    access, warn, transport = (answers[f] for f in ("postfix-access", "postfix-warn",
                                                    "postfix-transport"))  # fmt: skip
    for key in ("mail.com", ".mail.com"):
        assert access[key].startswith("WARN mail.com is an outside domain"), access
        assert warn[key] == access[key] and transport[key] == ""
    assert access["cha.se.com"].startswith("REJECT 5.7.1") and access["se.com"] == ""
    assert access["gmial.com"].startswith("REJECT 5.7.1") and warn["gmial.com"] == ""
    assert transport["gmial.com"].startswith("error:5.7.1")


@pytest.mark.parametrize("tool", ["unbound-checkconf", "dnsmasq", "squid", "suricata"])
def test_other_consumers_accept_the_well_known_outputs(
    tmp_path: Path, known_rows: list[Row], tool: str
) -> None:
    binary = require_tool(tool)
    if tool == "unbound-checkconf":
        (tmp_path / "typo.conf").write_text(render("unbound", known_rows))
        conf = tmp_path / "unbound.conf"
        conf.write_text(
            f'server:\n    username: ""\n    chroot: ""\n    directory: "{tmp_path}"\n'
            f'include: "{tmp_path / "typo.conf"}"\n'
        )
        proc = run_tool([binary, str(conf)])
    elif tool == "dnsmasq":
        conf = tmp_path / "typo.conf"
        conf.write_text(render("dnsmasq", known_rows))
        proc = run_tool([binary, "--test", f"--conf-file={conf}"])
    elif tool == "squid":
        listfile = tmp_path / "typo.txt"
        listfile.write_text(render("squid", known_rows))
        conf = tmp_path / "squid.conf"
        conf.write_text(
            f'acl typo dstdomain "{listfile}"\nhttp_access deny typo\nhttp_access allow all\n'
            "http_port 127.0.0.1:39129\n"
        )
        proc = run_tool([binary, "-k", "parse", "-f", str(conf)])
        assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    else:
        rules = tmp_path / "typo.rules"
        rules.write_text(render("suricata", known_rows))
        logs = tmp_path / "log"
        logs.mkdir()
        proc = run_tool(
            [binary, "-T", "-c", "/etc/suricata/suricata.yaml", "-S", str(rules), "-l", str(logs)]
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
