"""Render the reliability ledger (JSON written by a pytest run) as the table in RELIABILITY.md.

Usage: TYPORISK_RELIABILITY_JSON=ledger.json pytest ...
       python tests/reliability/render_table.py ledger.json
(``make reliability`` does both.)
"""

from __future__ import annotations

import json
import sys


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        rows = json.load(handle)
    print("| fault or input class | cases | survived | data lost | rerun |")
    print("|---|---:|---:|---:|---|")
    for r in rows:
        test = r["test"].split("::")[0]
        print(
            f"| {r['fault']} | {r['cases']:,} | {r['survived']:,} | {r['lost']} | `pytest {test}` |"
        )
    total = sum(r["cases"] for r in rows)
    survived = sum(r["survived"] for r in rows)
    lost = sum(r["lost"] for r in rows)
    print(f"| **total** | **{total:,}** | **{survived:,}** | **{lost}** | `make reliability` |")


if __name__ == "__main__":
    main(sys.argv[1])
