"""File-system locations: the user cache directory."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/typorisk``, or ``~/.cache/typorisk`` (not created here). Refreshed
    snapshots (``typorisk update-data``) and caches live there."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "typorisk"
