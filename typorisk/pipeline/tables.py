"""The README's generated tables (options and row columns), between marker comments.

``python -m typorisk.pipeline.tables README.md`` rewrites them in place (and the package tree
with line counts); a test checks the README carries exactly these tables, so the documentation
cannot drift from the code.
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


def tree() -> str:
    """The package tree with each module's line count (the README's architecture section; it
    changes with every edit, so the test checks only the tables)."""
    root = Path(__file__).resolve().parents[1]
    lines = ["```"]
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        count = len(path.read_text(encoding="utf-8").splitlines())
        lines.append(f"{rel!s:<44} {count:>4}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def render(text: str, sections: dict[str, Callable[[], str]] | None = None) -> str:
    """``text`` (a README) with every generated section replaced by its current content."""
    for name, make in (sections or SECTIONS).items():
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
    text = render(path.read_text(encoding="utf-8"), {**SECTIONS, "tree": tree})
    path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
