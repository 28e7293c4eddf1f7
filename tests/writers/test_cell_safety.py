"""Cells that hostile DNS data cannot turn into something else: no CSV formula
(``scan``/``resolve``/feed ``csv``), no YAML anchors, no Python repr in any output or in the review.

The DNS data comes from a real NSD on 127.0.0.1 serving one root zone that holds every record
(so NSD answers each name authoritatively, NXDOMAIN for the rest). Its MX exchanges and CNAME
targets begin with spreadsheet formula characters: a label may hold any byte, written with
``\\``-escapes in the zone file.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from typorisk.cli import main
from typorisk.kit.text import csv_safe
from typorisk.pipeline.rows import BY_NAME
from typorisk.writers.rows import write_csv, write_yaml

from ..conftest import ledger_row
from ..resolve.servers import free_port, nsd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMERIC = frozenset(name for name, c in BY_NAME.items() if c.type in ("int", "float"))
"""Columns typorisk computes itself (likelihood, risk, contrib_*, weight, queries...)."""
REPRS = ("{'", "('", "<typorisk.", "Outcome.", "Registration.", "Verdict.", "MxHost(")
"""What a Python repr of a dict, a tuple, an object or an enum member looks like."""

ROOT_ZONE = r"""$ORIGIN .
$TTL 60
@ SOA ns. h. 1 3600 600 86400 60
@ NS ns.
ns A 127.0.0.1
pentagon.mil. MX 10 mail.pentagon.mil.
mail.pentagon.mil. A 192.0.2.1
penagon.mil. MX 10 =cmd|'\032/C\032calc'!A0.example.
pentagn.mil. MX 10 +1.example.
pentago.mil. MX 10 -2+3.example.
pentaon.mil. MX 10 \@SUM\(A1\).example.
pentgon.mil. MX 10 \009tab.example.
petagon.mil. MX 10 \013cr.example.
pntagon.mil. CNAME =HYPERLINK\(\"x\"\).example.
army.mil. MX 10 mail.army.mil.
mail.army.mil. A 192.0.2.2
amy.mil. MX 10 mx1.collector.example.
amy.mil. MX 20 mx2.collector.example.
amy.mil. A 192.0.2.66
arm.mil. MX 10 mx1.collector.example.
arm.mil. MX 20 mx2.collector.example.
arm.mil. A 192.0.2.66
ary.mil. MX 10 mx1.collector.example.
ary.mil. MX 20 mx2.collector.example.
ary.mil. A 192.0.2.66
rmy.mil. MX 10 mx1.collector.example.
rmy.mil. MX 20 mx2.collector.example.
amry.mil. MX 10 mx1.collector.example.
amry.mil. MX 20 mx2.collector.example.
"""
EVIL = {
    # domain -> what its MX (or CNAME) cell holds, as typorisk reads it (lowercase, \-escaped)
    "penagon.mil": ("mx", "=cmd|'\\032/c\\032calc'!a0.example"),
    "pentagn.mil": ("mx", "+1.example"),
    "pentago.mil": ("mx", "-2+3.example"),
    "pntagon.mil": ("cname", '=hyperlink\\(\\"x\\"\\).example'),
}
SHARED_MX = ["mx1.collector.example", "mx2.collector.example"]
"""The MX list amy.mil, arm.mil, ary.mil, rmy.mil and amry.mil share: one operation's
infrastructure, a cluster (five members, ``RiskWeights.cluster_min``)."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``127.0.0.1:PORT`` of an NSD serving :data:`ROOT_ZONE`."""
    with nsd(tmp_path_factory.mktemp("cells"), {".": ROOT_ZONE}, port=free_port()) as (h, p):
        yield f"{h}:{p}"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def dns_flags(server: str) -> list[str]:
    return ["--nameserver", server, "--timeout", "1", "--retries", "0"]


CSV_ROWS = ledger_row("CSV formula injection: each row written (scan, resolve, feed, writer)")
CSV_SAFE = ledger_row("CSV formula injection: csv_safe on = + - @ tab CR and harmless text")


def safe_rows(text: str) -> list[dict[str, str]]:
    """The rows of CSV ``text``, after asserting that no cell starts a formula unless it is a
    number typorisk computed (and that every such number still parses as one)."""
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert rows, "no CSV rows"
    for row in rows:
        with CSV_ROWS.case():
            for column, cell in row.items():
                if column in NUMERIC and cell:
                    float(cell)  # a number typorisk wrote stays a number (not "'0.5")
                elif cell.startswith(FORMULA_START):
                    pytest.fail(f"column {column} of {row.get('domain')}: formula cell {cell!r}")
    return rows


def assert_evil_escaped(rows: list[dict[str, str]]) -> None:
    """The hostile values arrived, each behind a leading ``'``."""
    by_domain = {r["domain"]: r for r in rows}
    for domain, (column, value) in EVIL.items():
        assert by_domain[domain][column] == "'" + value, (domain, by_domain[domain][column])
    # the MX names without a formula start are written as they are
    assert by_domain["pentaon.mil"]["mx"] == "\\@sum\\(a1\\).example"
    assert by_domain["pentgon.mil"]["mx"] == "\\009tab.example"
    assert by_domain["petagon.mil"]["mx"] == "\\013cr.example"


def test_scan_csv_escapes_formulas_from_dns(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(
        capsys, "scan", "pentagon.mil", "--top", "12", "--format", "csv", *dns_flags(server)
    )
    assert code == 0, err
    rows = safe_rows(out)
    assert_evil_escaped(rows)
    assert all(r["risk"] and 0.0 <= float(r["risk"]) <= 1.0 for r in rows)


def test_scan_csv_unranked_escapes_formulas(
    server: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(
        capsys,
        "scan", "pentagon.mil", "--top", "12", "--format", "csv", "--no-rank", *dns_flags(server),
    )  # fmt: skip
    assert code == 0, err
    assert_evil_escaped(safe_rows(out))


def test_resolve_csv_escapes_formulas_from_dns(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "names.txt"
    names.write_text(
        "\n".join([*EVIL, "pentaon.mil", "pentgon.mil", "petagon.mil", "entagon.mil"]) + "\n"
    )
    code, out, err = cli(capsys, "resolve", str(names), "--format", "csv", *dns_flags(server))
    assert code == 0, err
    rows = safe_rows(out)
    assert_evil_escaped(rows)
    assert {r["domain"]: r["registration"] for r in rows}["entagon.mil"] == "unregistered"


def test_feed_csv_escapes_formulas_from_dns(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.yaml"
    feed.write_text(
        "feed: cells\ntargets: [pentagon.mil]\n"
        f'scan: {{top: 12, resolve: {{nameservers: ["{server}"], timeout: 1, retries: 0}}}}\n'
        "outputs:\n  - {format: csv, path: out/t.csv}\n"
    )
    code, _, err = cli(capsys, "run", str(feed))
    assert code == 0, err
    rows = safe_rows((tmp_path / "out/t.csv").read_text(encoding="utf-8"))
    assert_evil_escaped(rows)
    assert all(float(r["weight"]) == 1.0 for r in rows)


def test_write_csv_escapes_raw_control_and_formula_text() -> None:
    """Text that never went through DNS escaping (a registrar, an SMTP reply) can hold a raw
    tab or CR at its start: it is shown as ``?`` (so no formula starts), a formula start is
    quoted, and the writer's own negative numbers stay numbers."""
    rows = [
        {"domain": "a.mil", "registrar": "\t=1+1", "smtp_reply": "\r+2", "risk": -0.5},
        {"domain": "b.mil", "registrar": "@SUM(A1)", "smtp_reply": "-3", "likelihood": 1e-9},
        {"domain": "c.mil", "registrar": ["=x", "ok"], "smtp_reply": "fine", "queries": -1},
    ]
    out = io.StringIO()
    columns = ("domain", "registrar", "smtp_reply", "risk", "likelihood", "queries")
    assert write_csv(rows, out, columns) == 3
    parsed = safe_rows(out.getvalue())
    assert [r["registrar"] for r in parsed] == ["?=1+1", "'@SUM(A1)", "'=x|ok"]
    assert [r["smtp_reply"] for r in parsed] == ["?+2", "'-3", "fine"]
    assert parsed[0]["risk"] == "-0.5000" and parsed[2]["queries"] == "-1"
    assert float(parsed[1]["likelihood"]) == 1e-9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("=", "'="),
        ("mx1.collector.example", "mx1.collector.example"),
        ("a=b", "a=b"),  # only the first character starts a formula
        (" =1", " =1"),
        ("'=1", "'=1"),  # already quoted: left alone
        ("", ""),
        ("\n=1", "\n=1"),  # a newline is quoted by the csv module, not a formula start
    ],
)
def test_csv_safe(text: str, expected: str) -> None:
    with CSV_SAFE.case():
        assert csv_safe(text) == expected


# -- YAML and Python repr -----------------------------------------------------------------------


def test_write_yaml_repeats_shared_lists_instead_of_aliasing() -> None:
    shared = list(SHARED_MX)
    rows = [{"domain": d, "mx": shared, "ns": shared} for d in ("amy.mil", "arm.mil")]
    out = io.StringIO()
    assert write_yaml(rows, out, ("domain", "mx", "ns")) == 2
    text = out.getvalue()
    assert "&id" not in text and "*id" not in text
    assert yaml.safe_load(text) == [{"domain": r["domain"], "mx": SHARED_MX, "ns": SHARED_MX}
                                    for r in rows]  # fmt: skip
    assert "&id" in yaml.safe_dump(rows)  # what the plain dumper does with the same rows


def test_scan_yaml_has_no_anchors(server: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(
        capsys, "scan", "army.mil", "--top", "12", "--format", "yaml", *dns_flags(server)
    )
    assert code == 0, err
    assert "&id" not in out and "*id" not in out
    rows = {r["domain"]: r for r in yaml.safe_load(out)}
    assert [rows[d]["mx"] for d in ("amy.mil", "arm.mil", "ary.mil", "rmy.mil")] == [SHARED_MX] * 4
    assert all(r["target_mx"] == ["mail.army.mil"] for r in rows.values())


@pytest.fixture(scope="module")
def scan_jsonl(server: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``scan army.mil --format jsonl`` rows, for rank, record and review."""
    path = tmp_path_factory.mktemp("jsonl") / "scan.jsonl"
    buffer = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdout", buffer)
        code = main(["scan", "army.mil", "--top", "12", "--format", "jsonl", *dns_flags(server)])
    assert code == 0
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def assert_no_repr(text: str, what: str, *, empty: bool = False) -> None:
    assert empty or text.strip(), f"{what}: empty output"
    for marker in REPRS:
        assert marker not in text, f"{what}: Python repr {marker!r} in:\n{text[:2000]}"


@pytest.mark.parametrize("fmt", ["csv", "table", "yaml", "jsonl"])
def test_no_python_repr_in_scan_resolve_rank(
    fmt: str,
    server: str,
    scan_jsonl: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = tmp_path / "names.txt"
    names.write_text("amy.mil\narm.mil\narmy.mil\nrmy.mil\n")
    runs = {
        "scan": ["scan", "army.mil", "--top", "12", *dns_flags(server)],
        "scan --no-rank": ["scan", "army.mil", "--top", "12", "--no-rank", *dns_flags(server)],
        "resolve": ["resolve", str(names), *dns_flags(server)],
        "rank": ["rank", str(scan_jsonl)],
    }
    for what, argv in runs.items():
        code, out, err = cli(capsys, *argv, "--format", fmt)
        assert code == 0, f"{what}: {err}"
        assert_no_repr(out, f"{what} --format {fmt}")
        assert_no_repr(err, f"{what} --format {fmt} (stderr)", empty=True)
        if fmt == "jsonl":
            assert all(isinstance(json.loads(line), dict) for line in out.splitlines())


def test_review_markdown_shows_no_python_tuple(
    scan_jsonl: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "h.db"
    code, _, err = cli(capsys, "record", str(scan_jsonl), "--db", str(db), "--feed", "army")
    assert code == 0, err
    code, _, err = cli(capsys, "review", "--db", str(db), "--out", str(tmp_path / "review"))
    assert code in (0, 3), err
    markdown = (tmp_path / "review/review.md").read_text(encoding="utf-8")
    clusters = markdown.split("## Infrastructure clusters", 1)[1].split("\n## ", 1)[0]
    assert "mx1.collector.example" in clusters  # the shared MX forms a cluster
    assert_no_repr(markdown, "review.md")
    page = html.unescape((tmp_path / "review/review.html").read_text(encoding="utf-8"))
    assert_no_repr(page, "review.html")
