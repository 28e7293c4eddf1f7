"""The CLI in process: ``typorisk update-data`` against a local aiohttp server, and ``typorisk
scan --rdap --whois --zone-file --probe-smtp`` against a local DNS server, RDAP server, zone
file and aiosmtpd server. Nothing leaves 127.0.0.0/8."""

from __future__ import annotations

import asyncio
import contextlib
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
from typorisk.register.bootstrap import shipped_path
from typorisk.watch.ct import shipped_log_list

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

    async def number(request: web.Request) -> web.Response:
        return web.Response(body=(shipped_path(request.match_info["name"])).read_bytes())

    async def html(_: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>", content_type="text/html")

    async def ct(_: web.Request) -> web.Response:  # issue 18: the CT log list
        return web.Response(body=shipped_log_list().read_bytes())

    async def top(_: web.Request) -> web.Response:  # the top-sites list: a rank,domain CSV
        return web.Response(body=b"1,google.com\n2,mail.com\n")

    app = web.Application()
    for path, handler in [("/dns.json", boot), ("/psl.dat", psl), ("/moved", moved),
                          ("/downgrade", downgrade), ("/html", html),
                          ("/numbers/{name}", number), ("/html/{name}", html)]:  # fmt: skip
        app.router.add_get(path, handler)
    app.router.add_get("/ct.json", ct)
    app.router.add_get("/top.csv", top)
    return app


def test_update_data(
    background: Background, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = TestServer(data_app(), host="127.0.0.1")
    background.run(server.start_server())
    base = f"http://127.0.0.1:{server.port}"
    try:
        args = ["update-data", "--cache-dir", str(tmp_path), "--psl-url", f"{base}/psl.dat",
                "--rdap-numbers-url", f"{base}/numbers", "--ct-url", f"{base}/ct.json",
                "--top-sites-url", f"{base}/top.csv",
                "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
        assert main([*args, "--rdap-url", f"{base}/moved"]) == 0
        assert json.loads((tmp_path / "rdap_dns.json").read_text()) == BOOT
        for name in ("ipv4.json", "ipv6.json", "asn.json"):
            assert (tmp_path / name).read_bytes() == shipped_path(name).read_bytes()
        out = capsys.readouterr().out
        assert "asn: " in out and "version 2026-06-01T20:00:01Z" in out
        assert main([*args, "--only", "numbers", "--rdap-numbers-url", f"{base}/html"]) == 2
        assert "did not return the expected file" in capsys.readouterr().err
        assert main([*args, "--rdap-url", f"{base}/moved"]) == 0
        assert (tmp_path / "public_suffix_list.dat").read_bytes() == snapshot_path().read_bytes()
        assert "2027-01-01T00:00:00Z" in capsys.readouterr().out
        before = (tmp_path / "rdap_dns.json").read_bytes()
        for bad, why in (("/html", "did not return the expected file"),
                         ("/downgrade", "redirect-refused"), ("/missing", "HTTP 404")):  # fmt: skip
            assert main([*args, "--only", "rdap", "--rdap-url", base + bad]) == 2
            assert why in capsys.readouterr().err
            assert (tmp_path / "rdap_dns.json").read_bytes() == before  # old copy kept
        # without the opt-in, a source on loopback is refused like any non-public address
        local = args[: args.index("--allow-private-network")]
        assert main([*local, "--only", "rdap", "--rdap-url", f"{base}/dns.json"]) == 2
        assert "refused: private address 127.0.0.1 (loopback)" in capsys.readouterr().err
        assert (tmp_path / "rdap_dns.json").read_bytes() == before
    finally:
        background.run(server.close())


class World:
    """The local world of the enriched tests: DNS, RDAP, a zone file and a catch-all SMTP."""

    def __init__(self, dns: int, boot: Path, zone: Path, mail: int, squat: str, parked: str):
        self.dns, self.boot, self.zone, self.mail = dns, boot, zone, mail
        self.squat, self.parked = squat, parked


@contextlib.contextmanager
def enriched_world(
    background: Background, tmp_path: Path, hits: Counter[str]
) -> Iterator[tuple[World, smtp.Recorder]]:
    names = [c.domain for c in permute(["brand.com"], top=30) if c.suffix == "com"]
    squat, parked = names[0], names[1]
    mail, recorder = smtp.start("accept-any")
    zones = {
        "com.": "@ 300 IN SOA ns.registry. admin.registry. 1 3600 600 86400 60\n"
        "@ NS ns.registry.\n",
        "brand.com.": "@ 300 NS ns1.brand.com.\n@ 300 MX 10 mx.brand.com.\n",
        # the MX host exists only in this DNS world: the probe must resolve it through it
        f"{squat}.": "@ 300 NS ns.parking.example.\n@ 300 MX 10 mx\nmx 300 A 127.0.0.1\n",
        f"{parked}.": "@ 300 NS ns.parking.example.\n",  # no address, no MX: no mail
    }
    soa = "@ 300 IN SOA ns.registry. admin.registry. 1 3600 600 86400 60\n"
    dns_server = DemoDnsServer(
        {o: f"$ORIGIN {o}\n$TTL 300\n{t if o == 'com.' else soa + t}" for o, t in zones.items()}
    )
    background.run(dns_server.__aenter__())
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
        yield World(dns_server.port, boot, zone, mail.port, squat, parked), recorder
    finally:
        background.run(rdap.close())
        background.run(dns_server.__aexit__(None, None, None))
        mail.stop()


def test_scan_enriched_end_to_end(
    background: Background, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    hits: Counter[str] = Counter()
    with enriched_world(background, tmp_path, hits) as (world, _recorder):
        squat, parked = world.squat, world.parked
        argv = ["scan", "brand.com", "--top", "30", "--format", "jsonl", "--no-wildcards",
                "--max-unknown", "0.5",  # the in-process server answers com. only
                "--nameserver", f"127.0.0.1:{world.dns}", "--rdap", "--whois",
                "--zone-file", str(world.zone), "--rdap-bootstrap", str(world.boot),
                "--rdap-insecure-http", "--probe-smtp", "--smtp-port", str(world.mail),
                "--smtp-timeout", "2", "--smtp-helo", "probe.typorisk.test",
                "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
        assert main(argv) == 0
        first = capsys.readouterr()
        assert main(argv) == 0  # the second run answers registrations from the cache
        second = capsys.readouterr()
    rows = {r["domain"]: r for r in map(json.loads, first.out.splitlines())}
    hit = rows[squat]
    assert hit["registration"] == "registered" and hit["registration_source"] == "rdap"
    assert hit["registrar"] == "MarkMonitor Inc." and hit["created"] == "1997-09-15"
    assert hit["registrar_iana"] == 292 and "client transfer prohibited" in hit["status"]
    assert (hit["smtp"], hit["smtp_code"]) == ("accepts-any", 250)
    assert hit["smtp_server"] == f"mx.{squat}:{world.mail}"
    assert rows[parked]["smtp"] is None  # no mail capability: never probed
    free = next(r for d, r in rows.items() if d not in (squat, parked) and d.endswith(".com"))
    assert (free["registration_lookup"], free["registration_source"]) == ("not-found", "zone-file")
    assert hits["found"] == 2  # only names DNS found registered went to RDAP, once each
    assert "zone files:" in first.err and "smtp probe: accepts-any 1" in first.err
    assert "2 from cache" in second.err
    assert "DATA" not in _recorder.commands


def test_a_feed_runs_registration_and_the_probe_like_scan(
    background: Background, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """The same world through a feed definition (scan.registration, scan.probe): `run` writes
    the rows `scan` prints, registration and probe columns included."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with enriched_world(background, tmp_path, Counter()) as (world, recorder):
        feed = tmp_path / "feed.yaml"
        feed.write_text(
            f"""feed: enriched
targets: [brand.com]
scan:
  top: 30
  today: "2026-11-28"
  allow_private_network: [127.0.0.0/8]
  resolve: {{nameservers: ["127.0.0.1:{world.dns}"], wildcards: false, max_unknown: 0.5}}
  registration: {{rdap: true, whois: true, zone_files: [{world.zone}], bootstrap: {world.boot},
                  insecure_http: true, cache: false}}
  probe: {{smtp: true, port: {world.mail}, timeout: 2, helo: probe.typorisk.test}}
outputs:
  - {{format: jsonl, path: out/rows.jsonl}}
  - {{format: csv, path: out/rows.csv}}
""",
            encoding="utf-8",
        )
        assert main(["run", str(feed)]) == 0
        capsys.readouterr()
        argv = ["scan", "brand.com", "--top", "30", "--format", "jsonl", "--no-wildcards",
                "--max-unknown", "0.5", "--today", "2026-11-28",
                "--nameserver", f"127.0.0.1:{world.dns}", "--rdap", "--whois",
                "--zone-file", str(world.zone), "--rdap-bootstrap", str(world.boot),
                "--rdap-insecure-http", "--no-registration-cache", "--probe-smtp",
                "--smtp-port", str(world.mail), "--smtp-timeout", "2",
                "--smtp-helo", "probe.typorisk.test",
                "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
        assert main(argv) == 0
        scanned = {r["domain"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    fed = {
        r["domain"]: r
        for r in map(json.loads, (tmp_path / "out/rows.jsonl").read_text().splitlines())
    }
    assert set(fed) == set(scanned)
    for domain, row in scanned.items():
        assert {k: fed[domain][k] for k in row} == row
    hit = fed[world.squat]
    assert hit["registrar"] == "MarkMonitor Inc." and hit["smtp"] == "accepts-any"
    header = (tmp_path / "out/rows.csv").read_text().splitlines()[0].split(",")
    assert {"risk", "registration", "mail", "registrar", "smtp", "contrib_graph"} <= set(header)
    assert "DATA" not in recorder.commands


def test_scan_refuses_a_sender_at_the_protected_domain(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["scan", "army.mil", "--nameserver", "127.0.0.1:9", "--probe-smtp",
            "--smtp-from", "noreply@army.mil"]  # fmt: skip
    assert main(argv) == 2
    assert "protected domain army.mil" in capsys.readouterr().err
