"""Generic row writers: table, csv, jsonl, list and yaml.

Rows are written as they arrive (``table`` and ``yaml`` included), so memory does not grow with
the number of rows. Cells follow the row schema's conventions (:mod:`typorisk.pipeline.rows`:
lists joined with ``|``, one number format per column) and each format's safety rules: control
characters never reach a terminal, a CSV cell never starts a formula, YAML has no anchors.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TextIO

import yaml

from typorisk.kit.text import csv_safe, terminal_safe
from typorisk.pipeline.rows import cell_text

Row = Mapping[str, object]


class _NoAliasDumper(yaml.SafeDumper):
    """``yaml.safe_dump`` that writes a repeated object out again instead of as an anchor and
    an alias (``&id001`` / ``*id001``): every row reads on its own."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def _cell(value: object, name: str = "") -> str:
    """One value for table/list outputs: the row schema's cell text (lists joined with ``|``,
    the column's number format), with control characters shown as ``?``."""
    return terminal_safe(cell_text(name, value))


def _csv_cell(value: object, name: str) -> str:
    """One CSV cell: the schema's text, formula-escaped when it is text from outside
    (:func:`~typorisk.kit.text.csv_safe`); numbers typorisk computed are left as numbers."""
    text = cell_text(name, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text
    return csv_safe(terminal_safe(text))


def write_csv(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """RFC 4180 CSV with a header line; list cells joined with ``|``; no cell starts a formula
    (``= + - @``, tab, CR get a leading ``'``). Returns rows written."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_csv_cell(row.get(c), c) for c in columns])
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
        out.write(_cell(row.get(columns[0]), columns[0]) + "\n")
        count += 1
    return count


def write_yaml(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """A YAML sequence of mappings, dumped 1,000 items at a time with ``yaml.safe_dump`` (one
    dump per row was 9× slower), so memory stays bounded."""
    count = 0
    batch: list[dict[str, object]] = []

    def flush() -> None:
        if batch:
            text = yaml.dump(
                batch, Dumper=_NoAliasDumper, sort_keys=False, allow_unicode=True, width=1000
            )
            out.write(text)
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
        head.append([_cell(row.get(c), c) for c in columns])
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
        emit([_cell(row.get(c), c) for c in columns])
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
