"""A real Postfix (Debian package) asks typorisk policyd: typo recipients are rejected with the
configured text, real ones pass RCPT TO. DATA is never sent; every transport discards.

policyd runs as the CLI, with the flags of ``examples/policyd/typorisk-policyd.service``, so the
example unit, main.cf and master.cf are the ones proven here.
"""

from __future__ import annotations

import shlex
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from .postfix import EXAMPLES, free_port, postfix, require_postfix

TEXT = "typorisk-test: {domain} is a typo of {target}"


def unit_argv(targets: Path, port: int) -> list[str]:
    """ExecStart of the example systemd unit, pointed at this venv, a temp file and port."""
    line = next(
        x for x in (EXAMPLES / "typorisk-policyd.service").read_text().splitlines()
        if x.startswith("ExecStart=")
    )  # fmt: skip
    argv = shlex.split(line.removeprefix("ExecStart="))
    assert argv[:2] == ["/usr/local/bin/typorisk", "policyd"]
    argv[0] = str(Path(sys.executable).with_name("typorisk"))
    argv[argv.index("--listen") + 1] = f"127.0.0.1:{port}"
    argv[argv.index("--file") + 1] = str(targets)
    return [*argv, "--text", TEXT]


def wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(
                f"policyd exited: {process.stderr.read() if process.stderr else ''!r}"
            )
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("policyd did not start")


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[int, Path, subprocess.Popen[bytes]]]:
    require_postfix()
    targets = tmp_path_factory.mktemp("policyd") / "targets.txt"
    targets.write_text("pentagon.mil\n")
    policy_port, smtp_port = free_port(), free_port()
    errlog = targets.with_name("policyd.log")
    with errlog.open("wb") as err:
        proc = subprocess.Popen(unit_argv(targets, policy_port), stderr=err)
    try:
        wait_listening(policy_port, proc)
        with postfix(smtp_port, policy_port) as maillog:
            yield smtp_port, targets, proc
            assert "NOQUEUE: reject: RCPT" in maillog.read_text()
    finally:
        proc.send_signal(signal.SIGTERM)  # the PID started above
        try:
            code = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise
        assert code == 0
    assert "action=REJECT level=high recipient=<general@pentagon.ml>" in errlog.read_text()


def rcpt(port: int, *recipients: str) -> list[tuple[int, str]]:
    with smtplib.SMTP("127.0.0.1", port, timeout=15) as smtp:
        smtp.ehlo("client.test")
        assert smtp.mail("alice@corp.example")[0] == 250
        replies = [smtp.rcpt(r) for r in recipients]
        smtp.rset()
    return [(code, text.decode()) for code, text in replies]


def test_typo_recipient_rejected_real_one_passes(
    world: tuple[int, Path, subprocess.Popen[bytes]],
) -> None:
    port, _, _ = world
    typo, real, other = rcpt(port, "general@pentagon.ml", "general@pentagon.mil", "bob@gmail.com")
    assert typo == (554, "5.7.1 <general@pentagon.ml>: Recipient address rejected: "
                    "typorisk-test: pentagon.ml is a typo of pentagon.mil")  # fmt: skip
    assert real[0] == 250 and other[0] == 250


def test_sighup_reloads_targets(world: tuple[int, Path, subprocess.Popen[bytes]]) -> None:
    port, targets, proc = world
    assert rcpt(port, "x@army.ml")[0][0] == 250
    targets.write_text("pentagon.mil\narmy.mil\n")
    proc.send_signal(signal.SIGHUP)
    for _ in range(100):
        time.sleep(0.1)
        if rcpt(port, "x@army.ml")[0][0] == 554:
            break
    assert rcpt(port, "x@army.ml")[0][0] == 554
    assert rcpt(port, "x@army.mil")[0][0] == 250


def test_examples_are_what_the_test_runs() -> None:
    main = (EXAMPLES / "main.cf").read_text()
    master = (EXAMPLES / "master.cf").read_text()
    assert "check_policy_service { inet:127.0.0.1:10040" in main
    assert "$typorisk_policy" in master and "submission inet" in master
    unit = (EXAMPLES / "typorisk-policyd.service").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit and "--listen 127.0.0.1:10040" in unit
    from typorisk.cli import build_parser

    args = build_parser().parse_args(unit_argv(Path("t.txt"), 10040)[1:])
    assert args.command == "policyd" and args.file == ["t.txt"]
