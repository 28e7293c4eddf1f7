"""Pure parsing of mail-log lines into address events: Postfix, Exim, or any text.

:func:`parse_line` looks at one line (no line ending) and returns the addresses it names, each
with the role the log gives it, the queue ID and the delivery status when the line says. It never
raises on bad input: a line it cannot use yields no event, and :func:`is_garbage` tells binary
noise apart so callers can count it.

Formats understood:

- **Postfix** (syslog, RFC 3339 syslog, or ``maillog_file``): ``QUEUEID: to=<a@b>, ...,
  status=sent|bounced|deferred|expired`` (recipient), ``QUEUEID: from=<a@b>, size=...`` (sender),
  ``NOQUEUE: reject: RCPT from ...; from=<s> to=<r> ...`` (and ``hold``, ``discard``,
  ``warning``, ``milter-reject``), ``orig_to=<...>`` as a recipient too.
- **Exim** main log: ``<=`` arrival (sender), ``=>``/``->`` delivered (``sent``), ``**``
  (``bounced``), ``==`` (``deferred``), ``*>`` (``suppressed``), and ``rejected RCPT <r>``.
- **Anything else**: every ``local@domain`` in the line (role ``address``); with
  ``bare_domains=True`` also bare domain names (role ``domain``).

Domains come out lowercase, without a trailing dot, and still in the form the log wrote them
(Unicode is converted to A-labels by the matcher, which caches per domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TIME = (
    r"(?P<time>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d"
    r"|\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d| [+-]\d{4})?)"
)
_POSTFIX = re.compile(
    _TIME + r" \S+ postfix[\w./-]*\[\d+\]: (?P<qid>[0-9A-Za-z]{5,20}|NOQUEUE): (?P<rest>.*)"
)
_EXIM = re.compile(
    r"(?P<time>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: [+-]\d{4})?) (?:\[\d+\] )?"
    r"(?:(?P<qid>[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}) "
    r"(?P<flag><=|=>|->|\*>|\*\*|==) (?P<addr>\S+)(?P<rest>.*)"
    r"|(?P<other>.*))"
)
_LEADING_TIME = re.compile(_TIME)
_PF_TO = re.compile(r"\b(?:orig_)?to=<([^<>\s]*)>")
_PF_FROM = re.compile(r"\bfrom=<([^<>\s]*)>")
_PF_STATUS = re.compile(r"\bstatus=([a-z]+)")
_PF_ACTION = re.compile(r"^(reject|milter-reject|hold|discard|warning|redirect|filter): ")
_EXIM_ANGLE = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
_EXIM_REJECT = re.compile(r"\brejected RCPT <([^<>\s]*)>")
_EXIM_F = re.compile(r"\bF=<([^<>\s]*)>")
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@((?:[\w-]+\.)+[\w-]{2,})\.?(?![\w-])")
_BARE_DOMAIN = re.compile(
    r"(?<![\w.@-])((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})(?![\w-])",
    re.IGNORECASE,
)

_PF_ACTION_STATUS = {
    "reject": "rejected",
    "milter-reject": "rejected",
    "hold": "held",
    "discard": "discarded",
    "warning": "warned",
    "redirect": "redirected",
    "filter": "filtered",
}
_EXIM_FLAG = {
    "<=": ("sender", ""),
    "=>": ("recipient", "sent"),
    "->": ("recipient", "sent"),
    "*>": ("recipient", "suppressed"),
    "**": ("recipient", "bounced"),
    "==": ("recipient", "deferred"),
}
MAX_LINE = 16_384
"""Lines longer than this (characters) are not parsed: no mail log writes them."""


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One address (or domain) named by one log line."""

    domain: str
    """Domain part, lowercase, no trailing dot; as logged (may be Unicode)."""
    address: str
    """The whole address as logged (``domain`` alone for role ``domain``)."""
    role: str
    """``recipient``, ``sender``, ``address`` (free text) or ``domain`` (bare domain)."""
    time: str = ""
    """Timestamp text as the log wrote it (no year for classic syslog); ``""`` when absent."""
    queue_id: str = ""
    """Postfix queue ID or Exim message ID; ``""`` when the line has none (or ``NOQUEUE``)."""
    status: str = ""
    """``sent``, ``bounced``, ``deferred``, ``expired``, ``rejected``, ``held``... or ``""``."""


def is_garbage(line: str) -> bool:
    """True for binary noise: NUL bytes, undecodable bytes (U+FFFD) or an over-long line."""
    return "\x00" in line or "\ufffd" in line or len(line) > MAX_LINE


def _event(address: str, role: str, time: str, qid: str, status: str) -> LogEvent | None:
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain or domain.startswith("["):
        return None
    domain = domain.lower().rstrip(".")
    if "." not in domain:
        return None
    return LogEvent(domain, address.lower(), role, time, qid, status)


def _postfix(match: re.Match[str]) -> list[LogEvent]:
    time, qid, rest = match["time"], match["qid"], match["rest"]
    qid = "" if qid == "NOQUEUE" else qid
    action = _PF_ACTION.match(rest)
    status = ""
    if action:
        status = _PF_ACTION_STATUS[action[1]]
    elif "status=" in rest and (found := _PF_STATUS.search(rest)):
        status = found[1]
    events = []
    for address in _PF_TO.findall(rest):
        if (event := _event(address, "recipient", time, qid, status)) is not None:
            events.append(event)
    if (sender := _PF_FROM.search(rest)) and (
        event := _event(sender[1], "sender", time, qid, status if action else "")
    ):
        events.append(event)
    return events


def _exim(match: re.Match[str]) -> list[LogEvent]:
    time = match["time"]
    if match["other"] is not None:
        rest = match["other"]
        found = _EXIM_REJECT.search(rest)
        if not found:
            return []
        events = [_event(found[1], "recipient", time, "", "rejected")]
        if sender := _EXIM_F.search(rest):
            events.append(_event(sender[1], "sender", time, "", "rejected"))
        return [e for e in events if e is not None]
    role, status = _EXIM_FLAG[match["flag"]]
    address = match["addr"]
    if "@" not in address and (angle := _EXIM_ANGLE.search(match["rest"])):
        address = angle[1]  # local delivery: "=> user <user@example.com> R=..."
    event = _event(address.strip("<>"), role, time, match["qid"], status)
    return [event] if event is not None else []


def _free_text(line: str, bare_domains: bool) -> list[LogEvent]:
    timed = _LEADING_TIME.match(line)
    time = timed["time"] if timed else ""
    events = []
    if "@" in line:
        for found in _ADDRESS.finditer(line):
            if (event := _event(found[0].rstrip("."), "address", time, "", "")) is not None:
                events.append(event)
    if bare_domains:
        for found in _BARE_DOMAIN.finditer(line):
            domain = found[1].lower()
            events.append(LogEvent(domain, domain, "domain", time, "", ""))
    return events


def parse_line(line: str, *, bare_domains: bool = False) -> list[LogEvent]:
    """The address events of one log line, in the order the line names them.

    Postfix and Exim lines are parsed by their structure (so a relay host name or a
    ``message-id`` is never taken for an address); other lines yield every e-mail address, and
    bare domain names too when ``bare_domains`` is true. Never raises; returns ``[]`` for lines
    without addresses and for garbage (see :func:`is_garbage`).
    """
    if is_garbage(line):
        return []
    if "@" not in line and not bare_domains:
        return []  # the fast path: most log lines name no address
    if " postfix" in line and (pf := _POSTFIX.match(line)):
        return _postfix(pf)
    if line[:1].isdigit() and (ex := _EXIM.match(line)) and (ex["qid"] or "RCPT" in line):
        return _exim(ex)
    return _free_text(line, bare_domains)
