"""History of runs in SQLite (stdlib): runs, observations, first/last seen, changes, diffs."""

from typorisk.store.diff import Change, Diff, alerts, diff
from typorisk.store.store import Run, Store, row_problem, utcnow
from typorisk.store.watch import WatchHit

__all__ = ["Change", "Diff", "Run", "Store", "WatchHit", "alerts", "diff", "row_problem", "utcnow"]
