"""Output writers: one function per format over one row model, streamed to a ``TextIO``.

A *row* is a flat mapping from column name to a JSON-compatible value (str, int, float, bool,
None, or a list of those). Writers never open files and never touch the network; the caller
passes the stream. Consumer formats (RPZ, Postfix maps, Suricata rules...) turn rows into
validated :class:`Entry` records first, so only lowercase LDH A-labels reach them.
:mod:`typorisk.kit.atomic` replaces files atomically for the feed runner and the CLI.

One registry, :data:`FORMATS`, holds every format and its writers
(:mod:`typorisk.writers.formats`). Names load on first use (``typorisk.pipeline`` does the
same).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typorisk.kit.lazy import lazy_names

if TYPE_CHECKING:
    from typorisk.errors import UnsafeNameError
    from typorisk.pipeline.rows import candidate_row
    from typorisk.writers.entries import Entry, check_name, entries
    from typorisk.writers.formats import (
        CANDIDATE_FORMATS,
        DEFAULT_COLUMNS,
        FEED_FORMATS,
        FORMATS,
        ROW_FORMATS,
        Format,
        write_candidates,
        write_rows,
    )
    from typorisk.writers.options import WriterOptions
    from typorisk.writers.rows import Row

_WHERE = {
    "UnsafeNameError": "typorisk.errors",
    "candidate_row": "typorisk.pipeline.rows",
    "Entry": "typorisk.writers.entries",
    "WriterOptions": "typorisk.writers.options",
    "check_name": "typorisk.writers.entries",
    "entries": "typorisk.writers.entries",
    "CANDIDATE_FORMATS": "typorisk.writers.formats",
    "DEFAULT_COLUMNS": "typorisk.writers.formats",
    "FEED_FORMATS": "typorisk.writers.formats",
    "FORMATS": "typorisk.writers.formats",
    "Format": "typorisk.writers.formats",
    "ROW_FORMATS": "typorisk.writers.formats",
    "write_candidates": "typorisk.writers.formats",
    "write_rows": "typorisk.writers.formats",
    "Row": "typorisk.writers.rows",
}

__all__ = [
    "CANDIDATE_FORMATS",
    "DEFAULT_COLUMNS",
    "FEED_FORMATS",
    "FORMATS",
    "ROW_FORMATS",
    "Entry",
    "Format",
    "Row",
    "UnsafeNameError",
    "WriterOptions",
    "candidate_row",
    "check_name",
    "entries",
    "write_candidates",
    "write_rows",
]


if not TYPE_CHECKING:  # type checkers see the imports above: a misspelt name stays an error
    __getattr__ = lazy_names(__name__, _WHERE)
