"""Shared fixtures for the writer tests: consumer tools (skip locally, fail in CI when missing),
the rows of the issue's example (``permute pentagon.mil army.mil --top 50``) and a renderer."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import os
import shutil
import subprocess
import types
from collections.abc import Sequence
from pathlib import Path

import pytest

from typorisk.permute import permute
from typorisk.writers import FORMATS, WriterOptions, candidate_row

NOW = dt.datetime(2026, 5, 1, 12, 0, 0, tzinfo=dt.UTC)
EXIM_ROOT = Path(os.environ.get("EXIM_ROOT", "/opt/typorisk-exim"))
INSTALL = "run .ci/install-consumers.sh as root"


def require_tool(name: str) -> str:
    """The path of consumer tool ``name``: skipped when missing, a failure when ``CI`` is set."""
    candidates = [shutil.which(name), f"/usr/sbin/{name}", f"/usr/bin/{name}"]
    if name == "exim":
        candidates = [str(EXIM_ROOT / "usr/sbin/exim4")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    message = f"{name} is not installed ({INSTALL})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def require_module(name: str) -> types.ModuleType:
    """The imported module ``name`` (a test extra): skipped when missing, a failure when ``CI``
    is set (``pip install -e '.[test]'`` installs it)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        message = f"{name} is not importable ({exc}): pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def run_tool(argv: Sequence[str], *, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run a consumer tool (60 s at most), capturing its output as text."""
    return subprocess.run(
        list(argv), input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def render(fmt: str, rows: Sequence[dict[str, object]], **settings: object) -> str:
    """``rows`` written in ``fmt`` with the fixed test clock."""
    out = io.StringIO()
    FORMATS[fmt].write(rows, out, WriterOptions(now=NOW, feed="test-feed", settings=settings))
    return out.getvalue()


@pytest.fixture(scope="session")
def mil_rows() -> list[dict[str, object]]:
    """The rows of ``typorisk permute pentagon.mil army.mil --top 50``."""
    return [candidate_row(c) for c in permute(["pentagon.mil", "army.mil"], top=50)]
