"""Opt-in SMTP catch-all probe (active probing: off unless ``--probe-smtp``).

Public API::

    prober = Prober(helo="scanner.example.net", mail_from="")   # null sender <>
    result = await prober.probe("exampel.com", ["mx1.exampel.com", "mx2.exampel.com"])
    result.verdict   # Verdict.ACCEPTS_ANY, REJECTS_UNKNOWN, REFUSES, TEMPFAIL, TIMEOUT, ...

Layers: ``prober`` (MX order, rate limits) → ``smtp`` (one conversation: the only I/O) →
``replies`` (pure parsing and classification). DATA is never sent.
"""

from __future__ import annotations

from typorisk.errors import ProbeConfigError
from typorisk.probe.prober import Prober, ProbeResult, check_sender
from typorisk.probe.replies import Reply, Verdict, classify_rcpt, classify_setup, parse_reply

__all__ = [
    "ProbeConfigError",
    "ProbeResult",
    "Prober",
    "Reply",
    "Verdict",
    "check_sender",
    "classify_rcpt",
    "classify_setup",
    "parse_reply",
]
