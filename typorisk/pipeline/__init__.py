"""The scan spine: one pipeline (:func:`scan`/:func:`ascan`), one options record
(:class:`ScanOptions`), one record (:class:`ScanRecord`) and one row schema
(:mod:`typorisk.pipeline.rows`)."""

from typorisk.pipeline.core import (
    AsyncScan,
    Scan,
    ScanSummary,
    ScanTarget,
    Verdict,
    ascan,
    scan,
)
from typorisk.pipeline.options import OPTIONS, ScanOptions
from typorisk.pipeline.record import RiskFacet, ScanRecord, to_row
from typorisk.pipeline.rows import COLUMNS, from_row

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
