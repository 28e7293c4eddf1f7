"""The status of a feed's last run: one small JSON file that ``typorisk run`` writes after every
attempt, complete or not, and ``typorisk serve`` publishes at ``/<feed>/status.json``.

Where: :func:`status_path`, ``<directory of the feed's first output>/.<feed>.status.json``
(beside the files it describes, where ``run`` can already write; the leading dot keeps it out of
directory listings and out of the served outputs). It is replaced atomically, like the outputs.

What (every key always present; times are UTC, ISO 8601, seconds). It is published to every
puller, so it names nothing outside the feed: no absolute path, no server address
(:func:`public_status`, which ``serve`` also applies to whatever file it finds):

- ``feed``: the feed's name; ``definition``: the YAML file's name (not its path);
- ``finished``: when the last attempt ended; ``verdict``: ``complete`` or ``incomplete``;
- ``reasons``: why it was incomplete (empty when complete), with IP addresses (and their
  ports) shown as ``<address>`` and paths as their last component (:func:`public_reason`);
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
import re
from pathlib import Path, PurePath

from typorisk.errors import DataFileError
from typorisk.feeds.run import RunReport
from typorisk.feeds.spec import FeedSpec
from typorisk.kit.atomic import atomic_write_text
from typorisk.kit.reading import loads_bounded, read_capped

MAX_STATUS_BYTES = 1 << 20
"""A status file larger than this (1 MiB) is not ours: :func:`read_status` ignores it."""
MAX_REASONS = 20
"""Reasons published at most (the first ones)."""
MAX_REASON_CHARS = 300
"""Longest reason published, in characters."""
_ADDRESS = re.compile(
    r"\[[0-9A-Fa-f:.%\w]+\](?::\d+)?"  # [IPv6]:port
    r"|(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?(?![\w.])"  # IPv4[:port]
    r"|(?<![\w:.])(?=[0-9A-Fa-f:.]*[0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}"
    r"(?:[0-9A-Fa-f]{0,4}|(?:\d{1,3}\.){3}\d{1,3})(?:%\w+)?(?![\w:.])"  # IPv6
)
_PATH = re.compile(r"(?<![\w.:/~-])(?:~|\.{1,2})?/[^\s'\",;()\[\]]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def status_path(spec: FeedSpec) -> Path:
    """Where ``run`` keeps the status of ``spec`` (see the module docstring)."""
    return spec.outputs[0].path.parent / f".{spec.name}.status.json"


def read_status(path: Path) -> dict[str, object] | None:
    """The status at ``path``, or ``None`` when there is none or it is not a status file."""
    try:
        data = read_capped(str(path), MAX_STATUS_BYTES)
    except DataFileError:  # missing, unreadable or oversized (InputLimitError)
        return None
    return parse_status(data)


def parse_status(data: bytes) -> dict[str, object] | None:
    """The status document in ``data``, or ``None`` when it is not a JSON object."""
    try:
        value = loads_bounded(data.decode("utf-8"))
    except ValueError:  # not UTF-8, not JSON, nested too deep
        return None
    return value if isinstance(value, dict) else None


def public_reason(text: str) -> str:
    """``text`` with IP addresses (with their ports) as ``<address>``, paths as their last
    component, control characters as spaces, at most :data:`MAX_REASON_CHARS` characters."""
    text = _ADDRESS.sub("<address>", _CONTROL.sub(" ", text))
    text = _PATH.sub(lambda m: PurePath(m.group()).name or "<path>", text)
    return text[:MAX_REASON_CHARS]


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return public_reason(value) if isinstance(value, str) else None


def public_status(status: dict[str, object]) -> dict[str, object]:
    """The keys of the module docstring from ``status`` and nothing else: names relative to
    the feed (file names), counts, verdict, times, reasons through :func:`public_reason`.
    Values of the wrong type become ``null`` (lists: empty)."""
    reasons = status.get("reasons")
    outputs = status.get("outputs")
    counts = status.get("counts")
    definition = status.get("definition")
    return {
        "feed": _text(status.get("feed")),
        "definition": PurePath(definition).name if isinstance(definition, str) else None,
        "finished": _text(status.get("finished")),
        "verdict": v if (v := status.get("verdict")) in ("complete", "incomplete") else None,
        "reasons": [
            public_reason(r)
            for r in (reasons if isinstance(reasons, list) else [])
            if isinstance(r, str)
        ][:MAX_REASONS],
        "last_complete": _text(status.get("last_complete")),
        "outputs": [
            {
                "file": PurePath(o["file"]).name if isinstance(o.get("file"), str) else None,
                "format": _text(o.get("format")),
                "entries": _count(o.get("entries")),
            }
            for o in (outputs if isinstance(outputs, list) else [])
            if isinstance(o, dict)
        ],
        "counts": {
            key: _count(counts.get(key)) if isinstance(counts, dict) else None
            for key in ("records", "unknown", "allowlisted", "refused")
        },
    }


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
        "definition": spec.source.name,
        "finished": finished,
        "verdict": "complete" if report is not None else "incomplete",
        "reasons": list(reasons),  # made public below
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
    atomic_write_text(path, json.dumps(public_status(status), indent=1, sort_keys=True) + "\n")
    return path
