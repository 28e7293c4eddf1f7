"""SMTP replies (RFC 5321 §4.2) and what they say about a mail server: pure functions.

A reply is one or more lines ``CODE-text`` ... ``CODE text``; every line carries the same code.
The probe reads every reply completely and classifies the conversation by the first reply that
decides it. The decisive one for a catch-all is the reply to ``RCPT TO`` a random local part:
2xx = the server takes mail for any address (dnstwist never reads it, and so calls a server
that rejects every recipient "intercepting").
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

from typorisk.kit.text import clean

_ENHANCED = re.compile(r"^([245])\.(\d{1,3})\.(\d{1,3})\b")
MAX_LINES = 64
"""A reply longer than this many lines is malformed (real EHLO replies have about 10)."""


class Verdict(enum.Enum):
    """What a mail server does with mail for a random recipient at the candidate."""

    ACCEPTS_ANY = "accepts-any"
    """RCPT TO a random local part got 2xx: a catch-all; every typo'd address is captured."""
    REJECTS_UNKNOWN = "rejects-unknown"
    """RCPT TO a random local part got 5xx: unknown recipients are refused."""
    REFUSES = "refuses"
    """No SMTP conversation: connection refused, 5xx greeting (554), 5xx to EHLO/MAIL."""
    TEMPFAIL = "tempfail"
    """A 4xx reply (greylisting, overload): ask again later."""
    TIMEOUT = "timeout"
    """No complete reply in time: a tarpit, a filtered port, or a dead host."""
    TLS_REQUIRED = "tls-required"
    """The server insists on STARTTLS before MAIL/RCPT (530 5.7.0) and the probe could not set
    TLS up (not offered, refused, or the probe was asked not to use it)."""
    UNKNOWN = "unknown"
    """A malformed reply, a connection closed mid-way, or no host to ask."""


@dataclass(frozen=True, slots=True)
class Reply:
    """One complete SMTP reply."""

    code: int
    """Three-digit reply code, 200..599."""
    lines: tuple[str, ...]
    """Text of each line after the code (cleaned of control characters)."""

    @property
    def text(self) -> str:
        """All lines' text joined with spaces."""
        return " ".join(x for x in self.lines if x)

    @property
    def enhanced(self) -> str | None:
        """The RFC 3463 enhanced status code (``5.1.1``) opening the first line, if any."""
        match = _ENHANCED.match(self.lines[0]) if self.lines else None
        return match.group(0) if match else None


def is_last_line(line: bytes) -> bool:
    """True when ``line`` ends a reply: ``CODE`` followed by a space or nothing."""
    body = line.rstrip(b"\r\n")
    return len(body) == 3 or (len(body) > 3 and body[3:4] == b" ")


def parse_reply(lines: Sequence[bytes]) -> Reply:
    """Lines of one reply → :class:`Reply`. Raises ``ValueError`` when malformed (no lines, a
    bad or changing code, a separator other than ``-``/space, more than :data:`MAX_LINES`)."""
    if not lines or len(lines) > MAX_LINES:
        raise ValueError(f"a reply has 1..{MAX_LINES} lines, got {len(lines)}")
    code: int | None = None
    texts: list[str] = []
    for i, raw in enumerate(lines):
        body = raw.rstrip(b"\r\n")
        head = body[:3]
        if not (head.isdigit() and b"2" <= head[:1] <= b"5"):
            raise ValueError(f"not a reply line: {body[:40]!r}")
        if code is not None and int(head) != code:
            raise ValueError("reply lines carry different codes")
        code = int(head)
        sep = body[3:4]
        last = i == len(lines) - 1
        if sep not in (b"", b" ", b"-") or (sep == b"-") == last:
            raise ValueError(f"bad continuation in {body[:40]!r}")
        texts.append(clean(body[4:].decode("utf-8", "replace")) or "")
    assert code is not None
    return Reply(code, tuple(texts))


def demands_tls(reply: Reply) -> bool:
    """530 / 5.7.0 with STARTTLS, or any 5xx that says "STARTTLS": TLS is required first."""
    starttls = "starttls" in reply.text.lower()
    return (
        reply.code == 530
        or (reply.code >= 500 and starttls)
        or (reply.enhanced == "5.7.0" and starttls)
    )


def classify_setup(reply: Reply) -> Verdict | None:
    """Greeting, EHLO/HELO or MAIL FROM reply: ``None`` to go on (2xx/3xx), else the verdict."""
    if reply.code < 400:
        return None
    if demands_tls(reply):
        return Verdict.TLS_REQUIRED
    return Verdict.TEMPFAIL if reply.code < 500 else Verdict.REFUSES


def classify_rcpt(reply: Reply) -> Verdict:
    """The reply to ``RCPT TO:<random@candidate>``: the decisive one."""
    if reply.code < 300:
        return Verdict.ACCEPTS_ANY
    if demands_tls(reply):
        return Verdict.TLS_REQUIRED
    if 400 <= reply.code < 500:
        return Verdict.TEMPFAIL
    if reply.code >= 500:
        return Verdict.REJECTS_UNKNOWN
    return Verdict.UNKNOWN  # 3xx to RCPT is not in the protocol
