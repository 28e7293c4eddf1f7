"""kit/reading: line, file, gzip and JSON-depth caps on real files (``/dev/zero`` included)."""

from __future__ import annotations

import gzip
import io
import json
import os
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from typorisk.errors import BadGzipError, DataFileError, InputLimitError
from typorisk.kit.reading import (
    _STRINGS,
    MAX_JSON_DEPTH,
    Limits,
    LineReader,
    json_depth,
    loads_bounded,
    read_capped,
)

from ..conftest import Ledger

GZ = Limits(gzip=True)
PLAIN = Limits()
ZERO = "/dev/zero"
needs_dev_zero = pytest.mark.skipif(not os.path.exists(ZERO), reason="no /dev/zero")


def lines_of(
    path: Path | str, limits: Limits = PLAIN, long: str = "error"
) -> list[tuple[int, bytes]]:
    with LineReader(str(path), limits, long_lines=long) as reader:  # type: ignore[arg-type]
        return list(reader.numbered())


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", []),
        (b"a", [(1, b"a")]),
        (b"a\n", [(1, b"a")]),
        (b"a\n\n\nb\r\n", [(1, b"a"), (4, b"b\r")]),
        (b"\n" * 10 + b"x", [(11, b"x")]),
        (b"x" * 65536 + b"\nok", [(1, b"x" * 65536), (2, b"ok")]),  # exactly the cap: kept
    ],
)
def test_lines_keep_file_numbers(
    tmp_path: Path, data: bytes, expected: list[tuple[int, bytes]]
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(data)
    assert lines_of(path) == expected


def test_line_split_across_chunks_is_whole(tmp_path: Path) -> None:
    line = b"y" * 300_000
    path = tmp_path / "f.txt"
    path.write_bytes(b"a\n" + line + b"\nb\n")
    got = lines_of(path, Limits(line_bytes=400_000))
    assert got == [(1, b"a"), (2, line), (3, b"b")]


def test_over_long_line_is_an_error_naming_the_line(tmp_path: Path, ledger: Ledger) -> None:
    row = ledger.row("reading: line over 64 KiB (error with file:line)")
    for where in (1, 2, 5000):
        with row.case():
            path = tmp_path / f"long{where}.txt"
            path.write_bytes(b"ok\n" * (where - 1) + b"z" * 70_000 + b"\nafter\n")
            with pytest.raises(InputLimitError) as caught:
                lines_of(path)
            assert caught.value.line == where
            assert str(caught.value).startswith(f"{path}:{where}: line is over 65,536 bytes")


def test_over_long_lines_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "log"
    path.write_bytes(b"a\n" + b"z" * 70_000 + b"\nb\n" + b"q" * 300_000 + b"\nc\n" + b"w" * 80_000)
    with LineReader(str(path), long_lines="skip") as reader:
        got = list(reader.numbered())
        assert got == [(1, b"a"), (3, b"b"), (5, b"c")]
        assert reader.skipped == 3 and reader.lines == 6


@needs_dev_zero
def test_dev_zero_stops_at_the_line_cap(ledger: Ledger) -> None:
    row = ledger.row("reading: /dev/zero (line cap, file cap, read_capped)")
    with row.case():
        started = time.monotonic()
        with pytest.raises(InputLimitError, match=r"^/dev/zero:1: line is over"):
            lines_of(ZERO)
        assert time.monotonic() - started < 5
    with row.case(), LineReader(ZERO, Limits(file_bytes=10 * 2**20), long_lines="skip") as reader:
        with pytest.raises(InputLimitError, match="file is over 10,485,760 bytes"):
            list(reader)
        assert reader.skipped == 1
    with row.case(), pytest.raises(InputLimitError, match=r"^/dev/zero: file is over 1,024 bytes"):
        read_capped(ZERO, 1024)


def test_read_capped(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 1000)
    assert read_capped(str(path), 1000) == b"x" * 1000
    with pytest.raises(InputLimitError):
        read_capped(str(path), 999)
    with pytest.raises(DataFileError, match=r"cannot read .*: it is a directory"):
        read_capped(str(tmp_path), 10)
    with pytest.raises(DataFileError, match="No such file"):
        read_capped(str(tmp_path / "absent"), 10)


def test_file_cap_applies_while_reading(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"name\n" * 100_000)  # 500,000 bytes
    seen = 0
    with pytest.raises(InputLimitError, match="file is over 300,000 bytes"):
        for _ in LineReader(str(path), Limits(file_bytes=300_000)):
            seen += 1
    assert 0 < seen < 100_000


def test_gzip_is_read_by_content(tmp_path: Path) -> None:
    path = tmp_path / "plain-name.txt"
    path.write_bytes(gzip.compress(b"a\nb\n") + gzip.compress(b"c\n"))  # two members
    assert [line for _, line in lines_of(path, GZ)] == [b"a", b"b", b"c"]
    assert lines_of(path)[0][1].startswith(b"\x1f\x8b")  # gzip=False: bytes as they are


@pytest.mark.parametrize(
    ("name", "damage", "reason"),
    [
        ("truncated", lambda d: d[: len(d) // 2], "truncated gzip"),
        ("header only", lambda d: d[:10], "truncated gzip"),
        ("junk after", lambda d: d + b"GARBAGE", "junk after the gzip stream"),
        ("one junk byte after", lambda d: d + b"\x00", "junk after the gzip stream"),
        ("bad checksum", lambda d: d[:-8] + bytes(8), "damaged gzip"),
        ("bad deflate", lambda d: d[:10] + b"\xff" * 50 + d[60:], "not gzip"),
    ],
)
def test_bad_gzip_is_one_error_after_the_lines_before(
    tmp_path: Path, name: str, damage: object, reason: str, ledger: Ledger
) -> None:
    row = ledger.row(f"reading: bad gzip ({name})")
    with row.case():
        data = gzip.compress(b"".join(b"line %d\n" % i for i in range(100_000)))
        path = tmp_path / "bad.gz"
        path.write_bytes(damage(data))  # type: ignore[operator]
        got: list[bytes] = []
        with pytest.raises(BadGzipError) as caught:
            for line in LineReader(str(path), GZ):
                got.append(line)
        message = str(caught.value)
        assert message.startswith(f"{path}: {reason}") and "\n" not in message
        assert caught.value.lines == len(got)
        assert got == [b"line %d" % i for i in range(len(got))]  # intact, in order


def test_newline_flood_is_refused_at_once(tmp_path: Path, ledger: Ledger) -> None:
    row = ledger.row("reading: 2 MB gzip of newlines (ratio cap)")
    with row.case():
        path = tmp_path / "flood.gz"
        packer = zlib.compressobj(9, wbits=31)
        with path.open("wb") as out:
            block = b"\n" * 2**24
            for _ in range(128):  # 2 GiB of newlines
                out.write(packer.compress(block))
            out.write(packer.flush())
        assert 1_500_000 < path.stat().st_size < 2_500_000
        started = time.monotonic()
        with pytest.raises(BadGzipError, match="over 200 times its size"):
            list(LineReader(str(path), GZ))
        assert time.monotonic() - started < 5


def test_plain_blank_flood_is_cheap(tmp_path: Path) -> None:
    path = tmp_path / "blank"
    path.write_bytes(b"\n" * 50_000_000 + b"last\n")
    # Peak memory, not wall time (a loaded machine broke the old 10 s bound): in a child
    # process, reading the 50 MB of blank lines costs under 20 MiB over importing the reader.
    script = (
        "import resource, sys\n"
        "from typorisk.kit.reading import LineReader\n"
        "if sys.argv[1] != '-':\n"
        "    with LineReader(sys.argv[1]) as r: found = list(r.numbered())\n"
        "    assert found == [(50_000_001, b'last')], found\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    peaks = [
        int(subprocess.run([sys.executable, "-c", script, arg], capture_output=True, text=True,
                           check=True, timeout=120).stdout)
        for arg in ("-", str(path))
    ]  # fmt: skip
    assert peaks[1] - peaks[0] < 20 * 1024, peaks  # KiB


def test_decompressed_size_cap(tmp_path: Path) -> None:
    path = tmp_path / "big.gz"
    path.write_bytes(gzip.compress(os.urandom(3 * 2**20)))  # incompressible: ratio ~1
    with pytest.raises(BadGzipError, match="decompresses to over 2,097,152 bytes"):
        list(LineReader(str(path), Limits(gzip=True, gzip_bytes=2 * 2**20), long_lines="skip"))


def test_text_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("é\n\nb\n"))
    assert [(n, line.decode()) for n, line in LineReader("-").numbered()] == [(1, "é"), (3, "b")]


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("{}", 1),
        ('{"a": [1, {"b": 2}]}', 3),
        ('{"a": "[[[[[[[[[["}', 1),
        ('["\\"[[[[", []]', 2),
        ("[" * 1000 + "]" * 1000, 1000),
        ("17", 0),
    ],
)
def test_json_depth(text: str, depth: int) -> None:
    assert json_depth(text) == depth


def test_the_depth_scan_never_rescans_an_unterminated_string(ledger: Ledger) -> None:
    """The string pattern matches from any quote to the closing quote or the end of the text
    (it never fails once started), which keeps the scan linear: a pattern that needs the
    closing quote is retried from every later quote, quadratic on a run of escaped quotes."""
    row = ledger.row("reading: JSON of 200,000 escaped quotes, never closed (linear scan)")
    for text in ['"' + '\\"' * 200_000, '"abc\\', '"' + "\\\\" * 1000, '"\\\n[[']:
        with row.case():
            found = _STRINGS.match(text)
            assert found is not None and found.end() == len(text)
    with row.case():
        assert json_depth("[" * 60 + '"' + '\\"' * 200_000) == 60
        with pytest.raises(ValueError, match="Unterminated string"):
            loads_bounded("[" * 60 + '"' + '\\"' * 200_000)


def test_loads_bounded(ledger: Ledger) -> None:
    row = ledger.row("reading: JSON nested too deep (no RecursionError)")
    brackets = "[" * 100  # inside a string: not nesting
    assert loads_bounded(json.dumps({"a": brackets})) == {"a": brackets}
    for depth in (MAX_JSON_DEPTH + 1, 5000, 30_000):
        with row.case(), pytest.raises(ValueError, match="nested deeper than 64 levels"):
            loads_bounded("[" * depth + "]" * depth)
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json.dumps(loads_bounded(nested)) == nested
