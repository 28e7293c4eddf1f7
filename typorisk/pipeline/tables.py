"""The README's generated tables (options and row columns), between marker comments.

``python -m typorisk.pipeline.tables README.md`` rewrites them in place; a test checks the
README carries exactly what this prints, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from typorisk.pipeline import options, rows


def _columns() -> str:
    return "\n".join(rows.markdown_table()) + "\n"


SECTIONS: dict[str, Callable[[], str]] = {"options": options.markdown_table, "columns": _columns}
"""Marker name → the text between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``."""


def render(text: str) -> str:
    """``text`` (a README) with every generated section replaced by its current content."""
    for name, make in SECTIONS.items():
        begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
        head, found, rest = text.partition(begin)
        if not found:
            raise ValueError(f"the README has no {begin.strip()} marker")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"the README has no {end} marker")
        text = head + begin + make() + end + tail
    return text


def main(argv: list[str]) -> int:
    """Rewrite the README given as the only argument."""
    path = Path(argv[0])
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
