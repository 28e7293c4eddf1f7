"""Run a feed definition: the one scan (:func:`typorisk.scan`) → thresholds → allowlist → every
output.

All outputs of a run are staged and replaced together
(:class:`~typorisk.writers.atomic.AtomicFiles`):
a consumer never sees half a file, and a run that fails leaves every previous file in place.
Offline feeds stream: rows are regenerated for each output (permutation is deterministic), so
memory does not grow with the feed. Feeds that resolve cannot rescan per output, and must not
write before the scan's verdict is known: the rows that pass go to a temporary JSON-lines file
as the scan yields them (ranked, riskiest first), and each output reads that file, so memory
does not grow with the feed either.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from typorisk.errors import RunIncompleteError, TyporiskError, UnsafeNameError
from typorisk.feeds.spec import FeedSpec, Output
from typorisk.kit.atomic import AtomicFiles
from typorisk.parse.targets import parse_target
from typorisk.pipeline import ScanOptions, ScanSummary, ScanTarget, Verdict, scan
from typorisk.pipeline.clients import Clients, default_clients
from typorisk.pipeline.rows import CANDIDATE_COLUMNS, scan_columns_of
from typorisk.resolve import ResolveStats
from typorisk.store import Store
from typorisk.writers.entries import Row, WriterOptions
from typorisk.writers.formats import FORMATS
from typorisk.writers.intel import misp_event_uuid, misp_manifest, write_misp_hashes

_SERIAL = re.compile(rb"^@ SOA \S+ \S+ (\d{1,10}) ", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Written:
    """One output of a run."""

    output: Output
    entries: int
    """Entries written (names, or rows for data formats)."""


@dataclass(slots=True)
class RunReport:
    """What a run did."""

    feed: str
    written: list[Written] = field(default_factory=list)
    allowlisted: set[str] = field(default_factory=set)
    """Names left out because an allowlisted name covers them (the name or a parent)."""
    refused: list[str] = field(default_factory=list)
    """Why rows were refused at the writer boundary (unsafe names), one message each."""
    summary: ScanSummary | None = None
    """The scan's summary (verdict, counts, DNS statistics) when the feed resolves."""
    run_id: int | None = None
    """The run recorded in the feed's history store (None: not recorded)."""

    @property
    def stats(self) -> ResolveStats | None:
        """DNS statistics when the feed resolves."""
        return self.summary.dns if self.summary is not None else None


def run_feed(
    spec: FeedSpec,
    *,
    now: dt.datetime | None = None,
    clients: Clients | None = None,
    history: Store | None = None,
) -> RunReport:
    """Produce every output of ``spec`` through the one scan pipeline; returns what was written.

    ``now`` (UTC, default: the clock) dates the files and sets the RPZ serial;
    ``clients`` are what the scan talks to the world through (slots left ``None``: the
    defaults of the definition's options, :func:`~typorisk.pipeline.clients.default_clients`:
    its name servers or the system resolver, the outbound address policy, the user's cache).
    With ``history``, every row the scan produced
    (before thresholds and the allowlist, as ``typorisk scan | typorisk record`` stores them)
    is recorded there as one run of the feed named ``spec.name``, marked incomplete when the
    scan was (:attr:`RunReport.run_id`; the newest run of the feed when an error is raised).
    Raises :class:`~typorisk.errors.RunIncompleteError` when the scan did not see the world (a
    dead resolver, too many unknown names) and :class:`~typorisk.errors.TyporiskError` when an
    output cannot be written: in both cases no output is replaced.
    """
    now = now or dt.datetime.now(dt.UTC)
    report = RunReport(spec.name)
    targets = [ScanTarget(parse_target(t.domain), t.weight, t.top) for t in spec.targets]
    columns = feed_columns(spec.options)
    clients = default_clients(spec.options, given=clients)
    recorder = _Recorder(history, spec) if history is not None else None
    with contextlib.ExitStack() as stack:
        if recorder is not None:
            stack.enter_context(recorder)
        watched = watch_rows(spec, now)
        if spec.resolve is None:
            if recorder is not None:
                recorder.record(scan(targets, spec.options, clients=clients).rows(columns))

            def source() -> Iterator[Row]:
                rows = _with_watch(
                    scan(targets, spec.options, clients=clients).rows(columns), watched
                )
                return _filtered(spec, rows, report)

        else:
            result = scan(targets, spec.options, clients=clients)
            held = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))
            scanned: Iterable[Row] = result.rows(columns)
            if recorder is not None:
                scanned = recorder.holding(scanned, stack)
            for row in _filtered(spec, _with_watch(scanned, watched), report):
                held.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            report.summary = result.summary
            if recorder is not None:
                recorder.record_held(result.summary)
            if result.summary.verdict is Verdict.INCOMPLETE:
                raise RunIncompleteError(spec.name, tuple(result.summary.reasons))

            def source() -> Iterator[Row]:
                return _reread(held)

        _write_outputs(spec, report, columns, source, now)
        if recorder is not None:
            report.run_id = recorder.run_id
    return report


class _Recorder:
    """One run of a feed in a history store: begun on entry, its rows added as
    :meth:`Store.add` does for ``typorisk record``, finished complete or incomplete (with the
    reasons); a run left by an error or Ctrl-C is marked incomplete on exit."""

    def __init__(self, store: Store, spec: FeedSpec) -> None:
        self.store = store
        self.spec = spec
        self.run_id: int | None = None
        self.finished = False
        self._held: TextIO | None = None

    def __enter__(self) -> _Recorder:
        self.run_id = self.store.begin_run(
            self.spec.name, {"via": "run", "definition": str(self.spec.source)}
        )
        return self

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if self.finished or self.run_id is None:
            return
        reason = f"the run stopped: {exc}" if exc is not None else "the run stopped"
        with contextlib.suppress(TyporiskError):  # the disk may be full: the first error stands
            self._finish({"incomplete": reason}, complete=False)

    def record(self, rows: Iterable[Row]) -> None:
        """Add ``rows`` and finish the run complete (an offline feed: nothing is unknown)."""
        assert self.run_id is not None
        self.store.add(self.run_id, rows)
        self._finish({}, complete=True)

    def holding(self, rows: Iterable[Row], stack: contextlib.ExitStack) -> Iterator[Row]:
        """``rows``, each also kept in a temporary file until :meth:`record_held` (the store
        is written once the scan's verdict is known, in the store's own batches)."""
        # closed by the run's ExitStack, with the file of the rows that pass
        held = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8"))  # noqa: SIM115
        self._held = held
        for row in rows:
            held.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            yield row

    def record_held(self, summary: ScanSummary) -> None:
        """Add the rows :meth:`holding` kept; the run is complete when the scan was."""
        assert self.run_id is not None and self._held is not None
        self.store.add(self.run_id, _reread(self._held))
        complete = summary.verdict is not Verdict.INCOMPLETE
        stats: dict[str, object] = {} if complete else {"incomplete": "; ".join(summary.reasons)}
        self._finish(stats, complete=complete)

    def _finish(self, stats: dict[str, object], *, complete: bool) -> None:
        assert self.run_id is not None
        total = self.store.count(self.run_id)
        self.store.finish_run(self.run_id, {"rows": total, **stats}, complete=complete)
        self.finished = True


def _reread(held: TextIO) -> Iterator[Row]:
    """The rows written to ``held``, from its start (JSON keeps every cell type a row has)."""
    held.seek(0)
    for line in held:
        yield json.loads(line)


def _write_outputs(
    spec: FeedSpec,
    report: RunReport,
    columns: tuple[str, ...],
    source: Callable[[], Iterator[Row]],
    now: dt.datetime,
) -> None:
    """Every output of ``spec`` from ``source`` (called once per file), replaced together."""

    def refuse(row: Row, exc: UnsafeNameError) -> None:
        report.refused.append(str(exc))

    with AtomicFiles() as files:
        for output in spec.outputs:
            options = WriterOptions(
                now=now,
                feed=spec.name,
                on_invalid=refuse,
                settings=_settings(spec, output, columns),
                allow=frozenset(spec.allowlist),
                block_anyway=frozenset(spec.block_anyway),
            )
            count = _write(files, output, source, options)
            report.written.append(Written(output, count))


def feed_columns(options: ScanOptions) -> tuple[str, ...]:
    """The row columns of a feed's data outputs (csv, jsonl, json, yaml) by default."""
    if not options.resolve:
        return (*CANDIDATE_COLUMNS, "weight")
    return (*scan_columns_of(options), "weight")


def _write(
    files: AtomicFiles, output: Output, source: Callable[[], Iterator[Row]], options: WriterOptions
) -> int:
    spec = FORMATS[output.format]
    if not spec.directory:
        return spec.write(source(), files.open(output.path), options)
    event = misp_event_uuid(options)
    count = spec.write(source(), files.open(output.path / f"{event}.json"), options)
    write_misp_hashes(source(), files.open(output.path / "hashes.csv"), options)
    manifest = files.open(output.path / "manifest.json")
    manifest.write(json.dumps(misp_manifest(options), indent=1) + "\n")
    return count


def _settings(spec: FeedSpec, output: Output, columns: tuple[str, ...]) -> dict[str, object]:
    """The output's settings, plus what the runner knows: the previous RPZ serial in the file it
    replaces, the allowlist as RPZ passthru entries, and the scan's columns for data formats."""
    settings = dict(output.settings)
    if "columns" in FORMATS[output.format].settings:
        settings.setdefault("columns", list(columns))
    if output.format == "rpz":
        settings.setdefault("passthru", list(spec.allowlist))
        previous = _previous_serial(output.path)
        given = settings.get("previous_serial")
        if previous is not None and not (isinstance(given, int) and given >= previous):
            settings["previous_serial"] = previous
    return settings


def _previous_serial(path: Path) -> int | None:
    """The SOA serial of an RPZ file this module wrote before (``None``: none or unreadable)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    match = _SERIAL.search(head)
    return int(match.group(1)) if match else None


def watch_rows(spec: FeedSpec, now: dt.datetime) -> list[Row]:
    """Rows of the look-alikes ``typorisk watch`` stored for the feed's targets (its ``watch:``
    section; none without one): ``kinds`` is ``watch-<rule>``, ``weight`` the target's.
    Raises :class:`TyporiskError` when the store does not exist."""
    if spec.watch is None:
        return []
    if not spec.watch.store.exists():
        raise TyporiskError(
            f"{spec.source}: watch.store {spec.watch.store} does not exist; run "
            f"'typorisk watch ... --db {spec.watch.store}' first"
        )
    weights = {parse_target(t.domain).registrable: t.weight for t in spec.targets}
    since = (now - dt.timedelta(days=spec.watch.since_days)).replace(microsecond=0)
    with Store(spec.watch.store) as store:
        hits = store.watch_hits(since.isoformat(), min_score=spec.watch.min_score)
    return [{"target": h.target, "domain": h.domain, "kinds": [f"watch-{h.rule}"],
             "weight": weights[h.target]} for h in hits if h.target in weights]  # fmt: skip


def _with_watch(rows: Iterable[Row], watched: list[Row]) -> Iterator[Row]:
    """``rows``, then the watch rows whose domain none of them had (without watch rows, the
    rows alone: no set of every domain is held)."""
    if not watched:
        yield from rows
        return
    seen: set[object] = set()
    for row in rows:
        seen.add(row.get("domain"))
        yield row
    yield from (row for row in watched if row["domain"] not in seen)


def _filtered(spec: FeedSpec, rows: Iterable[Row], report: RunReport) -> Iterator[Row]:
    """Rows that pass the thresholds (:func:`_passes`) and that no allowlisted name covers
    (the name itself or a parent)."""
    allowed = set(spec.allowlist)
    for row in rows:
        if not _passes(spec, row):
            continue
        domain = str(row.get("domain", ""))
        labels = domain.split(".")
        if allowed and any(".".join(labels[i:]) in allowed for i in range(len(labels))):
            report.allowlisted.add(domain)
            continue
        yield row


def _passes(spec: FeedSpec, row: Row) -> bool:
    """The thresholds, each applied once:

    - ``min_likelihood`` compares likelihood × the target's weight (likelihood is a property of
      the typing alone; the weight says how much the target matters);
    - ``min_risk`` compares the row's risk **itself**: the weight is already inside risk (its
      ``exposure`` factor, ``contrib_exposure``), so it is not applied a second time.
    """
    weight = row.get("weight", 1.0)
    likelihood = row.get("likelihood")
    if (
        isinstance(likelihood, float)
        and isinstance(weight, int | float)
        and likelihood * weight < spec.min_likelihood
    ):
        return False
    if spec.resolve is None:
        return True
    registration = row.get("registration")
    if registration == "unregistered" and not spec.include_unregistered:
        return False
    if registration == "unknown" and not spec.include_unknown:
        return False
    risk = row.get("risk")
    return not (spec.min_risk is not None and isinstance(risk, float) and risk < spec.min_risk)
