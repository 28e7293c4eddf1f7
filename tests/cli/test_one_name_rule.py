"""One name rule: a target the writers would refuse (``ab--cd.com``) is rejected when it is parsed,
in one line, and nothing else is lost: the other targets' outputs are whole and their consumers
accept them; a feed naming it is invalid (file:line) and its run writes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.permute import permute

from ..conftest import ledger_row
from ..writers.conftest import require_module, require_tool, run_tool

BAD = "ab--cd.com"
REJECTION = (
    "typorisk: skipped: invalid target 'ab--cd.com': label 'ab--cd' has '--' at positions 3-4 "
    "without 'xn' (RFC 5891 §4.2.3.1)"
)
FEED = """feed: t
targets:
  - pentagon.mil
  - ab--cd.com
  - {domain: army.mil, top: 5}
scan: {top: 20}
outputs:
  - {format: rpz, path: out/t.rpz}
  - {format: stix, path: out/t.json}
"""


ONE_RULE = ledger_row("a target only the writer rejected (ab--cd.com): refused at parsing")
"""One case per command given the bad target (permute rpz and stix, scan, validate, run)."""


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def good_names(top: int = 20) -> list[str]:
    return [c.domain for c in permute(["pentagon.mil"], top=top)]


def test_permute_rpz_rejects_the_bad_target_and_keeps_the_good_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ONE_RULE.case():
        checkzone = require_tool("named-checkzone")
        code, out, err = cli(
            capsys, "permute", BAD, "pentagon.mil", "--top", "20", "--format", "rpz"
        )
        assert code == 1  # some input was rejected; the run finished
        assert err.splitlines() == [
            REJECTION,
            "typorisk: 1 target(s) rejected; fix them and run again",
        ]
        listed = re.findall(r"^([a-z0-9.-]+) CNAME \.$", out, re.MULTILINE)
        assert listed == good_names()  # every candidate of pentagon.mil, none of ab--cd.com
        assert "ab--cd" not in out and "; 20 names" in out
        zone = tmp_path / "t.rpz"
        zone.write_text(out)
        proc = run_tool([checkzone, "rpz.typorisk", str(zone)])
        assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout + proc.stderr


def test_permute_stix_for_the_valid_targets_is_valid_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with ONE_RULE.case():
        code, out, err = cli(
            capsys, "permute", "pentagon.mil", BAD, "--top", "20", "--format", "stix"
        )
        assert code == 1 and REJECTION in err.splitlines()
        bundle = json.loads(out)
        patterns = [o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"]
        assert len(patterns) == 20 and not any("ab--cd" in p for p in patterns)
        assert all(f"'{name}'" in " ".join(patterns) for name in good_names())
        stix2 = require_module("stix2")
        assert stix2.parse(out, allow_custom=False).type == "bundle"


def test_scan_offline_rejects_the_bad_target_in_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with ONE_RULE.case():
        code, out, err = cli(
            capsys, "scan", BAD, "pentagon.mil", "--top", "20", "--no-resolve", "--format", "jsonl"
        )
        assert code == 1
        assert err.splitlines().count(REJECTION) == 1 and "Traceback" not in err
        assert [json.loads(line)["domain"] for line in out.splitlines()] == good_names()


def test_validate_names_the_bad_target_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ONE_RULE.case():
        feed = tmp_path / "feed.yaml"
        feed.write_text(FEED)
        code, out, _ = cli(capsys, "validate", str(feed))
        assert code == 2
        assert out.splitlines() == [
            f"{feed}:4:5: label 'ab--cd' has '--' at positions 3-4 without 'xn' "
            "(RFC 5891 §4.2.3.1); expected a registrable domain like army.mil"
        ]


def test_run_of_a_feed_naming_the_bad_target_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with ONE_RULE.case():
        feed = tmp_path / "feed.yaml"
        feed.write_text(FEED)
        code, out, err = cli(capsys, "run", str(feed))
        assert code == 2 and out == ""
        assert f"{feed}:4:5: label 'ab--cd' has '--'" in err and "Traceback" not in err
        assert not (tmp_path / "out").exists()
        # without the bad target the same feed runs, and its STIX output is valid JSON
        feed.write_text(FEED.replace("  - ab--cd.com\n", ""))
        code, _, err = cli(capsys, "run", str(feed))
        assert code == 0, err
        bundle = json.loads((tmp_path / "out/t.json").read_text())
        assert bundle["type"] == "bundle" and len(bundle["objects"]) > 20
