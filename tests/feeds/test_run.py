"""``typorisk run``: every output written, atomically as a group; nothing written for an invalid
definition; a failed run leaves the previous feed in place; resolve mode against a real NSD."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.errors import TyporiskError
from typorisk.feeds.run import run_feed
from typorisk.feeds.spec import load_feed
from typorisk.pipeline.clients import Clients
from typorisk.resolve import DnsClient, NameServer

from ..resolve.servers import free_port, nsd, require

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[2]
FEED = """feed: t
targets: [pentagon.mil, {domain: army.mil, top: 5}]
scan: {top: 20}
thresholds: {min_likelihood: 1.0e-5}
allowlist: [pentagn.mil]
outputs:
  - {format: rpz, path: out/t.rpz}
  - {format: jsonl, path: out/t.jsonl}
  - {format: misp, path: out/misp}
  - {format: squid, path: out/t.squid}
"""


def write_feed(tmp_path: Path, text: str = FEED) -> Path:
    path = tmp_path / "feed.yaml"
    path.write_text(text)
    return path


def test_run_writes_every_output(tmp_path: Path) -> None:
    report = run_feed(load_feed(write_feed(tmp_path)), now=NOW)
    rows = [json.loads(x) for x in (tmp_path / "out/t.jsonl").read_text().splitlines()]
    assert [r["target"] for r in rows].count("army.mil") == 5
    assert all(r["likelihood"] >= 1e-5 for r in rows)
    assert "pentagn.mil" not in {r["domain"] for r in rows} and report.allowlisted == {
        "pentagn.mil"
    }
    misp = sorted(p.name for p in (tmp_path / "out/misp").iterdir())
    assert misp[-2:] == ["hashes.csv", "manifest.json"] and misp[0].endswith(".json")
    counts = {w.output.format: w.entries for w in report.written}
    assert counts["jsonl"] == len(rows) and counts["rpz"] == len({r["domain"] for r in rows})
    assert not list((tmp_path / "out").glob(".*.tmp"))  # no temporary file left behind


def test_weight_scales_the_likelihood_threshold(tmp_path: Path) -> None:
    text = FEED.replace("army.mil, top: 5", "army.mil, top: 5, weight: 0.001")
    run_feed(load_feed(write_feed(tmp_path, text)), now=NOW)
    rows = (tmp_path / "out/t.jsonl").read_text()
    assert '"army.mil"' not in rows and '"pentagon.mil"' in rows


def test_a_failed_run_leaves_the_previous_feed(tmp_path: Path) -> None:
    spec = load_feed(write_feed(tmp_path))
    run_feed(spec, now=NOW)
    before = {p: p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file()}
    # the last output cannot be written: nothing of the group may be replaced
    (tmp_path / "out/t.squid").unlink()
    (tmp_path / "out/t.squid").mkdir()
    with pytest.raises(TyporiskError, match="a directory is in the way"):
        run_feed(spec, now=NOW + dt.timedelta(days=1))
    kept = {p: b for p, b in before.items() if p.name != "t.squid"}
    assert {p: p.read_bytes() for p in kept} == kept
    assert not [p for p in (tmp_path / "out").rglob(".*.tmp")]


def test_invalid_definition_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_feed(tmp_path, FEED.replace("scan: {top: 20}", "scan: {top: 0}"))
    assert main(["run", str(path)]) == 2
    assert not (tmp_path / "out").exists()
    assert f"{path}:3:13: scan.top: expected a whole number in [1, ∞]" in capsys.readouterr().err
    assert main(["validate", str(path)]) == 2  # a configuration error, as run says
    assert "scan.top" in capsys.readouterr().out


def test_cli_run_and_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_feed(tmp_path)
    assert main(["validate", str(path), str(ROOT / "feeds" / "defence-mil.yaml")]) == 0
    assert capsys.readouterr().out.count(": ok: feed ") == 2
    assert main(["run", str(path)]) == 0
    err = capsys.readouterr().err
    assert "wrote" in err and "(rpz," in err and (tmp_path / "out/t.rpz").exists()


def test_defence_example_runs_offline(tmp_path: Path) -> None:
    text = (ROOT / "feeds" / "defence-mil.yaml").read_text()
    report = run_feed(load_feed(write_feed(tmp_path, text)), now=NOW)
    assert {w.output.format for w in report.written} >= {"rpz", "postfix-access", "misp", "stix"}
    assert "pentagon.ml" in (tmp_path / "out/defence-mil/typo.rpz").read_text()


ZONES = {
    "mil.": "$ORIGIN mil.\n$TTL 60\n@ SOA ns.mil. h.mil. 1 3600 600 86400 60\n@ NS ns.mil.\n"
    "ns A 127.0.0.1\npentagon MX 10 mail.pentagon\nmail.pentagon A 192.0.2.1\n"
    "penagon MX 10 mx.collector.ml.\npentago A 192.0.2.66\n",
}


def test_resolving_feed_lists_only_registered_names(tmp_path: Path) -> None:
    require("nsd")
    text = FEED.replace(
        "scan: {top: 20}",
        # The local NSD serves mil. only: names under other suffixes are REFUSED (unknown).
        "scan: {top: 20, resolve: {nameservers: [127.0.0.1], timeout: 1, retries: 0, "
        "max_unknown: 0.2}}",
    ).replace("thresholds: {", "thresholds: {include_unregistered: false, include_unknown: false, ")
    spec = load_feed(write_feed(tmp_path, text.replace("army.mil", "pentagon.mil")))
    with nsd(tmp_path / "nsd", ZONES, port=free_port()) as (host, port):
        report = run_feed(
            spec,
            now=NOW,
            clients=Clients(dns=lambda: DnsClient([NameServer(host, port)], timeout=1)),
        )
    rows = [json.loads(x) for x in (tmp_path / "out/t.jsonl").read_text().splitlines()]
    assert {r["domain"] for r in rows} == {"penagon.mil", "pentago.mil"}
    assert all(r["registration"] == "registered" and "risk" in r for r in rows)
    assert report.stats is not None and report.stats.names >= 20
    assert os.path.getsize(tmp_path / "out/t.rpz") > 0


def test_min_risk_compares_risk_itself_not_risk_times_weight(tmp_path: Path) -> None:
    """Issue 20: the weight is inside risk already (risk = 1 − (1 − raw)^weight). With weight 2
    a row whose risk is just under ``min_risk`` stays out; risk × weight would let it in."""
    require("nsd")
    resolve = "resolve: {nameservers: [127.0.0.1], timeout: 1, retries: 0, max_unknown: 0.5}"
    base = FEED.replace("scan: {top: 20}", "scan: {top: 20, " + resolve + "}")
    base = base.replace("targets: [pentagon.mil, {domain: army.mil, top: 5}]",
                        "targets: [{domain: pentagon.mil, sensitivity: high}]")  # fmt: skip
    base = base.replace("allowlist: [pentagn.mil]", "allowlist: []")
    with nsd(tmp_path / "nsd", ZONES, port=free_port()) as (host, port):

        def once(thresholds: str) -> dict[str, dict[str, object]]:
            text = base.replace("thresholds: {min_likelihood: 1.0e-5}", thresholds)
            run_feed(
                load_feed(write_feed(tmp_path, text)),
                now=NOW,
                clients=Clients(dns=lambda: DnsClient([NameServer(host, port)], timeout=1)),
            )
            lines = (tmp_path / "out/t.jsonl").read_text().splitlines()
            return {r["domain"]: r for r in map(json.loads, lines)}

        every = once("thresholds: {include_unregistered: false, include_unknown: false}")
        risks = sorted(float(r["risk"]) for r in every.values())  # type: ignore[arg-type]
        assert len(risks) == 2 and all(r["weight"] == 2.0 for r in every.values())
        low, high = risks
        assert low < high and 2 * low > high  # the old rule would have kept the low row
        cut = (low + high) / 2
        kept = once(f"thresholds: {{min_risk: {cut}, include_unregistered: false}}")
    assert {d for d, r in every.items() if float(r["risk"]) >= cut} == set(kept)  # type: ignore[arg-type]
    assert len(kept) == 1
