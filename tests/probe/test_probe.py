# ruff: noqa: E501  (tables of real-shaped replies read best one case a line)
"""The SMTP probe against real aiosmtpd servers on 127.0.0.1, and its pure classifier.

Every server records the commands it received: no test may ever see DATA.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk.errors import ProbeConfigError
from typorisk.kit.outbound import AddressPolicy
from typorisk.pipeline.rows import probe_row
from typorisk.probe import (
    Prober,
    Reply,
    Verdict,
    check_sender,
    classify_rcpt,
    classify_setup,
    parse_reply,
)

from ..conftest import Ledger
from . import servers

LOOPBACK = AddressPolicy.of(["127.0.0.0/8"])
"""The tests' servers listen on loopback: they opt in, as a user would with the flag."""

BEHAVIOURS = [
    ("accept-any", Verdict.ACCEPTS_ANY, 250),
    ("reject-unknown", Verdict.REJECTS_UNKNOWN, 550),
    ("reject-all", Verdict.REJECTS_UNKNOWN, 550),  # dnstwist would say "intercepting"
    ("greet-554", Verdict.REFUSES, 554),
    ("greylist", Verdict.TEMPFAIL, 450),
    ("stall-greeting", Verdict.TIMEOUT, None),
    ("stall-rcpt", Verdict.TIMEOUT, None),
    ("tls-required", Verdict.ACCEPTS_ANY, 250),  # STARTTLS, then RCPT over TLS
    ("starttls", Verdict.ACCEPTS_ANY, 250),
    ("tls-broken", Verdict.ACCEPTS_ANY, 250),  # the handshake fails: again, in plain text
]


@pytest.fixture(scope="module")
def smtp_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[servers.RecordingController, servers.Recorder]]]:
    tmp = tmp_path_factory.mktemp("tls")
    started = {name: servers.start(name, tmp) for name, _, _ in BEHAVIOURS}
    yield started
    for controller, recorder in started.values():
        controller.stop()
        assert "DATA" not in recorder.commands


def probe(port: int, hosts: list[str], **options: object) -> object:
    options.setdefault("policy", LOOPBACK)
    prober = Prober(helo="probe.typorisk.test", port=port, timeout=0.5, rate=None, **options)  # type: ignore[arg-type]
    return asyncio.run(prober.probe("cprp.test", hosts))


@pytest.mark.parametrize(("behaviour", "verdict", "code"), BEHAVIOURS)
def test_classification_against_real_servers(
    smtp_servers: dict[str, tuple[servers.RecordingController, servers.Recorder]],
    behaviour: str,
    verdict: Verdict,
    code: int | None,
    ledger: Ledger,
) -> None:
    controller, recorder = smtp_servers[behaviour]
    before = len(recorder.commands)
    with ledger.row(f"SMTP server behaviour: {behaviour} (classified, no DATA)").case():
        result = probe(controller.port, ["127.0.0.1"])
        assert result.verdict is verdict, result  # type: ignore[attr-defined]
        assert result.code == code  # type: ignore[attr-defined]
        assert result.server == f"127.0.0.1:{controller.port}"  # type: ignore[attr-defined]
        got = recorder.commands[before:]
        assert "DATA" not in got and "DATA" not in result.sent  # type: ignore[attr-defined]
        if behaviour in ("accept-any", "reject-unknown", "reject-all", "greylist"):
            assert got == ["EHLO", "MAIL", "RCPT", "QUIT"]
        if behaviour == "greet-554":
            assert got == ["QUIT"]


def test_reject_all_is_not_accepts_any(
    smtp_servers: dict[str, tuple[servers.RecordingController, servers.Recorder]],
) -> None:
    """dnstwist's probe sends RCPT and never reads the reply, so this server looks like a
    catch-all to it. typorisk reads the 550 and says rejects-unknown."""
    controller, _ = smtp_servers["reject-all"]
    result = probe(controller.port, ["127.0.0.1"])
    assert result.verdict is Verdict.REJECTS_UNKNOWN  # type: ignore[attr-defined]
    assert result.reply.startswith("550 5.7.1")  # type: ignore[attr-defined]


def test_next_mx_when_the_best_refuses(
    smtp_servers: dict[str, tuple[servers.RecordingController, servers.Recorder]],
) -> None:
    controller, recorder = smtp_servers["accept-any"]
    closed = servers.free_port()
    prober = Prober(
        helo="probe.typorisk.test", port=closed, timeout=0.5, rate=None, policy=LOOPBACK
    )
    refused = asyncio.run(prober.probe("cprp.test", ["127.0.0.1"]))
    assert (refused.verdict, refused.reply) == (Verdict.REFUSES, "connection refused")
    # Best MX: a host whose port is closed (127.0.0.2 on the accept-any port has nobody).
    prober = Prober(
        helo="probe.typorisk.test", port=controller.port, timeout=0.5, rate=None, policy=LOOPBACK
    )
    result = asyncio.run(prober.probe("cprp.test", ["127.0.0.2", "127.0.0.1"]))
    assert result.verdict is Verdict.ACCEPTS_ANY
    assert result.server == f"127.0.0.1:{controller.port}"
    assert "DATA" not in recorder.commands


def test_probe_many_bounded_and_rate_limited(
    smtp_servers: dict[str, tuple[servers.RecordingController, servers.Recorder]],
) -> None:
    controller, recorder = smtp_servers["reject-unknown"]
    prober = Prober(
        helo="p.test", port=controller.port, timeout=1.0, rate=20.0, concurrency=2, policy=LOOPBACK
    )
    loop_start = asyncio.run(_timed(prober, [(f"c{i}.test", ["127.0.0.1"]) for i in range(5)]))
    results, elapsed = loop_start
    assert {r.verdict for r in results.values()} == {Verdict.REJECTS_UNKNOWN}
    assert elapsed >= 0.19  # 5 probes at 20/s on one host: 4 intervals
    assert "DATA" not in recorder.commands


async def _timed(prober: Prober, items: list[tuple[str, list[str]]]) -> tuple[dict, float]:  # type: ignore[type-arg]
    loop = asyncio.get_running_loop()
    start = loop.time()
    results = await prober.probe_many(items)
    return results, loop.time() - start


def test_no_host_is_unknown() -> None:
    prober = Prober(helo="p.test")
    result = asyncio.run(prober.probe("x.test", ["."]))
    assert result.verdict is Verdict.UNKNOWN


def test_sender_never_at_a_protected_domain() -> None:
    check_sender("", ["army.mil"])
    check_sender("probe@scanner.example", ["army.mil"])
    for bad in ("noreply@army.mil", "x@mail.army.mil", "x@ARMY.MIL", "nobody", "<x@y>"):
        with pytest.raises(ProbeConfigError):
            check_sender(bad, ["army.mil"])
    with pytest.raises(ProbeConfigError):
        Prober(helo="bad name")


@pytest.mark.parametrize(
    ("lines", "reply"),
    [
        ([b"250 2.1.5 Ok\r\n"], Reply(250, ("2.1.5 Ok",))),
        ([b"250-mx.example\r\n", b"250-PIPELINING\r\n", b"250 STARTTLS\r\n"],
         Reply(250, ("mx.example", "PIPELINING", "STARTTLS"))),
        ([b"220\r\n"], Reply(220, ("",))),
        ([b"550-5.1.1 no\r\n", b"550 5.1.1 such user\r\n"], Reply(550, ("5.1.1 no", "5.1.1 such user"))),
    ],
)  # fmt: skip
def test_parse_reply(lines: list[bytes], reply: Reply) -> None:
    assert parse_reply(lines) == reply


@pytest.mark.parametrize(
    "lines",
    [[], [b"hello\r\n"], [b"250-a\r\n", b"251 b\r\n"], [b"250-a\r\n"], [b"250 a\r\n", b"250 b\r\n"],
     [b"250-x\r\n"] * 70, [b"650 x\r\n"]],
)  # fmt: skip
def test_parse_reply_refuses_malformed(lines: list[bytes]) -> None:
    with pytest.raises(ValueError):
        parse_reply(lines)


@pytest.mark.parametrize(
    ("reply", "setup", "rcpt"),
    [
        (Reply(250, ("2.1.5 Ok",)), None, Verdict.ACCEPTS_ANY),
        (Reply(251, ("User not local; will forward",)), None, Verdict.ACCEPTS_ANY),
        (Reply(550, ("5.1.1 User unknown",)), Verdict.REFUSES, Verdict.REJECTS_UNKNOWN),
        (Reply(554, ("5.7.1 Relay access denied",)), Verdict.REFUSES, Verdict.REJECTS_UNKNOWN),
        (Reply(450, ("4.2.0 Greylisted",)), Verdict.TEMPFAIL, Verdict.TEMPFAIL),
        (Reply(421, ("4.7.0 Try again later",)), Verdict.TEMPFAIL, Verdict.TEMPFAIL),
        (Reply(530, ("5.7.0 Must issue a STARTTLS command first",)), Verdict.TLS_REQUIRED, Verdict.TLS_REQUIRED),
        (Reply(550, ("5.7.0 Must issue STARTTLS first",)), Verdict.TLS_REQUIRED, Verdict.TLS_REQUIRED),
        (Reply(354, ("go ahead",)), None, Verdict.UNKNOWN),
    ],
)  # fmt: skip
def test_classify(reply: Reply, setup: Verdict | None, rcpt: Verdict) -> None:
    assert classify_setup(reply) is setup
    assert classify_rcpt(reply) is rcpt


def test_probe_module_never_sends_data() -> None:
    source = (Path(__file__).parents[2] / "typorisk" / "probe" / "smtp.py").read_text()
    assert '"DATA"' not in source and "'DATA'" not in source


@pytest.mark.parametrize(
    ("behaviour", "tls", "commands"),
    [
        ("accept-any", "none", ["EHLO", "MAIL", "RCPT", "QUIT"]),
        ("starttls", "starttls", ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "QUIT"]),
        ("tls-required", "starttls", ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "QUIT"]),
        # the failed handshake's connection, then a plain one
        ("tls-broken", "failed", ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "QUIT"]),
    ],
)
def test_starttls_then_rcpt_over_tls_with_certificate_facts(
    smtp_servers: dict[str, tuple[servers.RecordingController, servers.Recorder]],
    behaviour: str,
    tls: str,
    commands: list[str],
) -> None:
    controller, recorder = smtp_servers[behaviour]
    before = len(recorder.commands)
    result = probe(controller.port, ["127.0.0.1"])
    assert result.tls == tls, result  # type: ignore[attr-defined]
    assert recorder.commands[before:] == commands
    row = probe_row(result)  # type: ignore[arg-type]
    if tls == "starttls":
        assert row["smtp_cert_issuer"] == servers.CA_NAME
        assert row["smtp_cert_names"] == list(servers.CERT_NAMES)
        assert row["smtp_cert_age_days"] == servers.CERT_AGE_DAYS
    else:
        assert (row["smtp_cert_issuer"], row["smtp_cert_names"]) == (None, [])


def test_starttls_off_reports_tls_required(
    smtp_servers: dict[str, tuple[servers.RecordingController, servers.Recorder]],
) -> None:
    controller, _ = smtp_servers["tls-required"]
    result = probe(controller.port, ["127.0.0.1"], starttls=False)
    assert (result.verdict, result.code, result.tls) == (Verdict.TLS_REQUIRED, 530, "none")  # type: ignore[attr-defined]


def test_mx_hosts_resolved_by_the_injected_resolver(
    smtp_servers: dict[str, tuple[servers.RecordingController, servers.Recorder]],
) -> None:
    """A host name no system resolver knows reaches the server through ``resolve``; a host
    with no address is unknown and the next MX is tried."""
    controller, _ = smtp_servers["accept-any"]
    asked: list[str] = []

    async def resolve(host: str) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"] if host == "mx.only-typorisk-knows.test" else []

    result = probe(controller.port, ["gone.test", "mx.only-typorisk-knows.test"], resolve=resolve)
    assert result.verdict is Verdict.ACCEPTS_ANY  # type: ignore[attr-defined]
    assert result.server == f"mx.only-typorisk-knows.test:{controller.port}"  # type: ignore[attr-defined]
    assert asked == ["gone.test", "mx.only-typorisk-knows.test"]
    alone = probe(controller.port, ["gone.test"], resolve=resolve)
    assert (alone.verdict, alone.reply) == (Verdict.UNKNOWN, "MX host has no address")  # type: ignore[attr-defined]
