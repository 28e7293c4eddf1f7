"""Render the reliability ledger (JSON written by a pytest run) as the table in RELIABILITY.md.

Usage: TYPORISK_RELIABILITY_JSON=ledger.json pytest ...
       python tests/reliability/render_table.py ledger.json
(``make reliability`` does both.) Every figure is one the tests counted as their cases ran
(``tests/conftest.py``); a row whose figures a test passed in itself is marked †. The rerun
column names each test function that ran a case of the row (``pytest path::test``, which runs
all of a test's parameters). A ledger with a row from a failed test is refused (exit 1, naming
the tests): a failure is never rendered as cases survived.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence

DAGGER = "†"


def render(rows: Sequence[Mapping[str, object]]) -> list[str]:
    """The Markdown table lines for ``rows`` (dicts of ``tests/conftest.py``'s ``Row``)."""
    lines = [
        "| fault or input class | cases | survived | data lost | rerun |",
        "|---|---:|---:|---:|---|",
    ]
    total = survived = lost = 0
    for r in rows:
        cases, ok, gone = int(str(r["cases"])), int(str(r["survived"])), int(str(r["lost"]))
        total, survived, lost = total + cases, survived + ok, lost + gone
        mark = "" if r.get("counted", True) else f" {DAGGER}"
        rerun = f"`pytest {' '.join(rerun_targets(r))}`"
        lines.append(f"| {r['fault']}{mark} | {cases:,} | {ok:,} | {gone} | {rerun} |")
    lines.append(
        f"| **total** | **{total:,}** | **{survived:,}** | **{lost}** | `make reliability` |"
    )
    if any(not r.get("counted", True) for r in rows):
        lines += ["", f"{DAGGER} figures passed in by the test, not yet counted case by case."]
    return lines


def merged(rows: Sequence[Mapping[str, object]]) -> list[dict[str, object]]:
    """One row per fault name, in first-seen order: the rows a parametrized test opened under
    one name (one per parameter) are added up, their tests listed together."""
    out: dict[str, dict[str, object]] = {}
    for r in rows:
        name = str(r["fault"])
        tests = [str(t) for t in (r.get("tests") or [r["test"]])]  # type: ignore[union-attr]
        if name not in out:
            out[name] = {**r, "tests": tests}
            continue
        seen = out[name]
        for key in ("cases", "survived", "lost"):
            seen[key] = int(str(seen[key])) + int(str(r[key]))
        seen["tests"] = [*seen["tests"], *tests]  # type: ignore[misc]
        seen["counted"] = bool(seen.get("counted", True)) and bool(r.get("counted", True))
    return list(out.values())


def rerun_targets(row: Mapping[str, object]) -> list[str]:
    """``path::test`` for each test function that ran a case of ``row`` (parameters dropped)."""
    tests = row.get("tests") or [row["test"]]
    assert isinstance(tests, list)
    return list(dict.fromkeys(str(test).split("[", 1)[0] for test in tests))


def splice(document: str, table: list[str]) -> str:
    """``document`` (RELIABILITY.md) with its ledger table replaced by ``table``."""
    lines = document.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("| fault or input class"))
    end = next(i for i, line in enumerate(lines) if line.startswith("| **total**"))
    lines[start : end + 1] = table
    return "\n".join(lines)


def main(path: str, write: str | None = None) -> int:
    """Print the table for the ledger at ``path`` (and splice it into the file ``write``);
    1 (and the failed tests) if any failed."""
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle)
    failed = sorted({str(r["test"]) for r in rows if not r.get("passed", True)})
    if failed:
        print(
            "the ledger has rows from failed tests (fix them and rerun `make reliability`):\n  "
            + "\n  ".join(failed),
            file=sys.stderr,
        )
        return 1
    table = render(merged(rows))
    print("\n".join(table))
    if write:
        with open(write, encoding="utf-8") as handle:
            document = handle.read()
        with open(write, "w", encoding="utf-8") as handle:
            handle.write(splice(document, table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[3] if sys.argv[2:3] == ["--write"] else None))
