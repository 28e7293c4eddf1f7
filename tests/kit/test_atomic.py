"""kit/atomic: a full disk is one line and keeps the old files; stale temporary files of killed
writers are cleaned, and nothing that is not ours is touched."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from typorisk.errors import TyporiskError
from typorisk.kit.atomic import STALE_SECONDS, AtomicFiles, atomic_write_text, clean_stale

from ..conftest import Ledger

FULL_DISK_GROUP = """
import resource, signal, sys
from pathlib import Path
from typorisk.kit.atomic import AtomicFiles
from typorisk.errors import TyporiskError
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))  # a disk that is full after 8 KiB
small, big = Path(sys.argv[1]), Path(sys.argv[2])
try:
    with AtomicFiles() as files:
        files.open(small).write("new small\\n")
        files.open(big).write("y" * 100_000)
except TyporiskError as exc:
    print("error:", exc)
"""


def dead_pid() -> int:
    """The PID of a process that has exited (and been reaped)."""
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(proc.stdout)


def test_full_disk_in_a_group_names_the_file_and_keeps_both(tmp_path: Path, ledger: Ledger) -> None:
    row = ledger.row("atomic: disk full mid-group (RLIMIT_FSIZE), old files kept")
    with row.case():
        small, big = tmp_path / "a.txt", tmp_path / "b.txt"
        small.write_text("old small\n")
        big.write_text("old big\n")
        proc = subprocess.run(
            [sys.executable, "-c", FULL_DISK_GROUP, str(small), str(big)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert proc.stdout == f"error: cannot write {big}: File too large; the old file is kept\n"
        assert "Traceback" not in proc.stderr
        assert small.read_text() == "old small\n" and big.read_text() == "old big\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_parent_is_a_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(TyporiskError) as caught:
        atomic_write_text(tmp_path / "file" / "out.txt", "data")
    assert str(caught.value).startswith(f"cannot write {tmp_path / 'file' / 'out.txt'}: ")
    assert str(caught.value).endswith("; the old file is kept")


def test_temporary_names_carry_our_pid(tmp_path: Path) -> None:
    with AtomicFiles() as files:
        files.open(tmp_path / "feed.txt").write("x")
        (tmp_name,) = [p.name for p in tmp_path.iterdir()]
        assert tmp_name.startswith(f".feed.txt.typorisk-{os.getpid()}.") and tmp_name.endswith(
            ".tmp"
        )
    assert [p.name for p in tmp_path.iterdir()] == ["feed.txt"]


def test_stale_temporary_files_are_cleaned_on_the_next_write(
    tmp_path: Path, ledger: Ledger
) -> None:
    row = ledger.row("atomic: temp files of killed runs (cleaned; others' files kept)")
    gone = dead_pid()
    live = os.getppid()  # the test runner's parent: running, not us
    old = time.time() - STALE_SECONDS - 60
    stale = [
        tmp_path / f".feed.txt.typorisk-{gone}.abcd1234.tmp",  # its writer is gone
        tmp_path / f".rpz.zone.typorisk-{live}.zz_99xyz.tmp",  # a live PID, but an hour old
    ]
    kept = [
        tmp_path / f".feed.txt.typorisk-{live}.k33p1ng0.tmp",  # a live writer, recent
        tmp_path / ".feed.txt.abcd1234.tmp",  # not our naming (no typorisk-PID)
        tmp_path / "notes.tmp",
        tmp_path / f".x.typorisk-{gone}.abcd1234.tmpx",
        tmp_path / f"feed.txt.typorisk-{gone}.abcd1234.tmp",  # not hidden: not ours
        tmp_path / "feed.txt",
    ]
    for path in stale + kept:
        path.write_text("partial")
    os.utime(stale[1], (old, old))
    os.utime(kept[1], (old, old))
    link = tmp_path / f".link.typorisk-{gone}.abcd1234.tmp"
    link.symlink_to(tmp_path / "feed.txt")  # a link is never followed nor removed
    other = tmp_path / f".other.typorisk-{gone}.abcd1234.tmp"
    other.write_text("someone else's")
    if os.getuid() == 0:
        os.chown(other, 65534, 65534)  # another user's file, even if ours by name
    with row.case():
        atomic_write_text(tmp_path / "feed.txt", "new\n")
        left = {p.name for p in tmp_path.iterdir()}
        assert not any(p.name in left for p in stale)
        assert {p.name for p in kept} <= left and link.name in left
        assert (tmp_path / "feed.txt").read_text() == "new\n"
        assert (other.name in left) == (os.getuid() == 0)


def test_clean_stale_never_touches_this_process_nor_another_directory(tmp_path: Path) -> None:
    mine = tmp_path / f".a.typorisk-{os.getpid()}.abcd1234.tmp"
    mine.write_text("x")
    os.utime(mine, (0, 0))
    sub = tmp_path / "sub"
    sub.mkdir()
    below = sub / f".a.typorisk-{dead_pid()}.abcd1234.tmp"
    below.write_text("x")
    assert clean_stale(tmp_path) == []
    assert mine.exists() and below.exists()
    assert clean_stale(sub) == [below]
