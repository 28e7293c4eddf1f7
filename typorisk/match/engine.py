"""Match log lines against typo domains: the loop, its statistics, and the file driver.

:func:`scan_lines` is the pure core (lines in, counts out, hits into an :class:`Aggregator`);
:func:`scan_logs` opens files in rotation order and turns a damaged file into an error line in
the statistics instead of an exception. Speed comes from not parsing most lines at all: a line
without ``@`` cannot name an address and is skipped with one substring test.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from typorisk.errors import DataFileError
from typorisk.match.aggregate import Aggregator
from typorisk.match.logline import is_garbage, parse_line
from typorisk.match.matcher import Hit
from typorisk.match.readers import READ_ERRORS, open_log

ROLES = ("recipient", "sender", "address", "domain")


class DomainLookup(Protocol):
    """What the scan asks of a matcher (:class:`~typorisk.match.matcher.Matcher`, or
    :class:`~typorisk.match.lookalike.LookalikeLookup` for the look-alike rules)."""

    def lookup(self, domain: str) -> Hit | None: ...


@dataclass(slots=True)
class ScanStats:
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
    matcher: DomainLookup,
    aggregator: Aggregator,
    stats: ScanStats,
    *,
    roles: Collection[str] = ROLES,
    bare_domains: bool = False,
) -> None:
    """Feed every line to the parser and every address to ``matcher``; hits go to
    ``aggregator``. Lines may keep their line ending. Never raises on line content."""
    lookup = matcher.lookup
    add = aggregator.add
    want = frozenset(roles)
    count = events = hits = skipped = 0
    for line in lines:
        count += 1
        if "@" not in line and not bare_domains:
            continue
        if is_garbage(line):
            skipped += 1
            continue
        for event in parse_line(line, bare_domains=bare_domains):
            if event.role not in want:
                continue
            events += 1
            hit = lookup(event.domain)
            if hit is not None:
                hits += 1
                add(event, hit)
    stats.lines += count
    stats.events += events
    stats.hits += hits
    stats.skipped += skipped


def scan_logs(
    paths: Sequence[str],
    matcher: DomainLookup,
    aggregator: Aggregator,
    *,
    roles: Collection[str] = ROLES,
    bare_domains: bool = False,
    on_file: Callable[[str], None] | None = None,
) -> ScanStats:
    """Scan ``paths`` in the order given (use :func:`~typorisk.match.readers.rotation_order`).

    A file that cannot be opened, or breaks off (truncated gzip), adds one line to
    ``stats.errors``; what was read before the break still counts.
    """
    stats = ScanStats()
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
