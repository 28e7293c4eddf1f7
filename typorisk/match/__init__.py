"""Find mail that already went to typo domains: log parsing, typo matching, aggregation.

Library use::

    from typorisk.match import Aggregator, build_matcher, rotation_order, scan_logs
    matcher = build_matcher(["pentagon.mil"])
    found = Aggregator()
    stats = scan_logs(rotation_order(["/var/log/mail.log", "/var/log/mail.log.1"]), matcher, found)
    for finding in found.findings():
        print(finding.hit.domain, finding.count, finding.statuses)
"""

from typorisk.match.aggregate import Aggregator, Finding
from typorisk.match.distance import DeletionIndex, osa_distance
from typorisk.match.engine import ROLES, ScanStats, scan_lines, scan_logs
from typorisk.match.logline import LogEvent, parse_line
from typorisk.match.matcher import Hit, Matcher, MatchSettings, build_matcher
from typorisk.match.readers import expand_rotated, open_log, rotation_order

__all__ = [
    "ROLES",
    "Aggregator",
    "DeletionIndex",
    "Finding",
    "Hit",
    "LogEvent",
    "MatchSettings",
    "Matcher",
    "ScanStats",
    "build_matcher",
    "expand_rotated",
    "open_log",
    "osa_distance",
    "parse_line",
    "rotation_order",
    "scan_lines",
    "scan_logs",
]
