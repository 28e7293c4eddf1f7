"""The CLI in process: ``typorisk update-data`` against a local aiohttp server, and ``typorisk
scan --rdap --whois --zone-file --probe-smtp`` against a local DNS server, RDAP server, zone
file and aiosmtpd server. Nothing leaves 127.0.0.0/8."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from typorisk import permute
from typorisk.cli import main
from typorisk.demo.dnsserver import DemoDnsServer
from typorisk.parse.psl import snapshot_path

from ..probe import servers as smtp
from .test_clients import rdap_app

BOOT = {"publication": "2027-01-01T00:00:00Z", "services": [[["com"], ["https://rdap.example/"]]]}


class Background:
    """An event loop in a thread, for servers the synchronous CLI talks to."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: object) -> object:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(10)  # type: ignore[arg-type]

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    bg = Background()
    yield bg
    bg.close()


def data_app() -> web.Application:
    async def boot(_: web.Request) -> web.Response:
        return web.json_response(BOOT)

    async def psl(_: web.Request) -> web.Response:
        return web.Response(body=snapshot_path().read_bytes())

    async def moved(_: web.Request) -> web.Response:
        raise web.HTTPMovedPermanently("/dns.json")

    async def downgrade(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"https://{request.host}/dns.json")

    async def html(_: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>", content_type="text/html")

    app = web.Application()
    for path, handler in [("/dns.json", boot), ("/psl.dat", psl), ("/moved", moved),
                          ("/downgrade", downgrade), ("/html", html)]:  # fmt: skip
        app.router.add_get(path, handler)
    return app


def test_update_data(
    background: Background, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = TestServer(data_app(), host="127.0.0.1")
    background.run(server.start_server())
    base = f"http://127.0.0.1:{server.port}"
    try:
        args = ["update-data", "--cache-dir", str(tmp_path), "--psl-url", f"{base}/psl.dat"]
        assert main([*args, "--rdap-url", f"{base}/moved"]) == 0
        assert json.loads((tmp_path / "rdap_dns.json").read_text()) == BOOT
        assert (tmp_path / "public_suffix_list.dat").read_bytes() == snapshot_path().read_bytes()
        assert "2027-01-01T00:00:00Z" in capsys.readouterr().out
        before = (tmp_path / "rdap_dns.json").read_bytes()
        for bad, why in (("/html", "did not return the expected file"),
                         ("/downgrade", "redirect-refused"), ("/missing", "HTTP 404")):  # fmt: skip
            assert main([*args, "--only", "rdap", "--rdap-url", base + bad]) == 2
            assert why in capsys.readouterr().err
            assert (tmp_path / "rdap_dns.json").read_bytes() == before  # old copy kept
    finally:
        background.run(server.close())


def test_scan_enriched_end_to_end(
    background: Background, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    names = [c.domain for c in permute(["brand.com"], top=30) if c.suffix == "com"]
    squat, parked = names[0], names[1]
    mail, _recorder = smtp.start("accept-any")
    zones = {
        "com.": "@ 300 IN SOA ns.registry. admin.registry. 1 3600 600 86400 60\n"
        "@ NS ns.registry.\n",
        "brand.com.": "@ 300 NS ns1.brand.com.\n@ 300 MX 10 mx.brand.com.\n",
        f"{squat}.": "@ 300 NS ns.parking.example.\n@ 300 MX 10 localhost.\n@ 300 A 127.0.0.1\n",
        f"{parked}.": "@ 300 NS ns.parking.example.\n",  # no address, no MX: no mail
    }
    soa = "@ 300 IN SOA ns.registry. admin.registry. 1 3600 600 86400 60\n"
    dns_server = DemoDnsServer(
        {o: f"$ORIGIN {o}\n$TTL 300\n{t if o == 'com.' else soa + t}" for o, t in zones.items()}
    )
    background.run(dns_server.__aenter__())
    hits: Counter[str] = Counter()
    rdap = TestServer(rdap_app(hits, default="found"), host="127.0.0.1")
    background.run(rdap.start_server())
    boot = tmp_path / "boot.json"
    boot.write_text(json.dumps({"services": [[["com"], [f"http://127.0.0.1:{rdap.port}/rdap/"]]]}))
    zone = tmp_path / "com.zone"
    zone.write_text(
        "com.\t900\tin\tsoa\ta.gtld. nstld. 1 1800 900 604800 86400\n"
        f"{squat}.\t172800\tin\tns\tns.parking.example.\n"
        f"{parked}.\t172800\tin\tns\tns.parking.example.\n"
    )
    try:
        argv = ["scan", "brand.com", "--top", "30", "--format", "jsonl", "--no-wildcards",
                "--max-unknown", "0.5",  # the in-process server answers com. only
                "--nameserver", f"127.0.0.1:{dns_server.port}", "--rdap", "--whois",
                "--zone-file", str(zone), "--rdap-bootstrap", str(boot), "--rdap-insecure-http",
                "--probe-smtp", "--smtp-port", str(mail.port), "--smtp-timeout", "2",
                "--smtp-helo", "probe.typorisk.test"]  # fmt: skip
        assert main(argv) == 0
        first = capsys.readouterr()
        assert main(argv) == 0  # the second run answers registrations from the cache
        second = capsys.readouterr()
    finally:
        background.run(rdap.close())
        background.run(dns_server.__aexit__(None, None, None))
        mail.stop()
    rows = {r["domain"]: r for r in map(json.loads, first.out.splitlines())}
    hit = rows[squat]
    assert hit["registration"] == "registered" and hit["registration_source"] == "rdap"
    assert hit["registrar"] == "MarkMonitor Inc." and hit["created"] == "1997-09-15"
    assert hit["registrar_iana"] == 292 and "client transfer prohibited" in hit["status"]
    assert (hit["smtp"], hit["smtp_code"]) == ("accepts-any", 250)
    assert hit["smtp_server"] == f"localhost:{mail.port}"
    assert rows[parked]["smtp"] is None  # no mail capability: never probed
    free = next(r for d, r in rows.items() if d not in (squat, parked) and d.endswith(".com"))
    assert (free["registration_lookup"], free["registration_source"]) == ("not-found", "zone-file")
    assert hits["found"] == 2  # only names DNS found registered went to RDAP, once each
    assert "zone files:" in first.err and "smtp probe: accepts-any 1" in first.err
    assert "2 from cache" in second.err
    assert "DATA" not in _recorder.commands


def test_scan_refuses_a_sender_at_the_protected_domain(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["scan", "army.mil", "--nameserver", "127.0.0.1:9", "--probe-smtp",
            "--smtp-from", "noreply@army.mil"]  # fmt: skip
    assert main(argv) == 2
    assert "protected domain army.mil" in capsys.readouterr().err
