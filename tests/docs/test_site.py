"""The documentation site: reference pages current with the code, ``mkdocs build --strict``
clean, and the tutorial's commands run against ``typorisk demo --serve`` giving what the page
shows."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..demo.served import Ports
from .tutorial import PAGE, run_page

ROOT = Path(__file__).resolve().parents[2]


def test_the_reference_pages_are_generated_from_the_current_code() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "gen_reference.py"), "--check"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_the_cli_reference_lists_every_command_and_flag() -> None:
    from typorisk.cli import REGISTRY

    from ..cli.test_docs import actions

    page = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert all(f"\n## {e.name}\n" in page for e in REGISTRY)
    missing = {
        f"{name} {option}"
        for name, action, _ in actions()
        for option in action.option_strings
        if option.startswith("--") and f"`{option}`" not in page
    }
    assert not missing


def mkdocs() -> str:
    found = shutil.which("mkdocs") or str(Path(sys.executable).with_name("mkdocs"))
    if not Path(found).exists():
        if os.environ.get("CI"):
            pytest.fail("mkdocs is missing: pip install -e '.[test]'")
        pytest.skip("mkdocs is missing (pip install -e '.[test]')")
    return found


def test_the_site_builds_with_warnings_as_errors(tmp_path: Path) -> None:
    proc = subprocess.run(
        [mkdocs(), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # Material's banner about its successor
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    for page in ("tutorial", "howto/postfix", "reference/cli", "explanation/risk"):
        assert (tmp_path / "site" / page / "index.html").exists(), page


def test_the_tutorial_runs_against_the_demo_world(tmp_path: Path) -> None:
    """Every command of the tutorial, in order, against ``demo --serve`` (weeks 1 and 2):
    the exit codes the page shows, its first output line, and the run's own lines."""
    done = run_page(tmp_path, Ports.free())
    assert len(done) == PAGE.read_text(encoding="utf-8").count("```console")
    for step in done:
        shown = step.shown.rstrip("\n").splitlines()
        got = step.output.splitlines()
        assert re.findall(r"^exit \d+$", step.output, re.M) == [
            line for line in shown if re.fullmatch(r"exit \d+", line)
        ], (step.command, step.output)
        if " demo --serve" in step.command:
            assert shown[0] == got[0], (shown, got)
            continue
        assert shown[0] in got, (step.command, step.output)
        stable = [line for line in shown if "written to" in line or ": ok: feed" in line]
        assert all(line in got for line in stable), (step.command, stable, got)
    assert (tmp_path / "review" / "review.html").exists()
    assert (tmp_path / "out" / "typo.rpz").read_text().count("CNAME") > 60
