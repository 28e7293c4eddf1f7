"""The manual's generated tables (options and row columns), between marker comments.

``python -m typorisk.pipeline.tables docs/guide/scan.md docs/guide/development.md`` rewrites, in
each file given, the sections whose markers it holds (the options and column tables in the scan
guide, the package tree with line counts in the development guide); a test checks the scan guide
carries exactly these tables, so the documentation cannot drift from the code.
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
    """The package tree with each module's line count (the development guide; it changes with
    every edit, so the test checks only the tables)."""
    root = Path(__file__).resolve().parents[1]
    lines = ["```"]
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent)
        count = len(path.read_text(encoding="utf-8").splitlines())
        lines.append(f"{rel!s:<44} {count:>4}")
    lines.append("```")
    return "\n".join(lines) + "\n"


def render(
    text: str, sections: dict[str, Callable[[], str]] | None = None, *, present: bool = False
) -> str:
    """``text`` (a page of the manual) with every generated section replaced by its current
    content; ``present``: only the sections whose markers it holds (else a missing marker
    raises ``ValueError``)."""
    for name, make in (sections or SECTIONS).items():
        begin, end = f"<!-- {name}:begin -->\n", f"<!-- {name}:end -->"
        head, found, rest = text.partition(begin)
        if not found and present:
            continue
        if not found:
            raise ValueError(f"the page has no {begin.strip()} marker")
        _, found, tail = rest.partition(end)
        if not found:
            raise ValueError(f"the page has no {end} marker")
        text = head + begin + make() + end + tail
    return text


def main(argv: list[str]) -> int:
    """Rewrite the generated sections of each page given."""
    for name in argv:
        path = Path(name)
        text = render(path.read_text(encoding="utf-8"), {**SECTIONS, "tree": tree}, present=True)
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
