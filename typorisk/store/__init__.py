"""History of runs in SQLite (stdlib): runs, observations, first/last seen, changes, diffs."""

from typorisk.store.diff import Change, Diff, diff
from typorisk.store.store import Run, Store, utcnow

__all__ = ["Change", "Diff", "Run", "Store", "diff", "utcnow"]
