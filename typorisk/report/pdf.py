"""Print a review page to PDF with headless Chromium (the page's ``@media print`` CSS applies).

The one place the report layer starts a process: an argument vector (never a shell), a fresh
throw-away profile, every background network feature off, and a timeout. The page is a local
file with no external resource, so Chromium fetches nothing.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from typorisk.errors import OutputWriteError
from typorisk.kit.chromium import HEADLESS_FLAGS, find_chromium

FLAGS = (*HEADLESS_FLAGS, "--no-pdf-header-footer")
TIMEOUT = 120.0
"""Seconds Chromium may take to print (a large review prints in a few seconds)."""
KEPT = "the HTML and Markdown review are written"


def find_browser(pdf: Path, explicit: str | None = None) -> str:
    """The path of a Chromium-family browser: ``explicit`` when given, else the first of
    :data:`~typorisk.kit.chromium.BROWSERS` on ``PATH``. Raises
    :class:`~typorisk.errors.OutputWriteError` for ``pdf`` naming the package to install (exit
    code 5)."""
    found = find_chromium(explicit)
    if found:
        return found
    raise OutputWriteError(
        pdf,
        f"{explicit or 'chromium'} not found; install it (apt-get install chromium) or pass "
        "--browser PATH",
        KEPT,
    )


def print_pdf(
    html: Path, pdf: Path, *, browser: str | None = None, timeout: float = TIMEOUT
) -> Path:
    """Print the local page ``html`` to ``pdf`` (replaced atomically: written beside it, then
    renamed) and return ``pdf``. Raises :class:`~typorisk.errors.OutputWriteError` when
    Chromium is missing, fails, times out or writes no PDF (the old ``pdf`` is then kept)."""
    exe = find_browser(pdf, browser)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_name(f".{pdf.name}.part")
    with tempfile.TemporaryDirectory(prefix="typorisk-chromium-") as profile:
        argv = [exe, *FLAGS, f"--user-data-dir={profile}", f"--print-to-pdf={partial}"]
        try:
            done = subprocess.run(  # noqa: S603 - an argument vector from constants and paths
                [*argv, html.resolve().as_uri()],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            partial.unlink(missing_ok=True)
            raise OutputWriteError(pdf, f"{exe} took over {timeout:.0f} s", KEPT) from exc
    if done.returncode != 0 or not partial.exists() or partial.read_bytes()[:5] != b"%PDF-":
        partial.unlink(missing_ok=True)
        tail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise OutputWriteError(pdf, f"{exe} exited {done.returncode}: {tail[0]}", KEPT)
    partial.replace(pdf)
    return pdf
