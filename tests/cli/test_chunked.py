"""The CLI's row output (``write_progressing``): large writes while rows pour in, and every row
shown as soon as the rows' source has to wait, through the real loop-thread bridge."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator, Iterator

from typorisk.cli.progress import CHUNK, write_progressing
from typorisk.kit.bridge import iterate


class Counting(io.StringIO):
    """A non-terminal text stream that counts the writes it gets."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def rows_of(make: AsyncIterator[dict[str, object]]) -> Iterator[dict[str, object]]:
    return iterate(lambda: make)


def test_a_slow_source_shows_its_rows_before_it_ends() -> None:
    """Three rows, then the source waits until it sees them written: without the flush when
    the bridge waits, they would sit in the sink (held back for a larger write) for ever."""
    out = Counting()

    async def source() -> AsyncIterator[dict[str, object]]:
        for i in range(3):
            yield {"domain": f"early{i}.example"}
        deadline = time.monotonic() + 5
        while out.getvalue().count("\n") < 3:
            assert time.monotonic() < deadline, "the first rows were never written"
            await asyncio.sleep(0.01)
        yield {"domain": "late.example"}

    count = write_progressing(rows_of(source()), "jsonl", ["domain"], out)
    lines = out.getvalue().splitlines()
    assert count == 4
    assert [json.loads(line)["domain"] for line in lines] == [
        "early0.example", "early1.example", "early2.example", "late.example",
    ]  # fmt: skip


def test_rows_pouring_in_are_written_in_large_pieces() -> None:
    """20,000 rows of ~60 characters, all ready at once: a few hundred kilobytes a write, not
    one write a row (each write of the stream's own 8 KiB buffer gave the GIL away)."""
    out = Counting()

    async def source() -> AsyncIterator[dict[str, object]]:
        for i in range(20_000):
            yield {"domain": f"name{i:05d}.example", "registration": "unregistered"}

    count = write_progressing(rows_of(source()), "jsonl", ["domain", "registration"], out)
    text = out.getvalue()
    assert count == 20_000 == text.count("\n")
    # each write is a whole chunk, or what the bridge had handed over when it had to wait
    assert out.writes <= len(text) // 8192, (out.writes, len(text), CHUNK)


def test_rows_before_an_error_are_written() -> None:
    """Rows held back for a large write still reach the output when the stream stops on an
    error (an input error after some names, Ctrl-C): none is lost."""
    out = Counting()

    def rows() -> Iterator[dict[str, object]]:
        for i in range(50):
            yield {"domain": f"kept{i}.example"}
        raise KeyboardInterrupt

    try:
        write_progressing(rows(), "jsonl", ["domain"], out)
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the error was swallowed")
    assert out.getvalue().count("\n") == 50
