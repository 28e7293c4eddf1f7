"""What the CLI says on stderr while and after a scan runs: progress, statistics, the verdict."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TextIO

from typorisk.cli import EXIT_INCOMPLETE, EXIT_REJECTED
from typorisk.pipeline import ScanSummary, Verdict
from typorisk.resolve import ScanStats
from typorisk.writers import Row, write_rows


class Progress:
    """A one-line progress report on stderr, only when stderr is a terminal."""

    def __init__(self, err: TextIO | None = None, total: int | None = None) -> None:
        self.err = err or sys.stderr
        self.enabled = self.err.isatty()
        self.total = total
        self.count = 0
        self.start = time.monotonic()
        self._last = 0.0

    def tick(self) -> None:
        """Count one settled name; redraw at most four times a second."""
        self.count += 1
        now = time.monotonic()
        if self.enabled and now - self._last >= 0.25:
            self._last = now
            rate = self.count / max(now - self.start, 1e-9)
            of = f"/{self.total}" if self.total else ""
            self.err.write(f"\r{self.count}{of} names, {rate:,.0f} names/s ")
            self.err.flush()

    def close(self) -> None:
        """Erase the progress line."""
        if self.enabled:
            self.err.write("\r\033[K")
            self.err.flush()


def write_progressing(
    rows: Iterable[Row], fmt: str, columns: Sequence[str], out: TextIO | None = None
) -> int:
    """Write ``rows`` as ``fmt`` to stdout (or ``out``) as they arrive, with the progress line
    on a terminal (erased at the end, also on an error); returns the rows written."""
    out = out or sys.stdout
    progress = Progress()

    def counted() -> Iterator[Row]:
        for row in rows:
            progress.tick()
            yield row

    try:
        count = write_rows(counted(), fmt, out, columns)
        out.flush()
    finally:
        progress.close()
    return count


def print_stats(stats: ScanStats, err: TextIO | None = None) -> None:
    """The end-of-run DNS statistics, on stderr."""
    err = err or sys.stderr
    rcodes = ", ".join(f"{k} {v}" for k, v in sorted(stats.rcodes.items()))
    regs = ", ".join(f"{k} {v}" for k, v in sorted(stats.registrations.items()))
    err.write(
        f"typorisk: {stats.names} names ({regs}) in {stats.elapsed:.2f} s "
        f"({stats.names_per_second:,.0f} names/s); {stats.queries} queries "
        f"({stats.queries_per_second:,.0f}/s; {rcodes}); {stats.timeouts} timeouts, "
        f"{stats.retries} retries, {stats.tcp} over TCP, {stats.mismatched} stray replies\n"
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
