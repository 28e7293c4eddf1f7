"""Match log lines against look-alike domains: the loop, its statistics, and the file driver.

:func:`scan_lines` is the pure core (lines in, counts out, hits into an :class:`Aggregator`);
:func:`scan_logs` opens files in rotation order and turns a damaged file into an error line in
the statistics instead of an exception. Speed comes from not parsing most lines at all (a line
without ``@`` cannot name an address and is skipped with one substring test) and from handing
the matcher the domains of :data:`CHUNK` events at once (:meth:`Matcher.lookup_many`: one batch
through its rules, the same as ``watch`` matches a list).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from typorisk.errors import DataFileError
from typorisk.match.aggregate import Aggregator
from typorisk.match.logline import LogEvent, is_garbage, parse_line
from typorisk.match.matcher import Matcher
from typorisk.match.readers import READ_ERRORS, open_log

ROLES = ("recipient", "sender", "address", "domain")
CHUNK = 8192
"""Events (addresses or domains) matched in one batch."""


@dataclass(slots=True)
class MatchStats:
    """Counters of one scan (mutable while scanning; read them after)."""

    files: int = 0
    """Files (or standard input) read to the end or to an error."""
    lines: int = 0
    """Lines read."""
    events: int = 0
    """Addresses (or domains) found in those lines, in the selected roles."""
    hits: int = 0
    """Events naming a typo domain of a target."""
    skipped: int = 0
    """Lines skipped as binary garbage or over-long (among lines that could name an address)."""
    errors: list[str] = field(default_factory=list)
    """One line per file that could not be read to the end (damaged gzip, vanished file)."""


def scan_lines(
    lines: Iterable[str],
    matcher: Matcher,
    aggregator: Aggregator,
    stats: MatchStats,
    *,
    roles: Collection[str] = ROLES,
    bare_domains: bool = False,
) -> None:
    """Feed every line to the parser and the domains of every :data:`CHUNK` events to
    ``matcher`` in one batch; hits go to ``aggregator`` in line order. Lines may keep their
    line ending. Never raises on line content; when reading ``lines`` raises, the events of
    the lines read before are matched first."""
    want = frozenset(roles)
    events: list[LogEvent] = []
    count = skipped = 0
    try:
        for line in lines:
            count += 1
            if "@" not in line and not bare_domains:
                continue
            if is_garbage(line):
                skipped += 1
                continue
            events.extend(e for e in parse_line(line, bare_domains=bare_domains) if e.role in want)
            if len(events) >= CHUNK:
                _match(events, matcher, aggregator, stats)
                events = []
    finally:
        stats.lines += count
        stats.skipped += skipped
        _match(events, matcher, aggregator, stats)


def _match(
    events: list[LogEvent], matcher: Matcher, aggregator: Aggregator, stats: MatchStats
) -> None:
    """Match the domains of ``events`` in one batch; count them and the hits in ``stats``."""
    stats.events += len(events)
    for event, hit in zip(events, matcher.lookup_many([e.domain for e in events]), strict=True):
        if hit is not None:
            stats.hits += 1
            aggregator.add(event, hit)


def scan_logs(
    paths: Sequence[str],
    matcher: Matcher,
    aggregator: Aggregator,
    *,
    roles: Collection[str] = ROLES,
    bare_domains: bool = False,
    on_file: Callable[[str], None] | None = None,
) -> MatchStats:
    """Scan ``paths`` in the order given (use :func:`~typorisk.match.readers.rotation_order`).

    A file that cannot be opened, or breaks off (truncated gzip), adds one line to
    ``stats.errors``; what was read before the break still counts.
    """
    stats = MatchStats()
    for path in paths:
        if on_file is not None:
            on_file(path)
        try:
            with open_log(path) as handle:
                scan_lines(
                    handle, matcher, aggregator, stats, roles=roles, bare_domains=bare_domains
                )
        except DataFileError as exc:
            stats.errors.append(str(exc))
            continue
        except READ_ERRORS as exc:
            stats.errors.append(f"{path}: stopped reading: {exc}; the lines before were used")
        stats.files += 1
    return stats
