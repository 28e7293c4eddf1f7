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
    render_held: Callable[[Entry], str] | None = None,
) -> int:
    """Write a header (when the format has comments: ``comment`` is its marker), ``preamble``
    lines, then for each validated entry a reason comment and ``render(entry)`` (one or more
    lines, no trailing newline). Streamed; returns the number of entries blocked.

    An established domain (an entry with a ``standing``: the brand's own or a third party's) is
    never rendered with ``render``: it gets ``render_held(entry)`` (a non-blocking action) when
    the format has one, else only a ``not blocked`` comment."""
    with_comments = comment is not None and options.get("comments", True) is not False
    if comment is not None:
        for line in header_lines(options, what):
            out.write(f"{comment} {line}\n")
    for line in preamble:
        out.write(line + "\n")
    stream: Iterable[Entry] = entries(rows, options, held=True)
    if filter_entries is not None:
        stream = filter_entries(stream)
    count = held = 0
    for entry in stream:
        if entry.standing is not None:
            held += 1
            if render_held is not None:
                if with_comments:
                    out.write(f"{comment} {entry.reason()}\n")
                out.write(render_held(entry) + "\n")
            elif with_comments:
                out.write(f"{comment} not blocked: {entry.reason()}\n")
            continue
        if with_comments:
            out.write(f"{comment} {entry.reason()}\n")
        out.write(render(entry) + "\n")
        count += 1
    if comment is not None:
        out.write(f"{comment} {count} names\n")
        if held:
            out.write(f"{comment} {held} established domains not blocked\n")
    return count
