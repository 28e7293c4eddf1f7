"""The writers of rows as columns: table, csv, jsonl, list and yaml (registered, with their
consumer formats, in :data:`typorisk.writers.formats.FORMATS`).

Rows are written as they arrive (``table`` and ``yaml`` included), so memory does not grow with
the number of rows. Cells follow the row schema's conventions (:mod:`typorisk.pipeline.rows`:
lists joined with ``|``, one number format per column) and each format's safety rules: control
characters never reach a terminal, a CSV cell never starts a formula, YAML has no anchors.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import TYPE_CHECKING, TextIO

from typorisk.kit.text import csv_safe, terminal_safe
from typorisk.pipeline.rows import cell_text

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

Row = Mapping[str, object]


def _dump_yaml(batch: list[dict[str, object]]) -> str:
    """``yaml.safe_dump`` of ``batch``, writing a repeated object out again instead of as an
    anchor and an alias (``&id001`` / ``*id001``): every row reads on its own. PyYAML loads
    here, not with the module: the other formats (``typorisk resolve``'s jsonl) do not need it."""
    import yaml  # noqa: PLC0415

    class NoAliasDumper(yaml.SafeDumper):
        def ignore_aliases(self, data: object) -> bool:
            return True

    text: str = yaml.dump(
        batch, Dumper=NoAliasDumper, sort_keys=False, allow_unicode=True, width=1000
    )
    return text


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


_JSONL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
"""The encoder of :func:`write_jsonl` (compact, UTF-8 kept; rows hold no cycles)."""


def write_jsonl(rows: Iterable[Row], out: TextIO, columns: Sequence[str]) -> int:
    """One JSON object a line, keys in ``columns`` order (every key of the row is kept)."""
    # one encoder, and the key order from a template: a json.dumps with options builds an
    # encoder per call, and two comprehensions a row ordered the keys (9.4 against 5.8 µs a
    # resolve row)
    encode = _JSONL.encode
    template: dict[str, object] = dict.fromkeys(columns)
    count = 0
    for row in rows:
        ordered = template.copy()
        ordered.update(row)
        out.write(encode(ordered) + "\n")
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
            out.write(_dump_yaml(batch))
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


TABLE_WIDTH = 120
"""Width of a table written anywhere but a terminal (characters; ``$COLUMNS`` overrides)."""
TABLE_GAP = 2
"""Spaces between columns."""
TABLE_BLOCK = 200
"""Rows per rendered block: widths come from the first block, so the table streams."""


def write_table(
    rows: Iterable[Row], out: TextIO, columns: Sequence[str], width: int | None = None
) -> int:
    """An aligned text table for people, drawn by rich with long cells (reasons, MX lists)
    **wrapped** inside their column, so no line is wider than ``width`` (default: the terminal's,
    else ``$COLUMNS``, else :data:`TABLE_WIDTH`).

    It streams: column widths come from the first :data:`TABLE_BLOCK` rows and every later block
    is drawn with the same widths. Cells are plain text (``rich.text.Text``: brackets in data are
    never markup), control characters shown as ``?``; no colour, no box characters.
    """
    # rich loads only when a table is drawn (start-up of the other formats stays short)
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415
    from rich.text import Text  # noqa: PLC0415

    width = width or _terminal_width(out)
    buffer = io.StringIO()
    console = Console(
        file=buffer, width=width, color_system=None, highlight=False, emoji=False, markup=False
    )
    iterator = iter(rows)
    count = 0
    widths: list[int] | None = None
    while True:
        block = [[_cell(row.get(c), c) for c in columns] for row in islice(iterator, TABLE_BLOCK)]
        if not block and count:
            return count
        table = Table(
            box=None, show_header=count == 0, pad_edge=False, padding=(0, TABLE_GAP, 0, 0)
        )
        for i, name in enumerate(columns):
            fixed = widths[i] if widths is not None else None
            table.add_column(Text(name.upper()), overflow="fold", width=fixed, no_wrap=False)
        for cells in block:
            table.add_row(*(Text(cell) for cell in cells))
        if widths is None:
            widths = _measured(console, table)
        console.print(table)
        out.writelines(line.rstrip() + "\n" for line in buffer.getvalue().splitlines())
        buffer.seek(0)
        buffer.truncate()
        count += len(block)
        if not block:
            return count


def _terminal_width(out: TextIO) -> int:
    try:
        if out.isatty() and (columns := os.get_terminal_size(out.fileno()).columns) > 0:
            return columns  # a terminal whose size was never set says 0: the fallbacks below
    except (OSError, ValueError, AttributeError):
        pass
    return shutil.get_terminal_size((TABLE_WIDTH, 24)).columns


def _measured(console: Console, table: Table) -> list[int]:
    """The content widths rich chose for ``table`` on ``console`` (reused by later blocks):
    rich's widths include the right padding of every column but the last."""
    widths = list(table._calculate_column_widths(console, console.options))
    return [w - (TABLE_GAP if i < len(widths) - 1 else 0) for i, w in enumerate(widths)]
