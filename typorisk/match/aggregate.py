"""Aggregate typo hits per (typo domain, target): counts, first/last seen, queue IDs, status.

Memory is bounded: per finding at most :data:`MAX_QUEUE_IDS` distinct queue IDs are counted
(more are counted as events only) and :data:`SAMPLE` queue IDs and addresses are kept to show;
at most :data:`MAX_FINDINGS` findings are kept (further ones are counted as ``dropped``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from typorisk.match.logline import LogEvent
from typorisk.match.model import Hit

MAX_QUEUE_IDS = 100_000
MAX_FINDINGS = 100_000
SAMPLE = 10


@dataclass(frozen=True, slots=True)
class Finding:
    """Everything the logs say about one typo domain of one target."""

    hit: Hit
    """The typo domain, its target, and how it was recognised."""
    count: int
    """Log events (one per address per line) naming the domain."""
    messages: int
    """Distinct queue/message IDs among those events (a lower bound past 100,000)."""
    first_seen: str
    """Timestamp text of the first event, in reading order (oldest rotated file first)."""
    last_seen: str
    """Timestamp text of the last event, in reading order."""
    roles: dict[str, int]
    """Events per role: ``recipient``, ``sender``, ``address``, ``domain``."""
    statuses: dict[str, int]
    """Events per delivery status (``sent``, ``bounced``, ``deferred``, ``rejected``...)."""
    queue_ids: tuple[str, ...]
    """The first queue IDs seen (at most 10)."""
    addresses: tuple[str, ...]
    """The first distinct addresses seen (at most 10)."""

    def row(self) -> dict[str, object]:
        """The flat output row (``typorisk match`` formats)."""
        hit = self.hit
        return {
            "domain": hit.domain,
            "target": hit.target,
            "match": hit.match,
            "kinds": list(hit.kinds),
            "distance": hit.distance,
            "part": hit.part,
            "likelihood": float(f"{hit.likelihood:.6g}"),
            "count": self.count,
            "messages": self.messages,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "status": _counts(self.statuses),
            "roles": _counts(self.roles),
            "queue_ids": list(self.queue_ids),
            "addresses": list(self.addresses),
        }


def _counts(counter: dict[str, int]) -> list[str]:
    return [f"{k}:{v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]


class _Acc:
    __slots__ = ("addresses", "count", "first", "hit", "last", "qids", "roles", "statuses")

    def __init__(self, hit: Hit, time: str) -> None:
        self.hit = hit
        self.count = 0
        self.first = time
        self.last = time
        self.qids: dict[str, None] = {}
        self.addresses: dict[str, None] = {}
        self.roles: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()

    def add(self, event: LogEvent) -> None:
        self.count += 1
        if event.time:
            self.first = self.first or event.time
            self.last = event.time
        self.roles[event.role] += 1
        if event.status:
            self.statuses[event.status] += 1
        if event.queue_id and len(self.qids) < MAX_QUEUE_IDS:
            self.qids[event.queue_id] = None
        if len(self.addresses) < SAMPLE:
            self.addresses[event.address] = None

    def freeze(self) -> Finding:
        return Finding(
            hit=self.hit,
            count=self.count,
            messages=len(self.qids),
            first_seen=self.first,
            last_seen=self.last,
            roles=dict(self.roles),
            statuses=dict(self.statuses),
            queue_ids=tuple(list(self.qids)[:SAMPLE]),
            addresses=tuple(self.addresses),
        )


class Aggregator:
    """Collects (event, hit) pairs; :meth:`findings` returns them ranked."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], _Acc] = {}
        self.dropped = 0
        """Events not aggregated because :data:`MAX_FINDINGS` findings already exist."""

    def add(self, event: LogEvent, hit: Hit) -> None:
        """Count one event naming the typo domain of ``hit``."""
        key = (hit.domain, hit.target)
        acc = self._by_key.get(key)
        if acc is None:
            if len(self._by_key) >= MAX_FINDINGS:
                self.dropped += 1
                return
            acc = self._by_key[key] = _Acc(hit, event.time)
        acc.add(event)

    def __len__(self) -> int:
        return len(self._by_key)

    def findings(self) -> list[Finding]:
        """Findings, most events first (ties: candidate hits, then by domain)."""
        frozen = [acc.freeze() for acc in self._by_key.values()]
        return sorted(frozen, key=lambda f: (-f.count, f.hit.match, f.hit.domain, f.hit.target))
