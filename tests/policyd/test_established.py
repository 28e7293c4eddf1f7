"""policyd and established look-alikes: ``mail.com`` for ``mail.mil`` is answered ``WARN`` with a
confirm-the-recipient text, never ``REJECT``/``HOLD`` (``--block-anyway`` overrides). End to
end: a real Postfix asks the policyd CLI, accepts RCPT TO <x@mail.com> and logs the warning,
while a squattable typo is still rejected."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk.match import TYPO_RULES, Matcher, MatchSettings, build_matcher
from typorisk.policyd import Policy, decide

from .postfix import free_port, postfix, require_postfix
from .test_postfix import rcpt, wait_listening


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return build_matcher(["mail.mil"], MatchSettings(top=300, rules=TYPO_RULES))


def req(recipient: str) -> dict[str, str]:
    return {"request": "smtpd_access_policy", "protocol_state": "RCPT", "recipient": recipient}


def test_established_lookalike_is_warned_not_rejected(matcher: Matcher) -> None:
    decision = decide(req("orders@mail.com"), matcher, Policy())
    assert decision.level == "established"
    assert decision.action == (
        "WARN mail.com is an outside domain that looks like mail.mil; check the recipient "
        "(mail.com: established domain of another organisation (rank 6,166): "
        "warn senders, do not block)"
    )
    squat = decide(req("a@mail.ml"), matcher, Policy())
    assert squat.action.startswith("REJECT 5.7.1 mail.ml looks like a typo of mail.mil")


def test_block_anyway_gives_the_level_action_back(matcher: Matcher) -> None:
    policy = Policy(block_anyway=frozenset({"mail.com"}))
    decision = decide(req("orders@mail.com"), matcher, policy)
    assert decision.level in ("high", "medium") and decision.action.startswith(("REJECT", "HOLD"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    require_postfix()
    targets = tmp_path_factory.mktemp("policyd-warn") / "targets.txt"
    targets.write_text("mail.mil\n")
    policy_port, smtp_port = free_port(), free_port()
    argv = [str(Path(sys.executable).with_name("typorisk")), "policyd", "--listen",
            f"127.0.0.1:{policy_port}", "--file", str(targets)]  # fmt: skip
    errlog = targets.with_name("policyd.log")
    with errlog.open("wb") as err:
        proc = subprocess.Popen(argv, stderr=err)
    try:
        wait_listening(policy_port, proc)
        with postfix(smtp_port, policy_port) as maillog:
            yield smtp_port, maillog
    finally:
        proc.send_signal(signal.SIGTERM)  # the PID started above
        try:
            assert proc.wait(10) == 0
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise


def test_postfix_delivers_to_mail_com_with_a_warning(world: tuple[int, Path]) -> None:
    port, maillog = world
    established, squat, real = rcpt(port, "orders@mail.com", "orders@mail.ml", "x@mail.mil")
    assert established[0] == 250  # accepted: mail.com is not rejected
    assert squat[0] == 554 and "mail.ml looks like a typo of mail.mil" in squat[1]
    assert real[0] == 250
    log = ""
    for _ in range(100):  # the log is written by Postfix's postlogd, asynchronously
        log = maillog.read_text() if maillog.exists() else ""
        if "mail.com is an outside domain" in log:
            break
        time.sleep(0.1)
    warned = [line for line in log.splitlines() if "mail.com is an outside domain" in line]
    assert warned and "warn: RCPT" in warned[0] and "to=<orders@mail.com>" in warned[0], log
