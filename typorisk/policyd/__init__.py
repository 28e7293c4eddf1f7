"""``typorisk policyd``: a Postfix policy service that stops mail to typo domains.

Library use::

    from typorisk.match import TYPO_RULES, MatchSettings, build_matcher
    from typorisk.policyd import Limits, Policy, PolicyServer, PolicyState
    typos = MatchSettings(rules=TYPO_RULES)  # what typorisk policyd answers for by default
    state = PolicyState(lambda: build_matcher(["pentagon.mil"], typos), Policy())
    server = await PolicyServer(state, Limits()).start("127.0.0.1", 10040)
"""

from typorisk.errors import PolicyConfigError
from typorisk.policyd.protocol import (
    ACTIONS,
    LEVELS,
    Decision,
    Policy,
    decide,
    format_reply,
    parse_actions,
    parse_request,
    risk_level,
)
from typorisk.policyd.server import Limits, PolicyServer, PolicyState, read_request

__all__ = [
    "ACTIONS",
    "LEVELS",
    "Decision",
    "Limits",
    "Policy",
    "PolicyConfigError",
    "PolicyServer",
    "PolicyState",
    "decide",
    "format_reply",
    "parse_actions",
    "parse_request",
    "read_request",
    "risk_level",
]
