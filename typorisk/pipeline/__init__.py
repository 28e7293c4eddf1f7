"""The scan spine: one pipeline (:func:`scan`/:func:`ascan`), one options record
(:class:`ScanOptions`), one bundle of clients it talks to the world through (:class:`Clients`),
one record (:class:`ScanRecord`) and one row schema (:mod:`typorisk.pipeline.rows`).

Names load on first use, so a writer that needs only the row schema does not import the
network stages (start-up: ``tests/benchmarks/bench_startup.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typorisk.kit.lazy import lazy_names

if TYPE_CHECKING:
    from typorisk.pipeline.clients import Clients, default_clients
    from typorisk.pipeline.core import (
        AsyncScan,
        Scan,
        ScanTarget,
        ascan,
        scan,
    )
    from typorisk.pipeline.options import OPTIONS, ScanOptions
    from typorisk.pipeline.record import RiskFacet, ScanRecord
    from typorisk.pipeline.rows import COLUMNS, from_row, to_row
    from typorisk.pipeline.summary import ScanSummary, Verdict

_WHERE = {
    "Clients": "typorisk.pipeline.clients",
    "default_clients": "typorisk.pipeline.clients",
    "AsyncScan": "typorisk.pipeline.core",
    "Scan": "typorisk.pipeline.core",
    "ScanSummary": "typorisk.pipeline.summary",
    "ScanTarget": "typorisk.pipeline.core",
    "Verdict": "typorisk.pipeline.summary",
    "ascan": "typorisk.pipeline.core",
    "scan": "typorisk.pipeline.core",
    "OPTIONS": "typorisk.pipeline.options",
    "ScanOptions": "typorisk.pipeline.options",
    "RiskFacet": "typorisk.pipeline.record",
    "ScanRecord": "typorisk.pipeline.record",
    "to_row": "typorisk.pipeline.rows",
    "COLUMNS": "typorisk.pipeline.rows",
    "from_row": "typorisk.pipeline.rows",
}

__all__ = [
    "COLUMNS",
    "OPTIONS",
    "AsyncScan",
    "Clients",
    "RiskFacet",
    "Scan",
    "ScanOptions",
    "ScanRecord",
    "ScanSummary",
    "ScanTarget",
    "Verdict",
    "ascan",
    "default_clients",
    "from_row",
    "scan",
    "to_row",
]


if not TYPE_CHECKING:  # type checkers see the imports above: a misspelt name stays an error
    __getattr__ = lazy_names(__name__, _WHERE)
