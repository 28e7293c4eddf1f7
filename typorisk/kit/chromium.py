"""Headless Chromium, as every part of typorisk starts it (the review's PDF, the web stage's
screenshots, the browser tests): one list of flags and one way to find the binary.

The flags keep a run offline and reproducible: no sandbox (CI runs as root), no GPU, no QUIC,
no first-run pages, and every background network feature off (component updates, sync), so the
only requests Chromium makes are the ones for the page it was given.
"""

from __future__ import annotations

import shutil

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Names of Chromium-family browsers, in the order they are looked for on ``PATH``."""
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Flags of every headless start (a caller adds its profile, its output and its own flags)."""


def find_chromium(explicit: str | None = None) -> str | None:
    """The path of ``explicit`` when given, else of the first of :data:`BROWSERS` on ``PATH``;
    ``None`` when none is installed."""
    for name in (explicit,) if explicit else BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None
