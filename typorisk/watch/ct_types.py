"""What the CT reader hands out: logs, per-log state, entries and batches (frozen records),
and the step both read APIs share: one decoded log entry to its names."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from typorisk.watch.ct_tls import LeafEntry
from typorisk.watch.x509names import names_from_certificate, names_from_tbs

API = Literal["rfc6962", "static"]
MAX_ENTRY_BYTES = 256 << 10
"""Cap on one logged certificate: 256 KiB (leaf certificates are a few KiB; even one with the
10,000-odd SANs some CAs allow stays below it). Bigger entries are counted as oversized, not
parsed."""


@dataclass(frozen=True, slots=True)
class CTLog:
    """One log of the log list."""

    name: str
    """The log's ``description`` (``Let's Encrypt 'Sycamore2026h2'``)."""
    url: str
    """Where it is read, ending in ``/``: the RFC 6962 ``url`` or the static ``monitoring_url``."""
    api: API
    state: str
    """Its state in the list: ``usable``, ``qualified``, ``readonly``, ``retired``, ``pending``,
    ``rejected`` (or ``unknown``)."""
    usable: bool
    """True for ``usable`` and ``qualified`` logs: those accepting new certificates."""
    operator: str = ""
    log_id: str = ""
    """Base64 SHA-256 of the key (the key for :class:`CTState` in a store)."""
    key: str | None = None
    """Base64 DER SubjectPublicKeyInfo, when the list carries it."""
    submission_url: str = ""
    """Static logs: the write prefix (its schema-less form is the checkpoint origin)."""
    start: str = ""
    """``temporal_interval.start_inclusive`` (ISO 8601), or empty."""
    end: str = ""
    """``temporal_interval.end_exclusive`` (ISO 8601), or empty."""


@dataclass(frozen=True, slots=True)
class CTState:
    """Where a log was left: the next entry to read and the tree head last seen.

    Invariant: ``0 <= next_index <= tree_size``; ``root_hash`` is the root of the log's tree of
    ``tree_size`` entries, as the log signed it (the next poll checks that the log's new tree
    extends it). Stored by the caller (the watch store) and passed back to
    :func:`typorisk.watch.ct.poll_log`.
    """

    next_index: int
    tree_size: int
    root_hash: bytes = b""
    """32 bytes; empty when unknown (a state stored without it: the next poll does not check
    consistency, and stores the root it reads)."""


@dataclass(frozen=True, slots=True)
class CTEntry:
    """One log entry read: its index in the log and every DNS name it certifies."""

    index: int
    names: tuple[str, ...]
    """Lowercase A-labels (see :mod:`typorisk.watch.x509names`)."""
    precert: bool


@dataclass(frozen=True, slots=True)
class CTBatch:
    """What one request (a ``get-entries`` page or a data tile) gave.

    ``state`` is the log's state once this batch is handled: save it after handling the
    entries, and a restart reads every entry at least once (a kill between the two re-reads
    this batch). ``unparsable`` counts the entries of the batch that gave no names (malformed
    TLS or DER, oversized); ``entries + unparsable`` covers the batch's indices.
    """

    log: CTLog
    entries: list[CTEntry]
    unparsable: int
    state: CTState
    invalid_names: int = 0
    """SAN dNSNames and CNs that were not host names (skipped, the entry kept)."""
    oversized: int = 0
    """Of ``unparsable``: entries over :data:`MAX_ENTRY_BYTES`."""
    problems: list[str] = field(default_factory=list)
    """The first few reasons an entry did not parse (``index: reason``), for the report."""


MAX_PROBLEMS = 5


@dataclass(slots=True)
class BatchBuilder:
    """Accumulates one batch's entries and counts."""

    entries: list[CTEntry] = field(default_factory=list)
    unparsable: int = 0
    invalid_names: int = 0
    oversized: int = 0
    problems: list[str] = field(default_factory=list)
    leaves: dict[int, bytes] = field(default_factory=dict)
    """RFC 6962 pages: entry index → its leaf hash, for the inclusion audit."""

    def bad(self, index: int, reason: str) -> None:
        self.unparsable += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(f"{index}: {reason}")

    def add(self, index: int, leaf: LeafEntry) -> None:
        """Extract the names of a decoded entry (or count why not)."""
        if leaf.oversized:
            self.oversized += 1
            self.bad(index, f"certificate over {MAX_ENTRY_BYTES} bytes")
            return
        try:
            found = names_from_tbs(leaf.der) if leaf.precert else names_from_certificate(leaf.der)
        except ValueError as exc:
            self.bad(index, str(exc)[:120])
            return
        self.invalid_names += found.invalid
        self.entries.append(CTEntry(index, found.names, leaf.precert))

    def batch(self, log: CTLog, state: CTState) -> CTBatch:
        return CTBatch(
            log,
            self.entries,
            self.unparsable,
            state,
            self.invalid_names,
            self.oversized,
            self.problems,
        )
