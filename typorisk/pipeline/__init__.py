"""The scan spine: one pipeline (:func:`scan`/:func:`ascan`), one options record
(:class:`ScanOptions`), one record (:class:`ScanRecord`) and one row schema
(:mod:`typorisk.pipeline.rows`).

Names load on first use, so a writer that needs only the row schema does not import the
network stages (start-up: ``tests/benchmarks/bench_startup.py``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from typorisk.pipeline.core import (
        AsyncScan,
        Scan,
        ScanTarget,
        ascan,
        scan,
    )
    from typorisk.pipeline.options import OPTIONS, ScanOptions
    from typorisk.pipeline.record import RiskFacet, ScanRecord, to_row
    from typorisk.pipeline.rows import COLUMNS, from_row
    from typorisk.pipeline.summary import ScanSummary, Verdict

_WHERE = {
    "AsyncScan": "core",
    "Scan": "core",
    "ScanSummary": "summary",
    "ScanTarget": "core",
    "Verdict": "summary",
    "ascan": "core",
    "scan": "core",
    "OPTIONS": "options",
    "ScanOptions": "options",
    "RiskFacet": "record",
    "ScanRecord": "record",
    "to_row": "record",
    "COLUMNS": "rows",
    "from_row": "rows",
}

__all__ = [
    "COLUMNS",
    "OPTIONS",
    "AsyncScan",
    "RiskFacet",
    "Scan",
    "ScanOptions",
    "ScanRecord",
    "ScanSummary",
    "ScanTarget",
    "Verdict",
    "ascan",
    "from_row",
    "scan",
    "to_row",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'typorisk.pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"typorisk.pipeline.{module}"), name)
    globals()[name] = value
    return value
