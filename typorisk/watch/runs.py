"""Watch runs: read a source, match its new names, store the hits and the source's state.

Three sources, each resumable from the store (:mod:`typorisk.store.watch`):

* :func:`watch_lists`: NRD lists (files or folders of daily lists). A file whose size and mtime
  are those recorded is not read again; a file is recorded only once it was read to its end,
  so a killed or damaged read is read again next time (its hits are stored per batch, so they
  are not reported new twice);
* :func:`watch_zone`: two days of one zone; the names delegated in the newer and not in the
  older are matched; the pair is recorded, so the same new file is not reported twice;
* :func:`watch_ct`: Certificate Transparency logs through :func:`typorisk.watch.ct.poll_log`;
  each log's :class:`~typorisk.watch.ct.CTState` (with the root hash of the tree head it was
  proven against) is stored with the hits of the batch that reached it (one transaction), so a
  kill re-reads at most one batch; the entries that matched are proven in the log's tree before
  their hits are stored. A log that fails (:class:`~typorisk.errors.CTLogError`: unreachable,
  refused by the address policy, a malformed, oversized or hostile answer, a proof that fails)
  keeps its state and makes the run incomplete; the other logs are read on.

A hit is new when the store had no look-alike for its (domain, target) before.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from typorisk.errors import BadGzipError, CTLogError, DataFileError, InputLimitError
from typorisk.match import Hit, Matcher
from typorisk.store import Store, WatchHit, utcnow
from typorisk.watch.ct import CTBatch, CTLog, CTState, poll_log
from typorisk.watch.lists import (
    MAX_QUOTED,
    ListStats,
    describe,
    list_files,
    read_names,
)
from typorisk.watch.zonediff import PART_NAMES, DiffCounts, added_names, part_count, spill_zone


@dataclass(slots=True)
class WatchReport:
    """What one watch run read and found."""

    source: str
    """The source's name in the store (``nrd:PATH``, ``zone:ORIGIN``, ``ct``)."""
    reading: ListStats = field(default_factory=ListStats)
    """Files, lines, names, malformed and over-long lines, read errors."""
    hits: int = 0
    """Names that matched a target (new or already known)."""
    new: list[WatchHit] = field(default_factory=list)
    """Hits first seen in this run."""
    skipped_files: int = 0
    """Files not read because they were read before, unchanged."""
    incomplete: list[str] = field(default_factory=list)
    """Why the run did not see all it should (a CT log down); empty when complete."""
    seconds: float = 0.0
    """Wall-clock time of the run."""
    extra: dict[str, int] = field(default_factory=dict)
    """Source-specific counters (CT: entries, unparsable; zone: added)."""


def to_hit(found: Hit) -> WatchHit:
    """The store's record of a matcher hit."""
    return WatchHit(found.domain, found.target, found.name, found.rule, found.score,
                    found.other_suffix, found.detail)  # fmt: skip


def _store_batch(
    store: Store,
    report: WatchReport,
    hits: Sequence[Hit],
    state: dict[str, object] | None,
    now: Callable[[], str],
) -> None:
    report.hits += len(hits)
    report.new.extend(store.record_watch(report.source, map(to_hit, hits), state, now()))


def watch_lists(
    paths: Sequence[Path],
    matcher: Matcher,
    store: Store,
    *,
    now: Callable[[], str] = utcnow,
    batch: int = 50_000,
    reread: bool = False,
) -> WatchReport:
    """Match the names of NRD lists not read before (see the module docstring); ``reread``
    reads every file again. Raises :class:`~typorisk.errors.DataFileError` when a path does
    not exist (before anything is read); damage inside a file is in ``report.reading``
    (``errors``: that file was not read to its end and is not marked read; the run is
    incomplete, the other files are read and their hits stored)."""
    started = time.monotonic()
    files = [f for path in paths for f in list_files(path)]
    source = "nrd:" + ",".join(sorted(str(p.resolve()) for p in paths))
    report = WatchReport(source)
    state = dict(store.watch_state(source) or {})
    seen = dict(state.get("files", {}) or {})  # type: ignore[call-overload]
    for path in files:
        identity = describe([path]).get(str(path))
        if not reread and identity is not None and seen.get(str(path)) == identity:
            report.skipped_files += 1
            continue
        errors_before = len(report.reading.errors)
        for names in read_names(path, report.reading, batch):
            _store_batch(store, report, matcher.match_names(names, registrable=True), None, now)
        if len(report.reading.errors) == errors_before and identity is not None:
            seen[str(path)] = identity
            _store_batch(store, report, [], {"files": seen}, now)
    report.seconds = time.monotonic() - started
    return report


def watch_zone(
    old: Path,
    new: Path,
    matcher: Matcher,
    store: Store,
    *,
    now: Callable[[], str] = utcnow,
    batch: int = 50_000,
    part_names: int = PART_NAMES,
) -> WatchReport:
    """Match the names delegated in ``new`` and not in ``old`` (two CZDS files of one zone),
    in bounded memory (:mod:`typorisk.watch.zonediff`: about ``part_names`` names of each day
    in memory at a time, the rest in temporary files). A zone file damaged inside (a truncated
    or bomb gzip) is the source's error: ``report.incomplete`` says why, nothing is matched and
    the pair is not recorded. Raises :class:`~typorisk.errors.DataFileError` for an unreadable
    file or one that is no zone file, two files of different zones, or temporary files that
    cannot be written (nothing is matched then)."""
    started = time.monotonic()
    parts = part_count(old, new, part_names=part_names)
    try:
        spill_dir = tempfile.TemporaryDirectory(prefix="typorisk-zone-")
    except OSError as exc:
        raise DataFileError(
            f"cannot make a directory for the zone diff's temporary files: {exc}; set TMPDIR "
            "to a writable directory"
        ) from exc
    with spill_dir as spill:
        try:
            before = spill_zone(old, Path(spill), "old", parts)
            after = spill_zone(new, Path(spill), "new", parts)
        except DataFileError as exc:
            if not isinstance(exc.__cause__, BadGzipError | InputLimitError):
                raise
            report = WatchReport(f"zone:{new.name}", incomplete=[str(exc)])
            report.seconds = time.monotonic() - started
            return report
        report = WatchReport(f"zone:{after.origin}")
        report.reading.files = 2
        report.reading.lines = before.lines + after.lines
        report.reading.overlong = before.skipped + after.skipped
        identity = {"old": describe([old]).get(str(old)), "new": describe([new]).get(str(new))}
        state = dict(store.watch_state(report.source) or {})
        if state.get("last") == identity and before.origin == after.origin:
            report.skipped_files = 2
            report.seconds = time.monotonic() - started
            return report
        counts = DiffCounts()
        pending: list[str] = []
        for names in added_names(before, after, counts):
            pending.extend(names)
            while len(pending) >= batch:
                chunk, pending = pending[:batch], pending[batch:]
                _store_batch(store, report, matcher.match_names(chunk, registrable=True), None, now)
        if pending:
            _store_batch(store, report, matcher.match_names(pending, registrable=True), None, now)
    report.reading.names = counts.added
    report.extra = {"delegated": counts.delegated, "added": counts.added}
    _store_batch(store, report, [], {"last": identity, "origin": after.origin}, now)
    report.seconds = time.monotonic() - started
    return report


# Certificate Transparency -----------------------------------------------------------------


def ct_source(log: CTLog) -> str:
    """The store's name for one log's state: ``ct:`` + its log id (or URL when it has none)."""
    return "ct:" + (log.log_id or log.url)


def _ct_state(raw: Mapping[str, object] | None) -> CTState | None:
    if raw is None:
        return None
    index, size, root = raw.get("next_index"), raw.get("tree_size"), raw.get("root_hash", "")
    if isinstance(index, int) and isinstance(size, int):
        try:
            root_hash = base64.b64decode(root, validate=True) if isinstance(root, str) else b""
        except binascii.Error:
            root_hash = b""
        return CTState(index, size, root_hash if len(root_hash) == 32 else b"")
    return None


def _saved(state: CTState, log: CTLog) -> dict[str, object]:
    """The store's record of a log's state (the root hash in base64)."""
    return {"next_index": state.next_index, "tree_size": state.tree_size,
            "root_hash": base64.b64encode(state.root_hash).decode(), "log": log.url}  # fmt: skip


@dataclass(slots=True)
class _Auditor:
    """Matches each batch once, before it is proven, and names the entries that hit: those
    are proven by inclusion (RFC 6962) before their hits are believed."""

    matcher: Matcher
    found: list[tuple[list[str], list[Hit]]] = field(default_factory=list)

    def __call__(self, batch: CTBatch) -> list[int]:
        names = ct_names(batch)
        hits = self.matcher.match_names(names)
        self.found.append((names, hits))
        hit = {h.name for h in hits}
        return [e.index for e in batch.entries if any(n.removeprefix("*.") in hit for n in e.names)]


def ct_names(batch: CTBatch) -> list[str]:
    """Every distinct name of a batch, wildcards reduced to the name below them
    (``*.paypal-login.com`` → ``paypal-login.com``), in order."""
    names: dict[str, None] = {}
    for entry in batch.entries:
        for name in entry.names:
            names[name.removeprefix("*.")] = None
    return list(names)


async def _watch_log(
    session: aiohttp.ClientSession,
    log: CTLog,
    *,
    matcher: Matcher,
    store: Store,
    report: WatchReport,
    options: CTOptions,
) -> None:
    source = ct_source(log)
    stored = _ct_state(store.watch_state(source))
    state = stored or (CTState(0, 0) if options.from_start else None)
    extra = report.extra
    auditor = _Auditor(matcher)
    try:
        async for batch in poll_log(
            session, log, state, max_entries=options.max_entries, rate=options.rate,
            timeout=options.timeout, sample=options.sample, audit=auditor,
        ):  # fmt: skip
            names, hits = auditor.found.pop()
            report.hits += len(hits)
            new = store.record_watch(source, map(to_hit, hits), _saved(batch.state, log),
                                     options.now())  # fmt: skip
            report.new.extend(new)
            report.reading.names += len(names)
            extra["entries"] = extra.get("entries", 0) + len(batch.entries) + batch.unparsable
            extra["unparsable"] = extra.get("unparsable", 0) + batch.unparsable
            extra["invalid_names"] = extra.get("invalid_names", 0) + batch.invalid_names
            report.reading.quoted.extend(batch.problems[: MAX_QUOTED - len(report.reading.quoted)])
    except CTLogError as exc:
        report.incomplete.append(f"{log.name}: {exc}")
        return
    extra["logs"] = extra.get("logs", 0) + 1


@dataclass(frozen=True, slots=True)
class CTOptions:
    """How :func:`watch_ct` reads the logs."""

    max_entries: int = 10_000
    """Entries read per log per run, at most."""
    rate: float = 2.0
    """Requests per second per log, at most."""
    timeout: float = 30.0
    """Seconds per request."""
    sample: float = 1.0
    """RFC 6962 logs: inclusion proofs per 256 entries read, entries picked at random (besides
    the entries that matched, up to 16 a page)."""
    from_start: bool = False
    """A log never read before is read from entry 0 (default: from its current head, so only
    certificates logged from now on are reported)."""
    now: Callable[[], str] = utcnow
    """The clock stamping hits and states (ISO 8601 UTC)."""


async def watch_ct(
    logs: Sequence[CTLog],
    matcher: Matcher,
    store: Store,
    session: aiohttp.ClientSession,
    options: CTOptions = CTOptions(),
) -> WatchReport:
    """Read every log concurrently (one task each, each bounded by ``options.rate``), match
    every DNS name of its new entries, store hits and state per batch. A log that fails is in
    ``report.incomplete``; the others are read to their end (or ``max_entries``)."""
    started = time.monotonic()
    report = WatchReport("ct")
    async with asyncio.TaskGroup() as group:
        for log in logs:
            group.create_task(
                _watch_log(
                    session, log, matcher=matcher, store=store, report=report, options=options
                )
            )
    report.reading.files = report.extra.get("logs", 0)
    report.seconds = time.monotonic() - started
    return report
