"""Output writers: one function per format over one row model, streamed to a ``TextIO``.

A *row* is a flat mapping from column name to a JSON-compatible value (str, int, float, bool,
None, or a list of those). Writers never open files and never touch the network; the caller
passes the stream.
"""

from typorisk.writers.rows import ROW_FORMATS, Row, write_rows

__all__ = ["ROW_FORMATS", "Row", "write_rows"]
