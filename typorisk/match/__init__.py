"""Look-alikes of protected domains: one matcher (a rule registry, one result type) for lists,
logs and mail, plus log parsing and aggregation.

Library use::

    from typorisk.match import Aggregator, build_matcher, rotation_order, scan_logs
    matcher = build_matcher(["pentagon.mil"])
    found = Aggregator()
    stats = scan_logs(rotation_order(["/var/log/mail.log", "/var/log/mail.log.1"]), matcher, found)
    for finding in found.findings():
        print(finding.hit.domain, finding.hit.rule, finding.count, finding.statuses)

    hits = matcher.match_names(["paypal-login.net", "xn--pypal-4ve.com"])  # a list of names
"""

from typorisk.match.aggregate import Aggregator, Finding
from typorisk.match.logline import LogEvent, parse_line
from typorisk.match.logscan import ROLES, MatchStats, scan_lines, scan_logs
from typorisk.match.matcher import Matcher, build_matcher
from typorisk.match.model import (
    FAST_RULES,
    REGISTRY,
    RULES,
    TYPO_RULES,
    Hit,
    MatchSettings,
    Rule,
    normal_name,
    osa_distance,
)
from typorisk.match.readers import expand_rotated, open_log, rotation_order

__all__ = [
    "FAST_RULES",
    "REGISTRY",
    "ROLES",
    "RULES",
    "TYPO_RULES",
    "Aggregator",
    "Finding",
    "Hit",
    "LogEvent",
    "MatchSettings",
    "MatchStats",
    "Matcher",
    "Rule",
    "build_matcher",
    "expand_rotated",
    "normal_name",
    "open_log",
    "osa_distance",
    "parse_line",
    "rotation_order",
    "scan_lines",
    "scan_logs",
]
