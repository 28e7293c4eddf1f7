"""The review in a real headless Chromium: no console error, the summary in the DOM, a
screenshot and a printed PDF that are not blank (pdftoppm), and the PDF's text (pdftotext).
Locally a missing chromium or poppler-utils skips; with ``CI`` set it fails."""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.kit.chromium import HEADLESS_FLAGS
from typorisk.report import build_review, render_html

from ..rank.world import COLLECTOR
from .store import ABUSE, make_store

CONSOLE = re.compile(r":CONSOLE[:(]\d*\)?\]? ?(.*)")
"""A console message in Chromium's stderr log (``INFO:CONSOLE:1] "..."``; older builds wrote
``CONSOLE(1)``)."""


def tool(*names: str, package: str) -> str:
    """The path of the first of ``names`` on PATH; skip, or fail when ``CI`` is set."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    message = f"{names[0]} is not installed (apt-get install {package})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def chromium() -> str:
    return tool("chromium", "chromium-browser", package="chromium")


def browser(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    flags = [
        *HEADLESS_FLAGS,
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
    ]
    return subprocess.run(
        [chromium(), *flags, *args], capture_output=True, text=True, timeout=120, check=False
    )


def console_messages(stderr: str) -> list[str]:
    """Console messages (errors, uncaught exceptions, CSP refusals) in Chromium's log."""
    return [m.group(1) for line in stderr.splitlines() if (m := CONSOLE.search(line))]


def png_colours(data: bytes) -> int:
    """How many distinct byte values the decoded PNG rows hold (a blank page has very few)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        pos += 12 + length
    return len(set(zlib.decompress(idat)))


def test_console_check_catches_errors(tmp_path: Path) -> None:
    """The positive control: the log check sees a console error and an uncaught exception."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><script>console.error("boom"); nope();</script>')
    result = browser("--dump-dom", page.as_uri(), profile=tmp_path / "p")
    messages = console_messages(result.stderr)
    assert any("boom" in m for m in messages) and any("Uncaught" in m for m in messages)


def test_review_in_headless_chromium(tmp_path: Path) -> None:
    with make_store(tmp_path / "h.db") as store:
        page = tmp_path / "review.html"
        page.write_text(render_html(build_review(store)), encoding="utf-8")
    dom = browser("--dump-dom", page.as_uri(), profile=tmp_path / "p1")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert '<section id="summary"' in dom.stdout and "Executive summary" in dom.stdout
    assert "What to do now" in dom.stdout and COLLECTOR in dom.stdout
    assert ABUSE["abuse_email"] in dom.stdout
    shot = tmp_path / "shot.png"
    result = browser(
        f"--screenshot={shot}", "--window-size=1200,1600", page.as_uri(), profile=tmp_path / "p2"
    )
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    assert png_colours(shot.read_bytes()) > 40
    if os.environ.get("TYPORISK_KEEP_SHOTS"):  # to look at them: a directory to copy into
        shutil.copy(shot, Path(os.environ["TYPORISK_KEEP_SHOTS"]) / "review.png")


def test_review_pdf_prints_and_renders(tmp_path: Path) -> None:
    chromium()
    pdftoppm = tool("pdftoppm", package="poppler-utils")
    pdftotext = tool("pdftotext", package="poppler-utils")
    db = tmp_path / "h.db"
    make_store(db).close()
    out = tmp_path / "out"
    assert main(["review", "--db", str(db), "--out", str(out), "--pdf"]) == 3
    pdf = out / "review.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = text.split("\f")
    assert "Executive summary" in pages[0] and "What to do now" in pages[0]  # page one
    for heading in ("Block now", "Register defensively", "Take down", "Watch", "clusters"):
        assert heading in text, heading
    assert ABUSE["abuse_email"] in text and COLLECTOR in text
    subprocess.run(
        [pdftoppm, "-png", "-r", "50", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    shots = sorted(tmp_path.glob("page-*.png"))
    assert len(shots) == len([p for p in pages if p.strip()]) >= 2
    for shot in shots:
        assert png_colours(shot.read_bytes()) > 40, shot.name
    if os.environ.get("TYPORISK_KEEP_SHOTS"):
        for shot in shots:
            shutil.copy(shot, Path(os.environ["TYPORISK_KEEP_SHOTS"]) / f"pdf-{shot.name}")
