"""What the CLI says on stderr while and after a scan runs: progress, statistics, the verdict."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO, cast

from typorisk.cli import EXIT_INCOMPLETE, EXIT_REJECTED
from typorisk.kit.bridge import WAITING
from typorisk.pipeline import ScanSummary, Verdict
from typorisk.resolve import ResolveStats
from typorisk.writers.formats import write_rows
from typorisk.writers.rows import Row


class Progress:
    """Progress on stderr, drawn by rich, **only when stderr is a terminal** (silent in cron,
    pipes and files): names settled, the total when it is known, names/s, a bar and the time
    left. The line is erased at the end.

    ``poll`` (optional) returns the count settled so far: the scan counts names as the resolve
    stage settles them, before ranking holds the rows back; without it, :meth:`tick` counts.
    """

    def __init__(
        self,
        err: TextIO | None = None,
        total: int | None = None,
        poll: Callable[[], int] | None = None,
        label: str = "names",
    ) -> None:
        self.err = err or sys.stderr
        self.enabled = _isatty(self.err)
        self.total = total
        self.count = 0
        self._poll = poll
        self._label = label
        self._bar: _RichProgress | None = None

    def start(self) -> Progress:
        """Start drawing (a refresh thread redraws four times a second)."""
        if self.enabled and self._bar is None:
            self._bar = _RichProgress(self)
            self._bar.start()
        return self

    def settled(self) -> int:
        """Names settled so far."""
        return self._poll() if self._poll is not None else self.count

    def tick(self) -> None:
        """Count one row written."""
        self.count += 1

    def close(self) -> None:
        """Erase the progress line."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _RichProgress:
    """The rich side of :class:`Progress` (rich is imported only when a terminal shows it)."""

    def __init__(self, owner: Progress) -> None:
        # rich loads only when a terminal shows progress
        from rich.console import Console  # noqa: PLC0415
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            MofNCompleteColumn,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.progress import Progress as Bar  # noqa: PLC0415
        from rich.text import Text  # noqa: PLC0415

        label = owner._label

        class Rate(ProgressColumn):
            def render(self, task: Any) -> Text:
                speed = task.finished_speed or task.speed
                return Text(f"{speed or 0:,.0f} {label}/s")

        class Polled(Bar):
            task: Any = None

            def get_renderables(self) -> Any:
                if self.task is not None:  # rich draws once before the task exists
                    self.update(self.task, completed=owner.settled())
                yield from super().get_renderables()

        columns: list[ProgressColumn] = [TextColumn(f"[progress.description]{label}")]
        if owner.total:
            columns += [BarColumn(), MofNCompleteColumn()]
        else:
            columns += [TextColumn("{task.completed:,}")]
        columns += [Rate(), TimeElapsedColumn()]
        if owner.total:
            columns += [TextColumn("left"), TimeRemainingColumn()]
        self.bar = Polled(
            *columns,
            console=Console(file=owner.err, highlight=False),
            transient=True,
            refresh_per_second=4,
            speed_estimate_period=10.0,
        )
        self.bar.task = self.bar.add_task(label, total=owner.total)

    def start(self) -> None:
        self.bar.start()

    def stop(self) -> None:
        self.bar.stop()


def write_progressing(
    rows: Iterable[Row],
    fmt: str,
    columns: Sequence[str],
    out: TextIO | None = None,
    *,
    total: int | None = None,
    poll: Callable[[], int] | None = None,
) -> int:
    """Write ``rows`` as ``fmt`` to stdout (or ``out``) as they arrive, with progress on a
    terminal (:class:`Progress`: ``total`` names, ``poll`` the count settled; erased at the
    end, also on an error); returns the rows written."""
    out = out or sys.stdout
    progress = Progress(total=total, poll=poll).start()

    def counted() -> Iterator[Row]:
        for row in rows:
            progress.tick()
            yield row

    # On a terminal the rows share the screen with the progress line: it is erased before the
    # first row is written, so the table starts on a clean line and no frame is left behind.
    sink: TextIO | Chunked | _AfterProgress = (
        _AfterProgress(out, progress) if _isatty(out) else Chunked(out)
    )
    waiting = WAITING.set(sink.flush)
    try:
        count = write_rows(counted(), fmt, cast(TextIO, sink), columns)
    except BaseException:
        # The rows settled before an input error or Ctrl-C are written (the error stays
        # the one raised: an output that fails too is the lesser news).
        with contextlib.suppress(OSError, ValueError):
            sink.flush()
        raise
    else:
        sink.flush()
    finally:
        WAITING.reset(waiting)
        progress.close()
    return count


class _AfterProgress:
    """A terminal ``out`` that closes ``progress`` (erasing its line) before its first write."""

    def __init__(self, out: TextIO, progress: Progress) -> None:
        self.out = out
        self.progress = progress

    def write(self, text: str) -> int:
        """Erase the progress line (once), then write ``text``."""
        self.progress.close()
        return self.out.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """:meth:`write` each of ``lines``."""
        for line in lines:
            self.write(line)

    def isatty(self) -> bool:
        """True: this is a terminal."""
        return True

    def flush(self) -> None:
        """Flush ``out``."""
        self.out.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.out, name)


class Chunked:
    """A text sink that writes to ``out`` in pieces of at least :data:`CHUNK` characters, and
    everything it holds on :meth:`flush`; :func:`write_progressing` flushes it whenever the
    rows' source has to wait (:data:`typorisk.kit.bridge.WAITING`), so rows still show as soon
    as they are settled.

    Why: the rows come from the event loop's thread, and each write of a full 8 KiB buffer
    (every ~25 rows) let that thread take the GIL, which this one then waited for (up to the
    switch interval, 5 ms). ``typorisk resolve`` of 7,426 names against a local NSD spent 0.24 s
    of its main thread in ``write`` (``python -m cProfile``); as whole processes, 861 ms before
    and 707 ms after (medians of 7 interleaved runs of both trees, this machine)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._parts: list[str] = []
        self._size = 0

    def write(self, text: str) -> int:
        """Hold ``text``; write what is held once it reaches :data:`CHUNK` characters."""
        self._parts.append(text)
        self._size += len(text)
        if self._size >= CHUNK:
            self._write()
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        """:meth:`write` each of ``lines``."""
        for line in lines:
            self.write(line)

    def isatty(self) -> bool:
        """False: a terminal is written to directly."""
        return False

    def flush(self) -> None:
        """Write what is held, and flush ``out``."""
        self._write()
        self.out.flush()

    def _write(self) -> None:
        if self._parts:
            self.out.write("".join(self._parts))
            self._parts.clear()
            self._size = 0


CHUNK = 256 * 1024
"""Characters a :class:`Chunked` sink holds before it writes them."""


def print_stats(stats: ResolveStats, err: TextIO | None = None) -> None:
    """The end-of-run DNS statistics, on stderr."""
    err = err or sys.stderr
    rcodes = ", ".join(f"{k} {v}" for k, v in sorted(stats.rcodes.items()))
    regs = ", ".join(f"{k} {v}" for k, v in sorted(stats.registrations.items()))
    resent = sum(per.resent for per in stats.servers.values())
    err.write(
        f"typorisk: {stats.names} names ({regs}) in {stats.elapsed:.2f} s "
        f"({stats.names_per_second:,.0f} names/s); {stats.queries} queries "
        f"({stats.queries_per_second:,.0f}/s; {rcodes}); {stats.timeouts} timeouts, "
        f"{stats.retries} retries, {resent} resent early, {stats.tcp} over TCP, "
        f"{stats.mismatched} stray replies\n"
    )
    for server, per in sorted(stats.servers.items()):
        if per.rate is not None and per.peak_rate is not None:
            err.write(
                f"typorisk: name server {server}: adaptive rate {per.rate:,.0f} q/s at the end "
                f"(peak {per.peak_rate:,.0f}, {per.cuts} cuts)\n"
            )
    for zone in stats.wildcard_zones:
        err.write(f"typorisk: wildcard zone: *.{zone} answers every name below it\n")


def print_summary(summary: ScanSummary, err: TextIO | None = None) -> int:
    """Statistics and the verdict line on stderr; returns the exit code the verdict implies
    (0 complete, 1 some target rejected, 4 incomplete)."""
    err = err or sys.stderr
    if summary.dns is not None:
        print_stats(summary.dns, err)
    for line in summary.lines:
        print(line, file=err)
    if summary.rejected:
        print(f"typorisk: {len(summary.rejected)} target(s) rejected", file=err)
    if summary.verdict is Verdict.INCOMPLETE:
        print(f"typorisk: run incomplete: {'; '.join(summary.reasons)}", file=err)
        return EXIT_INCOMPLETE
    print(f"typorisk: run complete: {summary.records} names", file=err)
    return EXIT_REJECTED if summary.rejected else 0
