"""Rows and every format, byte for byte against the files in ``golden/``.

The files were written by ``tests/writers/golden.py`` from the tree before the row schema
declared its own accessors and the format registries became one; any difference is a change of
what users get (a row, a cell, a key order, a format's bytes), so it must be deliberate:
regenerate with ``python tests/writers/golden.py tests/writers/golden`` and say why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from . import golden

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def written() -> dict[str, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", "400")  # the table's width, as the script sets it
        return dict(golden.files())


def test_every_golden_file_is_written_and_no_other(written: dict[str, str]) -> None:
    assert sorted(written) == sorted(p.name for p in GOLDEN.iterdir())


@pytest.mark.parametrize("name", sorted(p.name for p in GOLDEN.iterdir()))
def test_output_is_byte_identical(written: dict[str, str], name: str) -> None:
    assert written[name] == (GOLDEN / name).read_text(encoding="utf-8"), name
