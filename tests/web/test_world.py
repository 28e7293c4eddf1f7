"""The web stage against real servers: aiohttp sites on 127.0.19.x:80/443 with TLS from a test
CA, DNS from real NSD and Unbound (tests/web/world.py), the scan through the CLI."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.resolve.servers import free_port
from tests.web import world as w
from typorisk.cli import main
from typorisk.kit.outbound import AddressPolicy
from typorisk.pipeline.web import dns_lookup
from typorisk.resolve import DnsClient, NameServer
from typorisk.web import Fetcher, FetchLimits, Inspector, WebClass, WebResult, load_parking
from typorisk.web.shot import Shooter, find_chromium

LOCAL = AddressPolicy.of(["127.0.0.0/8"])
"""The world is on loopback: the tests open it, and only it."""


def local(port: int) -> AddressPolicy:
    """:data:`LOCAL`, with a test server's high port opened to web fetches too."""
    return AddressPolicy.of(["127.0.0.0/8"], (80, 443, port))


FAST = FetchLimits(connect_timeout=2.0, read_timeout=3.0, rate=None)


def _need(ok: bool, message: str) -> None:
    if not ok:
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[w.World]:
    _need(w.can_bind_web_ports(), "binding 127.0.19.x:80/443 needs root")
    with w.web_world(tmp_path_factory.mktemp("webworld")) as running:
        yield running


async def _inspect_all(world: w.World, limits: FetchLimits, shooter: Shooter | None = None,
                       names: list[str] | None = None) -> dict[str, WebResult]:  # fmt: skip
    host, port = world.resolver
    async with DnsClient([NameServer(host, port)], rate=None) as client:
        lookup = dns_lookup(client)
        async with Fetcher(limits, lookup, LOCAL) as fetcher:
            inspector = Inspector(fetcher, load_parking(), dt.datetime.now(dt.UTC), shooter)

            async def one(domain: str) -> WebResult:
                return await inspector.inspect(w.TARGET, domain, await lookup(domain))

            domains = names or list(world.sites)
            results = await asyncio.gather(*(one(d) for d in domains))
    return dict(zip(domains, results, strict=True))


def test_each_page_gets_its_class(world: w.World) -> None:
    started = time.monotonic()
    results = asyncio.run(_inspect_all(world, FAST))
    took = time.monotonic() - started
    wrong = {
        d: (r.web_class.value, exp, r.error)
        for d, (_, exp, _) in world.sites.items()
        if (r := results[d]).web_class.value != exp
    }
    assert not wrong
    assert took < 20  # the tarpit is cut at connect + read timeout, not after two minutes
    clone = results["brandbamk.com"]
    assert clone.cert.age_days == 3 and clone.cert.issuer == "Typorisk Test CA"
    assert clone.favicon_match and clone.similarity == 1.0
    kit = results["brnadbank.com"]
    assert kit.cert.self_signed and kit.password and kit.brand
    defence = results["brandbanc.com"]
    assert defence.chain == (  # https refused there: http, then the brand's own redirects
        "http://brandbanc.com/",
        "http://www.brandbank.com/",
        "https://brandbank.com/",
    )
    huge = results["brandank.com"]
    assert huge.error == "body cut at 2,097,152 bytes"
    assert "loop" in results["brandbankk.com"].error
    assert "reset" in results["brandbak.com"].error
    assert "binary" in results["rbandbank.com"].error
    assert results["brendbank.com"].final_url == "http://othershop.com/welcome"


def test_the_scan_cli_with_web(world: w.World, capsys: pytest.CaptureFixture[str]) -> None:
    w.SEEN.clear()
    argv = ["scan", w.TARGET, "--web", "--nameserver", world.nameserver, "--format", "jsonl",
            "--max-unknown", "0.5", "--web-connect-timeout", "2", "--web-read-timeout", "3",
            "--web-user-agent", "typorisk-test/1 (+security team)",
            "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
    assert main(argv) == 0
    out = capsys.readouterr()
    rows = [json.loads(line) for line in out.out.splitlines()]
    by = {r["domain"]: r for r in rows}
    for domain, (_, expected, _) in world.sites.items():
        assert by[domain]["web"] == expected, domain  # every site keeps its row and its class
    assert rows[0]["domain"] == "brandbamk.com"  # the clone on a 3-day-old certificate
    assert rows[0]["web_cert_age_days"] == 3 and rows[0]["web_similarity"] == 1.0
    assert any("3 days old" in r for r in rows[0]["reasons"])
    # what joins look-alikes into operations: the certificate, its names, favicon, page hash
    clone = rows[0]
    assert len(clone["web_cert_sha256"]) == 64 and "brandbamk.com" in clone["web_cert_names"]
    assert isinstance(clone["web_favicon"], int) and clone["web_fuzzy"].startswith("T1")
    assert by["brandbanc.com"]["defensive"] is True
    assert by["brandbanc.com"]["web_final_url"] == "https://brandbank.com/"
    assert by["brandbnk.com"]["web_error"].startswith("https: connection refused")
    assert all(r["web"] is None for r in rows if r["registration"] != "registered")
    assert "typorisk: web: 13 sites" in out.err
    assert {ua for _, ua in w.SEEN} == {"typorisk-test/1 (+security team)"}
    assert ("brandbamk.com", "typorisk-test/1 (+security team)") in w.SEEN  # Host header


def test_the_default_user_agent_names_typorisk(world: w.World) -> None:
    w.SEEN.clear()
    asyncio.run(_inspect_all(world, FAST, names=["brandbaank.com"]))
    assert w.SEEN and all(ua.startswith("typorisk/") for _, ua in w.SEEN)


def test_a_redirect_host_is_resolved_by_typorisk_never_the_system() -> None:
    """A redirect to localhost (the system resolver knows it; typorisk's DNS does not) is not
    followed, although a server listens there."""
    port = free_port()

    async def run() -> object:
        async def start(request: web.Request) -> web.Response:
            raise web.HTTPFound(f"http://localhost:{port}/x")

        async def reached(request: web.Request) -> web.Response:
            return web.Response(text="reached")

        app = web.Application()
        app.router.add_get("/", start)
        app.router.add_get("/x", reached)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:

            async def lookup(host: str) -> list[str]:
                return []

            async with Fetcher(FAST, lookup, local(port)) as fetcher:
                fetcher.resolver.learn("start.example", ["127.0.0.1"])
                return await fetcher.fetch(f"http://start.example:{port}/")
        finally:
            await runner.cleanup()

    page = asyncio.run(run())
    assert page.chain == (f"http://start.example:{port}/", f"http://localhost:{port}/x")
    assert page.body != b"reached" and "no address from typorisk" in page.error


def test_the_rate_per_address_holds(world: w.World) -> None:
    async def run() -> float:
        async def lookup(host: str) -> list[str]:
            return [w.NET + "21"]

        async with Fetcher(FetchLimits(rate=4.0), lookup, LOCAL) as fetcher:
            fetcher.resolver.learn("brandbaank.com", [w.NET + "21"])
            started = time.monotonic()
            await asyncio.gather(*(fetcher.fetch("http://brandbaank.com/") for _ in range(6)))
            return time.monotonic() - started

    assert asyncio.run(run()) >= 5 / 4 - 0.05  # 6 requests at 4/s: the 6th waits 1.25 s


def test_the_concurrency_bound_holds(world: w.World) -> None:
    in_flight = peak = 0

    async def run() -> None:
        nonlocal in_flight, peak

        async def slow(request: web.Request) -> web.Response:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.2)
            in_flight -= 1
            return web.Response(text="<p>slow</p>", content_type="text/html")

        port = free_port()
        app = web.Application()
        app.router.add_get("/", slow)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            async with Fetcher(
                FetchLimits(rate=None, concurrency=3), _none, local(port)
            ) as fetcher:
                names = [f"s{i}.example" for i in range(9)]
                for n in names:
                    fetcher.resolver.learn(n, ["127.0.0.1"])
                # page() holds the gate: https (refused on this port) then http
                await asyncio.gather(*(_page_at(fetcher, n, port) for n in names))
        finally:
            await runner.cleanup()

    asyncio.run(run())
    assert peak == 3


async def _none(host: str) -> list[str]:
    return []


async def _page_at(fetcher: Fetcher, name: str, port: int) -> object:
    async with fetcher.gate:
        return await fetcher.fetch(f"http://{name}:{port}/")


def test_a_bad_web_option_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "brandbank.com", "--web", "--web-max-bytes", "10"]) == 2
    err = capsys.readouterr().err
    assert "--web-max-bytes" in err and ">= 1024" in err and len(err.strip().splitlines()) == 1


def test_screenshots_find_the_clone(world: w.World) -> None:
    binary = find_chromium()
    _need(binary is not None, "chromium is not installed (apt-get install chromium)")
    assert binary is not None
    names = ["brandbamk.com", "brandbaank.com"]
    results = asyncio.run(_inspect_all(world, FAST, Shooter(binary, timeout=30), names))
    clone, bakery = results["brandbamk.com"], results["brandbaank.com"]
    assert clone.visual is not None and clone.visual >= 0.9
    assert bakery.visual is not None and bakery.visual < 0.9
    assert "screenshot" in clone.reasons[0]
    assert bakery.web_class is WebClass.UNRELATED


def test_world_names_are_candidates_of_both_tools() -> None:
    """The world's typo domains are ones typorisk and dnstwist both generate (a fair table)."""
    dnstwist = pytest.importorskip("dnstwist")
    from typorisk.parse.targets import parse_target
    from typorisk.permute import permute

    ours = {c.domain for c in permute([parse_target(w.TARGET)])}
    fuzzer = dnstwist.Fuzzer(w.TARGET)
    fuzzer.generate()
    theirs = {d["domain"] for d in fuzzer.domains}
    assert set(w.SITES) <= ours & theirs


def test_a_target_without_a_page_is_said_once(world: w.World) -> None:
    async def run() -> tuple[WebResult, list[str]]:
        async with Fetcher(FAST, _none, LOCAL) as fetcher:
            inspector = Inspector(fetcher, load_parking(), dt.datetime.now(dt.UTC))
            result = await inspector.inspect("nosite.com", "brandbamk.com", [w.NET + "11"])
            await inspector.inspect("nosite.com", "brandbnak.com", [w.NET + "12"])
            return result, inspector.target_problems()

    result, problems = asyncio.run(run())
    assert result.similarity is None and result.web_class is WebClass.UNRELATED
    assert len(problems) == 1 and problems[0].startswith("nosite.com's own page could not be read")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("http://brañdbank.com/x", "xn--bradbank-"),  # a Unicode host: asked as its A-label
        ("http://[::1", "bad redirect"),
        ("ftp://files.example/", "redirect to ftp://"),
        ("http://bad_name!.example/", "no address from typorisk"),
    ],
)
def test_a_strange_location_is_an_outcome(location: str, expected: str) -> None:
    port = free_port()
    asked: list[str] = []

    async def run() -> object:
        async def start(request: web.Request) -> web.Response:
            return web.Response(status=302, headers={"Location": location})

        app = web.Application()
        app.router.add_get("/", start)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()

        async def lookup(host: str) -> list[str]:
            asked.append(host)
            return []

        try:
            async with Fetcher(FAST, lookup, local(port)) as fetcher:
                fetcher.resolver.learn("start.example", ["127.0.0.1"])
                return await fetcher.fetch(f"http://start.example:{port}/")
        finally:
            await runner.cleanup()

    page = asyncio.run(run())
    assert expected in (page.error or "") + " ".join(asked) + " ".join(page.chain)  # type: ignore[attr-defined]


def test_screenshots_without_chromium_stop_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium on it
    argv = ["scan", "brandbank.com", "--web", "--web-screenshots", "--nameserver", "127.0.0.1:9"]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "--web-screenshots" in err and "apt-get install chromium" in err
    assert len(err.splitlines()) == 1 and "127.0.0.1:9" not in err  # no DNS was asked
