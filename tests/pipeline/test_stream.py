"""Flat memory: a ranked scan holds only what ranking needs (the rows wait in the ranker's
SQLite spill), and the rows the CLI writes are the records' rows."""

from __future__ import annotations

import datetime as dt
import random
import tracemalloc
from collections.abc import Callable

from typorisk.pipeline import AsyncScan, ScanOptions, scan, to_row
from typorisk.pipeline.ranking import RecordPayload, RowPayload, observation_of
from typorisk.pipeline.rows import scan_columns_of
from typorisk.rank import MemorySpill, Observation, Ranker, Spill, SqliteSpill, observation_from_row

from ..rank.test_scan_rank import TARGET, resolver  # noqa: F401 - the shared NSD + Unbound world


def _options(server: str, *, rank: bool = True) -> ScanOptions:
    return ScanOptions(
        top=40,
        nameservers=(server,),
        max_unknown=0.2,
        timeout=1.0,
        rank=rank,
        today=dt.date(2026, 11, 28),
    )


def test_ranked_rows_are_the_ranked_records_rows(resolver: str) -> None:  # noqa: F811
    """What the CLI writes (rows through the spill) is what ranking the records gives."""
    records = list(scan([TARGET], _options(resolver, rank=False)))
    ranking = AsyncScan([TARGET], _options(resolver))
    for columns in (scan_columns_of(ranking.options), None):
        by_records = ranking.rank_stage(RecordPayload())
        by_rows = ranking.rank_stage(RowPayload(columns))
        for record in records:
            by_records.add(record)
            by_rows.add(record)
        via_records = [to_row(r, columns) for r in by_records.drain()]
        assert list(by_rows.drain()) == via_records
        assert len(via_records) == 40 and any(r["contrib_graph"] for r in via_records)


REGISTERED = 250
"""Registered candidates, whatever the size (the first ones, one in twenty)."""


def _row(i: int, rng: random.Random) -> tuple[Observation, dict[str, object]]:
    """A candidate as a scan sees it: registered ones with an MX and an address."""
    domain = f"typo{i}.example"
    registered = i % 20 == 0 and i < REGISTERED * 20
    obs = Observation(
        "brand.example",
        domain,
        "example",
        10 ** rng.uniform(-7, -2),
        ("replacement",),
        "registered" if registered else "unregistered",
        "mx" if registered else "none",
        mx=(f"mx{rng.randrange(50)}.collect.example",) if registered else (),
        a=(f"198.51.{rng.randrange(256)}.7",) if registered else (),
    )
    row: dict[str, object] = {"target": obs.target, "domain": domain, "pad": "x" * 300}
    return obs, row


def _peak(count: int, spill: Callable[[], Spill[dict[str, object]]]) -> int:
    """Peak Python heap (bytes) of ranking ``count`` candidates through ``spill``."""
    rng = random.Random(count)
    tracemalloc.start()
    try:
        ranker: Ranker[dict[str, object]] = Ranker(spill=spill())
        for i in range(count):
            ranker.add(*_row(i, rng))
        out = 0
        for _ in ranker.ranked():
            out += 1
        assert out == count
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_ranking_memory_does_not_grow_with_unregistered_candidates() -> None:
    small, large = 5_000, 20_000
    ratio = _peak(large, SqliteSpill) / _peak(small, SqliteSpill)
    # what the ranker keeps grows with the registered names only (as many in both here)
    assert ratio < 1.5, ratio
    # the measure discriminates: holding every row grows with the work
    held = _peak(large, MemorySpill) / _peak(small, MemorySpill)
    assert held > 3, held


def test_ranking_reads_records_as_it_would_read_their_rows(resolver: str) -> None:  # noqa: F811
    """What ranking reads of a record is what it would read of the record's row."""
    records = list(scan([TARGET], _options(resolver)))
    assert any(r.resolution and r.resolution.records.mx for r in records)
    for record in records:
        assert observation_of(record) == observation_from_row(to_row(record))
