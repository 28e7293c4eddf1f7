"""Log-line parsing: a table of real-shaped Postfix, Exim and free-text lines."""

from __future__ import annotations

import pytest

from typorisk.match.logline import MAX_LINE, LogEvent, is_garbage, parse_line

from ..conftest import Ledger

PF = "Jan 12 10:00:01 mx postfix/smtp[1234]: 4F1A2B3C4D: "
EX = "2024-01-12 10:00:01 1rABCD-000123-AB "

CASES: list[tuple[str, list[tuple[str, str, str, str]]]] = [
    # (line, [(domain, role, queue_id, status), ...])
    (PF + "to=<u@Pentagon.ML>, relay=mx.pentagon.ml[1.2.3.4]:25, dsn=2.0.0, status=sent (ok)",
     [("pentagon.ml", "recipient", "4F1A2B3C4D", "sent")]),
    (PF + "to=<u@x.ml>, orig_to=<u@y.ml>, relay=none, dsn=4.4.1, status=deferred (timeout)",
     [("x.ml", "recipient", "4F1A2B3C4D", "deferred"),
      ("y.ml", "recipient", "4F1A2B3C4D", "deferred")]),
    (PF + "to=<u@x.ml>, relay=none, dsn=5.1.1, status=bounced (no such user)",
     [("x.ml", "recipient", "4F1A2B3C4D", "bounced")]),
    ("2024-01-12T10:00:01.123+00:00 mx postfix/qmgr[9]: 4Rk3Wl2xYz4z9T: from=<s@corp.com>, "
     "size=1, nrcpt=1 (queue active)", [("corp.com", "sender", "4Rk3Wl2xYz4z9T", "")]),
    ("Jan  2 03:04:05 mx postfix/submission/smtpd[7]: NOQUEUE: reject: RCPT from h[1.2.3.4]: "
     "554 5.7.1 <r@pentagon.ml>: Recipient address rejected: typo; from=<s@pentagon.mil> "
     "to=<r@pentagon.ml> proto=ESMTP helo=<h>",
     [("pentagon.ml", "recipient", "", "rejected"), ("pentagon.mil", "sender", "", "rejected")]),
    ("Jan  2 03:04:05 mx postfix/smtpd[7]: 4F1A2B3C4D: hold: RCPT from h[1.2.3.4]: <r@a.ml>: "
     "Recipient address triggers HOLD action; from=<s@b.com> to=<r@a.ml> proto=ESMTP",
     [("a.ml", "recipient", "4F1A2B3C4D", "held"), ("b.com", "sender", "4F1A2B3C4D", "held")]),
    (PF.replace("smtp[", "cleanup[") + "message-id=<123@mail.pentagon.ml>", []),
    (PF + "from=<>, size=1, nrcpt=1 (queue active)", []),
    (PF + "to=<root>, relay=local, status=sent (delivered)", []),
    (PF + "to=<u@[192.0.2.1]>, relay=none, status=sent (ok)", []),
    (EX + "<= s@corp.com H=h [1.2.3.4] P=esmtp S=100",
     [("corp.com", "sender", "1rABCD-000123-AB", "")]),
    (EX + "=> u@pentagon.ml R=dnslookup T=remote_smtp H=mx [1.2.3.4] C=\"250 ok\"",
     [("pentagon.ml", "recipient", "1rABCD-000123-AB", "sent")]),
    (EX + "-> v@pentagon.ml R=dnslookup T=remote_smtp",
     [("pentagon.ml", "recipient", "1rABCD-000123-AB", "sent")]),
    (EX + "** u@pentagon.ml R=dnslookup: all hosts failed",
     [("pentagon.ml", "recipient", "1rABCD-000123-AB", "bounced")]),
    (EX + "== u@pentagon.ml R=dnslookup defer (-44): retry",
     [("pentagon.ml", "recipient", "1rABCD-000123-AB", "deferred")]),
    (EX + "=> bob <bob@pentagon.ml> R=local_user T=mail_spool",
     [("pentagon.ml", "recipient", "1rABCD-000123-AB", "sent")]),
    ("2024-01-12 10:00:01 1qUXDd-000000004Jv-3JKq => u@a.ml R=r T=t",
     [("a.ml", "recipient", "1qUXDd-000000004Jv-3JKq", "sent")]),
    ("2024-01-12 10:00:01 H=(helo) [1.2.3.4] F=<s@x.com> rejected RCPT <r@pentagon.ml>: no",
     [("pentagon.ml", "recipient", "", "rejected"), ("x.com", "sender", "", "rejected")]),
    ("To: Bob <bob@Pentagon.ML.>, carol@army.ml", [("pentagon.ml", "address", "", ""),
                                                  ("army.ml", "address", "", "")]),
    ("Jan 12 10:00:01 mx postfix/smtpd[1]: connect from unknown[1.2.3.4]", []),
    ("no addresses here", []),
    ("", []),
    ("@@@ <> to=<@> from=<x@>", []),
]  # fmt: skip


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_parse_line(line: str, expected: list[tuple[str, str, str, str]]) -> None:
    got = [(e.domain, e.role, e.queue_id, e.status) for e in parse_line(line)]
    assert got == expected


def test_timestamps_are_kept_as_written() -> None:
    assert parse_line(PF + "to=<u@x.ml>, status=sent")[0].time == "Jan 12 10:00:01"
    assert parse_line(EX + "=> u@x.ml R=r")[0].time == "2024-01-12 10:00:01"
    assert parse_line("x 2024 u@x.ml")[0].time == ""


@pytest.mark.parametrize(
    ("line", "domains"),
    [
        ("query pentagon.ml A from 10.0.0.1", ["pentagon.ml"]),
        (
            "GET http://www.army.ml/x and report.v2 sub.corp.co.uk.",
            ["www.army.ml", "report.v2", "sub.corp.co.uk"],
        ),
        ("mail u@army.ml", ["army.ml"]),
    ],
)
def test_bare_domains_only_when_asked(line: str, domains: list[str]) -> None:
    got = parse_line(line, bare_domains=True)
    assert [e.domain for e in got if e.role == "domain" or "@" in line] == domains
    if "@" not in line:
        assert parse_line(line) == []


@pytest.mark.parametrize(
    "line",
    ["\x00\x01 u@x.ml", "caf\ufffd u@x.ml", "u@x.ml " + "a" * MAX_LINE, PF + "to=<u@x.ml\x00>"],
)
def test_garbage_never_yields_events(line: str) -> None:
    assert is_garbage(line)
    assert parse_line(line) == []


def test_random_bytes_never_raise(ledger: Ledger) -> None:
    import random

    rnd = random.Random(1)
    row = ledger.row("match: random binary log lines")
    for _ in range(2000):
        raw = bytes(rnd.randrange(256) for _ in range(rnd.randrange(120)))
        line = raw.decode("utf-8", "replace").replace("\ufffd", "") + " to=<a@b.ml> @"
        with row.case():
            for event in parse_line(line):
                assert isinstance(event, LogEvent) and "." in event.domain
