"""``typorisk resolve`` and ``typorisk scan`` in-process, against the local servers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from typorisk.cli import main

from .conftest import Lab


def _jsonl(text: str) -> dict[str, dict[str, object]]:
    rows = [json.loads(line) for line in text.splitlines()]
    return {str(row["domain"]): row for row in rows}


def test_resolve_jsonl(lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = tmp_path / "names.txt"
    names.write_text("withmx.test\nNOPE.test.\n# a comment\n\nfoo.wtld.test\nlame.test\n")
    server = f"{lab.resolver[0]}:{lab.resolver[1]}"
    # lame.test SERVFAILs by design: one name of four is unknown, so allow it (max_unknown).
    argv = ["resolve", str(names), "--nameserver", server, "--format", "jsonl"]
    code = main([*argv, "--max-unknown", "0.5"])
    out, err = capsys.readouterr()
    assert code == 0
    rows = _jsonl(out)
    assert set(rows) == {"withmx.test", "nope.test", "foo.wtld.test", "lame.test"}
    hit = rows["withmx.test"]
    assert hit["registration"] == "registered" and hit["mail"] == "mx"
    assert hit["mx"] == ["mail.withmx.test", "backup.example"]
    assert hit["ns"] == ["ns2.test"] and hit["a"] == ["192.0.2.1"]
    assert hit["aaaa"] == ["2001:db8::1"] and hit["wildcard"] is False and hit["error"] is None
    assert rows["nope.test"]["registration"] == "unregistered"
    assert rows["nope.test"]["queries"] == 1
    assert rows["foo.wtld.test"]["wildcard"] is True
    assert rows["lame.test"] == rows["lame.test"] | {"registration": "unknown", "error": "servfail"}
    assert "4 names" in err and "wildcard zone: *.wtld.test" in err


def test_resolve_authoritative_csv(
    lab: Lab, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = tmp_path / "names.txt"
    names.write_text("lame.test\nonlya.test\n")
    server = f"{lab.resolver[0]}:{lab.resolver[1]}"
    argv = ["resolve", str(names), "--nameserver", server, "--authoritative"]
    argv += ["--authoritative-port", str(lab.port), "--format", "csv"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split(",")
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in (x.split(",") for x in lines[1:])}
    assert rows["lame.test"]["registration"] == "registered"
    assert rows["lame.test"]["error"] == "lame"
    assert rows["onlya.test"]["mail"] == "implicit"


def test_bad_nameserver_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", "-", "--nameserver", "dns.example"]) == 2
    assert "give an IP address" in capsys.readouterr().err


def test_scan_rows_carry_both_facets(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    # Unbound's root is the local NSD, which refuses .com: every answer is a SERVFAIL, so the
    # run stays offline and every candidate must come out unknown, never registered or free.
    server = f"{lab.resolver[0]}:{lab.resolver[1]}"
    argv = ["scan", "example.com", "--top", "5", "--nameserver", server, "--format", "jsonl"]
    # Every name unknown by a fault: the run is incomplete (exit 4), its rows are still written.
    assert main([*argv, "--timeout", "0.5", "--retries", "0"]) == 4
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(rows) == 5
    for row in rows:
        assert row["target"] == "example.com" and row["kinds"] and row["likelihood"] > 0
        assert row["registration"] == "unknown" and row["error"] in ("servfail", "timeout")
