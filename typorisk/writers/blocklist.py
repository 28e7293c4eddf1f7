"""The one loop every blocklist format shares: header, then per entry a comment and its lines."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

from typorisk.writers.entries import Entry, Row, WriterOptions, entries, header_lines


def write_blocklist(
    rows: Iterable[Row],
    out: TextIO,
    options: WriterOptions,
    *,
    render: Callable[[Entry], str],
    comment: str | None,
    what: str,
    preamble: Sequence[str] = (),
    filter_entries: Callable[[Iterable[Entry]], Iterable[Entry]] | None = None,
) -> int:
    """Write a header (when the format has comments: ``comment`` is its marker), ``preamble``
    lines, then for each validated entry a reason comment and ``render(entry)`` (one or more
    lines, no trailing newline). Streamed; returns the number of entries written."""
    with_comments = comment is not None and options.get("comments", True) is not False
    if comment is not None:
        for line in header_lines(options, what):
            out.write(f"{comment} {line}\n")
    for line in preamble:
        out.write(line + "\n")
    stream: Iterable[Entry] = entries(rows, options)
    if filter_entries is not None:
        stream = filter_entries(stream)
    count = 0
    for entry in stream:
        if with_comments:
            out.write(f"{comment} {entry.reason()}\n")
        out.write(render(entry) + "\n")
        count += 1
    if comment is not None:
        out.write(f"{comment} {count} names\n")
    return count
