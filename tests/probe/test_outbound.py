"""The outbound address policy on the SMTP probe (and, end to end, on WHOIS): a mail host or a
WHOIS host whose address is private is refused, not contacted, and the row says why.

The witnesses are listening sockets nobody serves (:class:`SilentPort`): after the run they
must have no connection waiting. The tests' own servers opt in by naming their network."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk.cli import main
from typorisk.kit.outbound import AddressPolicy
from typorisk.probe import Prober, Verdict

from ..conftest import Ledger
from ..register.hostile import SilentPort
from ..register.test_cli import Background
from . import servers
from .test_cli_e2e import dns_world, typos

REFUSED_LOOPBACK = "refused: private address 127.0.0.1 (loopback)"


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    bg = Background()
    yield bg
    bg.close()


@pytest.fixture
def silent() -> Iterator[SilentPort]:
    port = SilentPort("127.0.0.1")
    yield port
    port.close()


def prober(port: int, *networks: str) -> Prober:
    async def resolve(host: str) -> list[str]:  # the scan's DNS, as a table
        return {"mx.loopback.test": ["127.0.0.1"], "mx.private.test": ["10.0.0.5"],
                "mx.mixed.test": ["169.254.169.254", "127.0.0.1"]}.get(host, [])  # fmt: skip

    policy = AddressPolicy.of(networks)
    return Prober(helo="probe.typorisk.test", port=port, timeout=0.5, rate=None, resolve=resolve,
                  policy=policy)  # fmt: skip


@pytest.mark.parametrize("host", ["mx.loopback.test", "127.0.0.1"])
def test_mx_on_loopback_without_opt_in_is_refused_and_not_contacted(
    silent: SilentPort, host: str, ledger: Ledger
) -> None:
    """An MX (a name the scan's DNS resolves, or an IP literal) on 127.0.0.1, no opt-in."""
    with ledger.row("hostile MX: loopback address, no opt-in").case():
        result = asyncio.run(prober(silent.port).probe("squat.test", [host]))
        assert (result.verdict, result.reply) == (Verdict.UNKNOWN, REFUSED_LOOPBACK)
        assert result.sent == () and result.tls is None
        assert not silent.contacted()


def test_refused_mx_then_the_next_allowed_one(ledger: Ledger) -> None:
    """The best MX is private (10.0.0.5): refused, and the next MX (loopback, opted in as a
    /32) is probed; an MX with a metadata and a loopback address is probed on the allowed one."""
    controller, recorder = servers.start("accept-any")
    row = ledger.row("hostile MX: private best MX, or a private address beside an allowed one")
    try:
        with row.case():
            probe = prober(controller.port, "127.0.0.1/32")
            result = asyncio.run(probe.probe("squat.test", ["mx.private.test", "mx.loopback.test"]))
            assert result.verdict is Verdict.ACCEPTS_ANY
            assert result.server == f"mx.loopback.test:{controller.port}"
            alone = asyncio.run(probe.probe("squat.test", ["mx.private.test"]))
            assert (alone.verdict, alone.reply) == (
                Verdict.UNKNOWN,
                "refused: private address 10.0.0.5 (RFC 1918 private)",
            )
        with row.case():
            mixed = asyncio.run(probe.probe("squat.test", ["mx.mixed.test"]))
            assert mixed.verdict is Verdict.ACCEPTS_ANY
    finally:
        controller.stop()
    assert recorder.commands == ["EHLO", "MAIL", "RCPT", "QUIT"] * 2


def test_scan_probe_and_whois_without_opt_in_contact_no_loopback_server(
    background: Background,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    silent: SilentPort,
    ledger: Ledger,
) -> None:
    """``scan --probe-smtp --whois`` with the MX and the WHOIS host on 127.0.0.1 (in the
    scan's DNS) and no ``--allow-private-network``: both unknown with the policy's reason, the
    listening port saw nothing, the run completes."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    squat = typos("brand.ac", "ac")[0]
    zones = {
        "ac.": "@ NS ns.registry.\n",
        "nic.ac.": "@ NS ns.registry.\nwhois A 127.0.0.1\n",
        "brand.ac.": "@ NS ns1.brand.ac.\n",
        f"{squat}.": "@ NS ns.parking.example.\n@ MX 10 mx\nmx A 127.0.0.1\n",
    }
    with ledger.row("hostile scan: MX and WHOIS host on loopback, no opt-in").case():
        with dns_world(background, zones) as dns:
            argv = ["scan", "brand.ac", "--top", "40", "--format", "jsonl", "--no-wildcards",
                    "--max-unknown", "0.5", "--nameserver", f"127.0.0.1:{dns}", "--whois",
                    "--whois-port", str(silent.port), "--probe-smtp", "--smtp-port",
                    str(silent.port), "--smtp-timeout", "1", "--smtp-helo", "p.typorisk.test",
                    "--no-registration-cache"]  # fmt: skip
            assert main(argv) == 0
        rows = {r["domain"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
        hit = rows[squat]
        assert (hit["registration_lookup"], hit["registration_error"]) == (
            "unknown",
            REFUSED_LOOPBACK,
        )
        assert (hit["smtp"], hit["smtp_reply"]) == ("unknown", REFUSED_LOOPBACK)
        assert not silent.contacted()
