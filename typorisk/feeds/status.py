"""The status of a feed's last run: one small JSON file that ``typorisk run`` writes after every
attempt, complete or not, and ``typorisk serve`` publishes at ``/<feed>/status.json``.

Where: :func:`status_path`, ``<directory of the feed's first output>/.<feed>.status.json``
(beside the files it describes, where ``run`` can already write; the leading dot keeps it out of
directory listings and out of the served outputs). It is replaced atomically, like the outputs.

What (every key always present; times are UTC, ISO 8601, seconds):

- ``feed``: the feed's name; ``definition``: the YAML file's path;
- ``finished``: when the last attempt ended; ``verdict``: ``complete`` or ``incomplete``;
- ``reasons``: why it was incomplete (empty when complete);
- ``last_complete``: when a run last replaced the outputs (kept across incomplete attempts;
  ``null`` before the first complete run), so a firewall team sees how stale the lists are;
- ``outputs``: one mapping per output of the last *complete* run (``file``, ``format``,
  ``entries``);
- ``counts``: ``records`` (scan rows), ``unknown``, ``allowlisted``, ``refused`` of the last
  attempt (``records``/``unknown`` are ``null`` for an offline feed).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from typorisk.errors import DataFileError
from typorisk.feeds.run import RunReport
from typorisk.feeds.spec import FeedSpec
from typorisk.kit.atomic import atomic_write_text
from typorisk.kit.reading import read_capped

MAX_STATUS_BYTES = 1 << 20
"""A status file larger than this (1 MiB) is not ours: :func:`read_status` ignores it."""


def status_path(spec: FeedSpec) -> Path:
    """Where ``run`` keeps the status of ``spec`` (see the module docstring)."""
    return spec.outputs[0].path.parent / f".{spec.name}.status.json"


def read_status(path: Path) -> dict[str, object] | None:
    """The status at ``path``, or ``None`` when there is none or it is not a status file."""
    try:
        data = read_capped(str(path), MAX_STATUS_BYTES)
    except DataFileError:  # missing, unreadable or oversized (InputLimitError)
        return None
    try:
        value = json.loads(data)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def write_status(
    spec: FeedSpec,
    *,
    now: dt.datetime,
    report: RunReport | None = None,
    reasons: tuple[str, ...] = (),
) -> Path:
    """Record one attempt of ``spec``: complete when ``report`` is given, else incomplete for
    ``reasons``. Returns the status file's path. Raises
    :class:`~typorisk.errors.OutputWriteError` when it cannot be written."""
    path = status_path(spec)
    previous = read_status(path) or {}
    finished = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    status: dict[str, object] = {
        "feed": spec.name,
        "definition": str(spec.source),
        "finished": finished,
        "verdict": "complete" if report is not None else "incomplete",
        "reasons": list(reasons),
        "last_complete": finished if report is not None else previous.get("last_complete"),
        "outputs": previous.get("outputs", []),
        "counts": {"records": None, "unknown": None, "allowlisted": 0, "refused": 0},
    }
    if report is not None:
        status["outputs"] = [
            {"file": w.output.path.name, "format": w.output.format, "entries": w.entries}
            for w in report.written
        ]
        summary = report.summary
        status["counts"] = {
            "records": summary.records if summary is not None else None,
            "unknown": summary.unknown if summary is not None else None,
            "allowlisted": len(report.allowlisted),
            "refused": len(report.refused),
        }
    atomic_write_text(path, json.dumps(status, indent=1, sort_keys=True) + "\n")
    return path
