"""End to end: scan (permute → real NSD + Unbound → rank) finds the operation, the defensive
registrations and the wildcarded suffix, from DNS alone.

A local NSD plays the registries of ``com.`` and a wildcarded ``cm.`` (every name answers with
an MX, as .cm's registry did in 2006); a second NSD hosts the registered typo domains; Unbound
resolves through stub zones. Nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk import permute
from typorisk.cli import main

from ..resolve.servers import free_port, nsd, unbound

SOA = "@ 300 IN SOA ns.registry. admin.registry. 1 3600 600 86400 60\n"
TARGET = "brand.com"
COLLECTOR = "mx.collector.example"


def plan() -> dict[str, list[str]]:
    """Pick real candidates of brand.com for each role (deterministic: permute is)."""
    names = [c.domain for c in permute([TARGET], top=40) if c.suffix == "com"]
    return {"operation": names[:6], "defensive": names[6:8], "implicit": names[8:9]}


def child_zones(roles: dict[str, list[str]]) -> dict[str, str]:
    zones = {
        f"{TARGET}.": "@ NS ns1.brand.com.\n@ MX 10 mx.brand.com.\n@ A 192.0.2.10\n"
        "ns1 A 127.0.0.2\nmx A 192.0.2.11\n",
    }
    for i, name in enumerate(roles["operation"]):
        zones[f"{name}."] = f"@ NS ns.parking.example.\n@ MX 10 {COLLECTOR}.\n@ A 198.51.100.{i}\n"
    for name in roles["defensive"]:
        zones[f"{name}."] = "@ NS ns1.brand.com.\n@ A 192.0.2.10\n"
    for name in roles["implicit"]:
        zones[f"{name}."] = "@ NS ns.other.example.\n@ A 203.0.113.5\n"
    return {origin: f"$ORIGIN {origin}\n$TTL 300\n{SOA}{body}" for origin, body in zones.items()}


@pytest.fixture(scope="module")
def resolver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root: Path = tmp_path_factory.mktemp("scanlab")
    port = free_port()
    children = child_zones(plan())
    delegations = "".join(f"{o.removesuffix('.com.')} NS ns.hosting.\n" for o in children)
    registry = {
        "com.": f"$ORIGIN com.\n$TTL 300\n{SOA}@ NS ns.registry.\n{delegations}",
        "cm.": f"$ORIGIN cm.\n$TTL 300\n{SOA}@ NS ns.registry.\n* MX 10 mx.wildcard.cm.\n"
        "* A 192.0.2.250\n",
    }
    stubs = [
        (".", f"127.0.0.1@{port}"),
        ("com.", f"127.0.0.1@{port}"),
        ("cm.", f"127.0.0.1@{port}"),
        *((o, f"127.0.0.2@{port}") for o in children),
    ]
    with (
        nsd(root / "registry", registry, host="127.0.0.1", port=port),
        nsd(root / "hosting", children, host="127.0.0.2", port=port),
        unbound(root / "unbound", stubs, port=free_port(), probe="com.") as (host, uport),
    ):
        yield f"{host}:{uport}"


def test_scan_ranks_the_operation_first(resolver: str, capsys: pytest.CaptureFixture[str]) -> None:
    roles = plan()
    argv = [
        "scan",
        TARGET,
        "--top",
        "40",
        "--max-unknown",  # the world serves com. and cm. only: other suffixes SERVFAIL
        "0.2",
        "--nameserver",
        resolver,
        "--format",
        "jsonl",
        "--today",
        "2026-11-28",
        "--timeout",
        "1",
    ]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 40
    order = [r["domain"] for r in rows]
    by = {r["domain"]: r for r in rows}
    assert set(order[:6]) == set(roles["operation"])
    for name in roles["operation"]:
        assert by[name]["capture"] == "mx" and by[name]["target_mx"] == ["mx.brand.com"]
        assert by[name]["operation"] == COLLECTOR
        assert any(
            r.startswith(f"one of 6 look-alikes of operation {COLLECTOR}, 6 can receive mail")
            for r in by[name]["reasons"]
        )
    for name in roles["defensive"]:
        assert by[name]["defensive"] is True
        assert any("defensive registration" in reason for reason in by[name]["reasons"])
    assert by[roles["implicit"][0]]["capture"] == "implicit"
    cm = by["brand.cm"]
    assert cm["wildcard"] is True and cm["registration"] == "unknown"
    assert cm["capture"] == "wildcard-mail"
    unregistered = [r["risk"] for r in rows if r["registration"] == "unregistered"]
    assert cm["risk"] > max(unregistered)
    assert f"cluster: MX {COLLECTOR} serves 6 typo domains" in err
    assert f"operation {COLLECTOR}: 6 look-alikes of 1 targets, 6 can receive mail" in err
    assert "wildcarded suffix .cm" in err and "2 likely defensive registrations" in err


def test_rank_reranks_stored_rows_offline(
    resolver: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [
        "scan",
        TARGET,
        "--top",
        "40",
        "--max-unknown",  # the world serves com. and cm. only: other suffixes SERVFAIL
        "0.2",
        "--nameserver",
        resolver,
        "--format",
        "jsonl",
        "--no-rank",
        "--today",
        "2026-11-28",
    ]
    assert main(argv) == 0
    stored = tmp_path / "scan.jsonl"
    stored.write_text(capsys.readouterr().out, encoding="utf-8")
    assert (
        main(["rank", str(stored), "--format", "jsonl", "--today", "2026-11-28", "--top", "6"]) == 0
    )
    top = [json.loads(line)["domain"] for line in capsys.readouterr().out.splitlines()]
    assert set(top) == set(plan()["operation"])
    # the graph weight off: the operation loses its graph share, ranking still explains itself
    assert main(["rank", str(stored), "--format", "jsonl", "--weight", "w_graph=0"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(r["contrib_graph"] == 0 for r in rows)  # contributions are flat columns


def test_rank_reports_bad_input_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"target": "a.com", "domain": "b.com"}\nnot json\n', encoding="utf-8")
    assert main(["rank", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and f"{bad}:2: not a JSON object" in err


def test_scan_on_dask_equals_local(resolver: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = [
        "scan",
        TARGET,
        "--top",
        "40",
        "--max-unknown",  # the world serves com. and cm. only: other suffixes SERVFAIL
        "0.2",
        "--nameserver",
        resolver,
        "--format",
        "jsonl",
        "--today",
        "2026-11-28",
    ]
    assert main(base) == 0
    local = {r["domain"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert main([*base, "--executor", "dask", "--workers", "2", "--batch-size", "8"]) == 0
    dask = {r["domain"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(dask) == set(local)
    for domain, row in local.items():
        for key in ("registration", "mail", "mx", "capture", "defensive", "target_mx"):
            assert dask[domain][key] == row[key], (domain, key)
        assert dask[domain]["risk"] == pytest.approx(row["risk"])
