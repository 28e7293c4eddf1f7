"""Fit the typing channel to observed keyboard slips and write the table typorisk ships.

Run: python tools/fit_typing.py --data DIR [--out typorisk/data/typing_channel.json]
(DIR: the corpora named in typorisk/data/SOURCES.md; see :mod:`typorisk.permute.fit`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from typorisk.permute.fit import write_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="directory of the corpora")
    parser.add_argument("--out", type=Path, help="write the fitted table here (JSON)")
    args = parser.parse_args()
    write_table(args.data, args.out)


if __name__ == "__main__":
    main()
