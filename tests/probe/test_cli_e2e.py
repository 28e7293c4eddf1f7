"""End to end through the CLI, in process: ``typorisk scan --probe-smtp --smtp-port P`` against
aiosmtpd offering STARTTLS (a certificate from a test CA made with ``cryptography``), and
``typorisk scan --whois --whois-port P`` against a small asyncio WHOIS server. Both the MX host
and the WHOIS host exist only in the scan's DNS server (``--nameserver``): no system resolver
knows them, so the rows prove the probe and WHOIS use typorisk's resolver. Everything listens
on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk import permute
from typorisk.cli import main
from typorisk.demo.dnsserver import DemoDnsServer

from ..register.test_cli import Background
from . import servers

SOA = "@ 300 IN SOA ns.registry. admin.registry. 1 3600 600 86400 60\n"


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    bg = Background()
    yield bg
    bg.close()


def typos(target: str, suffix: str) -> list[str]:
    return [c.domain for c in permute([target], top=40) if c.suffix == suffix]


@contextlib.contextmanager
def dns_world(background: Background, zones: dict[str, str]) -> Iterator[int]:
    server = DemoDnsServer({o: f"$ORIGIN {o}\n$TTL 300\n{SOA}{t}" for o, t in zones.items()})
    background.run(server.__aenter__())
    try:
        yield server.port
    finally:
        background.run(server.__aexit__(None, None, None))


def test_scan_probe_starttls_end_to_end(
    background: Background, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    squat = typos("brand.com", "com")[0]
    controller, recorder = servers.start("starttls", tmp_path)
    zones = {
        "com.": "@ NS ns.registry.\n",
        "brand.com.": "@ NS ns1.brand.com.\n@ MX 10 mx.brand.com.\n",
        f"{squat}.": "@ NS ns.parking.example.\n@ MX 10 mx\nmx A 127.0.0.1\n",
    }
    try:
        with dns_world(background, zones) as dns:
            argv = ["scan", "brand.com", "--top", "40", "--format", "jsonl", "--no-wildcards",
                    "--max-unknown", "0.5", "--nameserver", f"127.0.0.1:{dns}",
                    "--probe-smtp", "--smtp-port", str(controller.port), "--smtp-timeout", "2",
                    "--smtp-helo", "probe.typorisk.test",
                    "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
            assert main(argv) == 0
    finally:
        controller.stop()
    out = capsys.readouterr()
    rows = {r["domain"]: r for r in map(json.loads, out.out.splitlines())}
    hit = rows[squat]
    assert hit["smtp_server"] == f"mx.{squat}:{controller.port}"  # found by --nameserver only
    assert (hit["smtp"], hit["smtp_code"], hit["smtp_tls"]) == ("accepts-any", 250, "starttls")
    assert hit["smtp_cert_issuer"] == servers.CA_NAME
    assert hit["smtp_cert_names"] == list(servers.CERT_NAMES)
    assert hit["smtp_cert_age_days"] == servers.CERT_AGE_DAYS
    assert recorder.commands == ["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "QUIT"]
    assert "smtp probe: accepts-any 1" in out.err


WHOIS_RECORD = (
    "Domain Name: {name}\r\nRegistrar: Example Registrar, Ltd.\r\nRegistrar IANA ID: 1234\r\n"
    "Creation Date: 2026-10-30T08:00:00Z\r\nRegistry Expiry Date: 2027-10-30T08:00:00Z\r\n"
    "Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited\r\n"
    "Name Server: ns.parking.example\r\n"
)


async def whois_server(queries: list[str], registered: str) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        query = (await reader.readline()).decode().strip()
        queries.append(query)
        answer = WHOIS_RECORD.format(name=query.upper()) if query == registered else "NOT FOUND\r\n"
        writer.write(answer.encode())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_scan_whois_port_end_to_end(
    background: Background, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """``.ac`` has no RDAP service: WHOIS (whois.nic.ac, from the shipped map) answers, on the
    port given, at the address the scan's DNS gives."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    squat = typos("brand.ac", "ac")[0]
    queries: list[str] = []
    server = background.run(whois_server(queries, squat))
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    zones = {
        "ac.": "@ NS ns.registry.\n",
        "nic.ac.": "@ NS ns.registry.\nwhois A 127.0.0.1\n",
        "brand.ac.": "@ NS ns1.brand.ac.\n",
        f"{squat}.": "@ NS ns.parking.example.\n@ A 127.0.0.2\n",
    }
    try:
        with dns_world(background, zones) as dns:
            argv = ["scan", "brand.ac", "--top", "40", "--format", "jsonl", "--no-wildcards",
                    "--max-unknown", "0.5", "--nameserver", f"127.0.0.1:{dns}", "--whois",
                    "--whois-port", str(port), "--rdap-rate", "50",
                    "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
            assert main(argv) == 0
    finally:
        server.close()  # type: ignore[attr-defined]
    out = capsys.readouterr()
    rows = {r["domain"]: r for r in map(json.loads, out.out.splitlines())}
    hit = rows[squat]
    assert (hit["registration_source"], hit["registration_server"]) == ("whois", "whois.nic.ac")
    assert (hit["registration_lookup"], hit["registrar"]) == ("found", "Example Registrar, Ltd.")
    assert (hit["registrar_iana"], hit["created"]) == (1234, "2026-10-30")
    assert queries == [squat]  # only the name DNS found registered went to WHOIS
    assert "whois/found 1" in out.err
