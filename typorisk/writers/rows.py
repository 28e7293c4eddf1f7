"""Generic row writers: table, csv, jsonl, list and yaml.

Rows are written as they arrive (``table`` and ``yaml`` included), so memory does not grow with
the number of rows. Cells are made safe for a terminal: control characters never reach it.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TextIO

import yaml

Row = Mapping[str, object]

_CONTROL = dict.fromkeys([*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)], "?")


def _cell(value: object) -> str:
    """Render one value for csv/table/list: lists joined with ``|``, floats compact."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return _fmt_float(value)
    if isinstance(value, list | tuple):
        return "|".join(_cell(v) for v in value)
    return str(value).translate(_CONTROL)


def _fmt_float(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e-3:
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return f"{value:.3e}"


def write_csv(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """RFC 4180 CSV with a header line; list cells joined with ``|``. Returns rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
        count += 1
    return count


def write_jsonl(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """One JSON object a line, keys in ``columns`` order (every key of the row is kept)."""
    count = 0
    for row in rows:
        ordered = {c: row.get(c) for c in columns}
        ordered.update({k: v for k, v in row.items() if k not in ordered})
        out.write(json.dumps(ordered, ensure_ascii=False, separators=(",", ":")) + "\n")
        count += 1
    return count


def write_list(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """The first column only, one value a line (plain blocklists: EDL, Pi-hole, OPNsense)."""
    count = 0
    for row in rows:
        out.write(_cell(row.get(columns[0])) + "\n")
        count += 1
    return count


def write_yaml(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """A YAML sequence of mappings, dumped 1,000 items at a time with ``yaml.safe_dump`` (one
    dump per row was 9× slower), so memory stays bounded."""
    count = 0
    batch: list[dict[str, object]] = []

    def flush() -> None:
        if batch:
            out.write(yaml.safe_dump(batch, sort_keys=False, allow_unicode=True, width=1000))
            batch.clear()

    for row in rows:
        ordered = {c: row.get(c) for c in columns}
        ordered.update({k: v for k, v in row.items() if k not in ordered})
        batch.append(ordered)
        count += 1
        if len(batch) == 1000:
            flush()
    flush()
    if count == 0:
        out.write("[]\n")
    return count


def write_table(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """An aligned text table for people. Column widths come from the first 200 rows; longer
    cells later are written whole (the table stays streamable)."""
    head: list[list[str]] = []
    count = 0
    iterator = iter(rows)
    for row in iterator:
        head.append([_cell(row.get(c)) for c in columns])
        if len(head) == 200:
            break
    widths = [max([len(c), *(len(r[i]) for r in head)]) for i, c in enumerate(columns)]
    widths[-1] = 0  # the last column is not padded

    def emit(cells: Sequence[str]) -> None:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip())
        out.write("\n")

    emit([c.upper() for c in columns])
    for cells in head:
        emit(cells)
        count += 1
    for row in iterator:
        emit([_cell(row.get(c)) for c in columns])
        count += 1
    return count


ROW_FORMATS: dict[str, Callable[[Iterable[Row], TextIO, Sequence[str]], int]] = {
    "table": write_table,
    "csv": write_csv,
    "jsonl": write_jsonl,
    "list": write_list,
    "yaml": write_yaml,
}


def write_rows(rows: Iterable[Row], fmt: str, out: TextIO, columns: Sequence[str]) -> int:
    """Write ``rows`` to ``out`` in format ``fmt`` (a key of :data:`ROW_FORMATS`).

    ``columns`` orders the output; ``list`` writes only the first column. Returns the number of
    rows written. Raises ``KeyError`` for an unknown format (the CLI restricts choices).
    """
    return ROW_FORMATS[fmt](rows, out, columns)
