"""The version is written in one place, and what a wheel needs is declared (``make dist``
builds the wheel, runs ``twine check`` and installs it in a fresh venv: ``.ci/check-wheel``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import typorisk
from typorisk.kit import about

ROOT = Path(__file__).resolve().parents[1]


def test_the_version_is_written_once() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    attr = project["tool"]["setuptools"]["dynamic"]["version"]["attr"]
    assert attr == "typorisk.kit.about.__version__"
    assert typorisk.__version__ == about.__version__
    literal = re.compile(re.escape(about.__version__) + r"(?![\d.])")
    elsewhere = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "typorisk").rglob("*.py")
        if path.name != "about.py" and literal.search(path.read_text(encoding="utf-8"))
    ]
    assert not elsewhere, f"the version written again in {elsewhere}"


def test_the_package_data_is_declared() -> None:
    """Every data file the code reads ships in the wheel (the patterns of package-data)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["typorisk"]
    shipped = {p for pattern in patterns for p in (ROOT / "typorisk").glob(pattern)}
    data = {
        p
        for p in (ROOT / "typorisk").rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    }
    assert data <= shipped, sorted(str(p) for p in data - shipped)


def test_make_dist_checks_the_wheel() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "twine check --strict dist/*" in makefile and ".ci/check-wheel" in makefile
    assert "make dist docs" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
