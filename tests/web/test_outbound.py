"""Red team for the web stage: a look-alike's DNS answers, redirects and pages are the attacker's.

Real aiohttp servers on 127.0.0.2/127.0.0.3 play the look-alike and the brand (the tests open
exactly those addresses with the policy's opt-in); a "victim" listener on 127.0.0.1 plays an
internal service (Redis, a metadata endpoint) and counts every connection that reaches it. Each
hostile case must leave the victim untouched and say why in the page's error.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import os
import shutil
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from typorisk.cli import main
from typorisk.kit.outbound import BLOCKED, PUBLIC_ONLY, AddressPolicy
from typorisk.pipeline.rows import web_row
from typorisk.rank.facts import Observation
from typorisk.rank.score import RiskWeights, web_effect
from typorisk.web import Fetcher, FetchLimits, Inspector, WebClass, load_parking
from typorisk.web.inspect import WebResult
from typorisk.web.shot import Shooter, find_chromium
from typorisk.web.tls import cert_facts

from ..conftest import Ledger, ledger_row
from ..resolve.servers import free_port

FAST = FetchLimits(connect_timeout=2.0, read_timeout=3.0, rate=None)
RANGES = ledger_row("outbound policy: an address in each non-public range, by default")
CARRIED = ledger_row("outbound policy: a non-public IPv4 address carried in an IPv6 form")
NOW = dt.datetime.now(dt.UTC)


def _sample(cidr: str) -> str:
    net = ipaddress.ip_network(cidr)
    return str(net.network_address + (1 if net.num_addresses > 1 else 0))


@pytest.mark.parametrize(("cidr", "name"), BLOCKED)
def test_each_non_public_range_is_refused_by_default(cidr: str, name: str) -> None:
    with RANGES.case():
        why = PUBLIC_ONLY.refusal(_sample(cidr))
        assert why is not None and why.startswith("refused: private address ")
        assert not PUBLIC_ONLY.allows(str(ipaddress.ip_network(cidr).network_address))


V4_RANGES = [cidr for cidr, _ in BLOCKED if ":" not in cidr]


@pytest.mark.parametrize("cidr", V4_RANGES)
def test_ipv6_forms_carrying_a_non_public_ipv4_are_refused(cidr: str) -> None:
    v4 = ipaddress.IPv4Address(_sample(cidr))
    packed = int(v4)
    forms = [
        f"::ffff:{v4}",  # IPv4-mapped
        str(ipaddress.IPv6Address(packed)) if packed > 1 else f"::ffff:{v4}",  # IPv4-compatible
        str(ipaddress.IPv6Address((0x2002 << 112) | (packed << 80) | 1)),  # 6to4
        str(ipaddress.IPv6Address((0x64FF9B << 96) | packed)),  # NAT64
    ]
    for form in forms:
        with CARRIED.case():
            assert not PUBLIC_ONLY.allows(form), form


def test_public_addresses_pass_in_every_form() -> None:
    for address in ("8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8",
                    "2002:808:808::1", "64:ff9b::808:808"):  # fmt: skip
        assert PUBLIC_ONLY.allows(address), address
    assert not PUBLIC_ONLY.allows("localhost")  # only numeric addresses are judged


def test_the_opt_in_opens_only_the_networks_it_names() -> None:
    policy = AddressPolicy.of(["127.0.0.0/8"])
    assert policy.allows("127.0.0.1") and policy.allows("::ffff:127.0.0.1")
    for closed in ("10.0.0.5", "192.168.1.1", "172.16.0.1", "169.254.169.254", "100.64.0.1",
                   "::1", "fe80::1", "fd00::1", "::ffff:169.254.169.254", "0.0.0.0"):  # fmt: skip
        assert not policy.allows(closed), closed
    assert AddressPolicy.of(["10.20.0.0/16"]).allows("10.20.3.4")
    assert not AddressPolicy.of(["10.20.0.0/16"]).allows("10.21.0.1")


def test_the_opt_in_is_a_documented_flag_with_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scan", "corp.com", "--allow-private-network", "intranet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--allow-private-network" in err and "CIDR" in err
    assert main(["scan", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--allow-private-network" in out and "--web-port" in out


class Victim:
    """An internal service on 127.0.0.1 that counts the connections reaching it."""

    def __init__(self) -> None:
        self.hits = 0
        self.port = 0
        self.server: asyncio.Server | None = None

    async def start(self, port: int = 0) -> Victim:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            self.hits += 1
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecret")
            await writer.drain()
            writer.close()

        self.server = await asyncio.start_server(handle, "127.0.0.1", port)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


Handler = Callable[[web.Request], web.StreamResponse]


@asynccontextmanager
async def site(host: str, port: int, routes: dict[str, Handler]) -> AsyncIterator[list[str]]:
    """An aiohttp site at ``host:port``; yields the paths it was asked for."""
    asked: list[str] = []

    async def any_path(request: web.Request) -> web.StreamResponse:
        asked.append(request.path)
        handler = routes.get(request.path)
        if handler is None:
            return web.Response(status=404)
        result = handler(request)
        return await result if asyncio.iscoroutine(result) else result  # type: ignore[no-any-return]

    app = web.Application()
    app.router.add_get("/{tail:.*}", any_path)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    try:
        yield asked
    finally:
        await runner.cleanup()


def _redirect(location: str) -> Handler:
    def handler(request: web.Request) -> web.Response:
        return web.Response(status=302, headers={"Location": location})

    return handler


def _lookup(table: dict[str, Sequence[str]]) -> Callable[[str], object]:
    async def lookup(host: str) -> Sequence[str]:
        return table.get(host, ())

    return lookup


def test_a_lookalike_resolving_to_internal_addresses_is_never_contacted(ledger: Ledger) -> None:
    row = ledger.row("web: look-alike's A/AAAA is loopback, unspecified or private")

    async def run() -> list[tuple[str, object]]:
        victim = await Victim().start()
        out = []
        try:
            async with Fetcher(
                FAST, _lookup({}), AddressPolicy.of([], (80, 443, victim.port))
            ) as f:
                for addresses in (["127.0.0.1"], ["0.0.0.0"], ["::1"], ["::ffff:127.0.0.1"],
                                  ["10.0.0.5"], ["169.254.169.254"]):  # fmt: skip
                    f.resolver.learn("evil.example", addresses)
                    page = await f.fetch(f"http://evil.example:{victim.port}/")
                    out.append((addresses[0], page))
                page = await f.page("evil.example", ["127.0.0.1"])
                out.append(("page()", page))
        finally:
            await victim.stop()
        return [*out, ("hits", victim.hits)]

    results = asyncio.run(run())
    assert results[-1] == ("hits", 0)
    for address, page in results[:-1]:
        with row.case():
            assert page.refused and page.error.startswith("refused: private address"), address  # type: ignore[attr-defined]


HOSTILE_REDIRECTS = ledger_row("web: redirect to an internal address, name, port or IPv6 form")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("http://127.0.0.1:{victim}/redis", "refused: private address 127.0.0.1 (loopback)"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 (link-local"),
        ("http://[::ffff:169.254.169.254]/latest/meta-data/", "link-local (cloud metadata)"),
        ("http://[::ffff:127.0.0.1]:{victim}/", "loopback"),
        ("http://10.0.0.5/", "refused: private address 10.0.0.5 (RFC 1918 private)"),
        ("http://internal.corp.example:{victim}/", "10.1.2.3 (RFC 1918 private)"),
        ("http://0.0.0.0:{victim}/", "unspecified"),
        ("http://127.0.0.2:6379/", "refused: port 6379"),
    ],
)
def test_a_redirect_to_an_internal_place_is_refused(location: str, expected: str) -> None:
    port = free_port("127.0.0.2")

    async def run() -> tuple[object, int]:
        victim = await Victim().start()
        where = location.format(victim=victim.port)
        policy = AddressPolicy.of(["127.0.0.2/32"], (80, 443, port, victim.port))
        lookup = _lookup({"internal.corp.example": ["10.1.2.3"]})
        try:
            async with (
                site("127.0.0.2", port, {"/": _redirect(where)}),
                Fetcher(FAST, lookup, policy) as fetcher,  # type: ignore[arg-type]
            ):
                fetcher.resolver.learn("evil.example", ["127.0.0.2"])
                page = await fetcher.fetch(f"http://evil.example:{port}/")
        finally:
            await victim.stop()
        return page, victim.hits

    with HOSTILE_REDIRECTS.case():
        page, hits = asyncio.run(run())
        assert hits == 0
        assert page.refused and expected in (page.error or ""), page.error  # type: ignore[attr-defined]


def test_dns_rebinding_cannot_move_a_fetch_to_an_internal_address(ledger: Ledger) -> None:
    """The name answers an allowed address first and loopback on every later lookup; every
    connection of the page, its redirect back to itself and its favicon goes to the first."""
    row = ledger.row("web: DNS rebinding between check and connect")
    port = free_port("127.0.0.2")
    answers: list[str] = []

    async def lookup(host: str) -> Sequence[str]:
        answer = "127.0.0.2" if not answers else "127.0.0.1"
        answers.append(answer)
        return [answer]

    async def run() -> tuple[list[str], int]:
        victim = await Victim().start(port)  # the same port on the internal address
        policy = AddressPolicy.of(["127.0.0.2/32"], (port,))
        routes: dict[str, Handler] = {
            "/": _redirect(f"http://rebind.example:{port}/home"),
            "/home": lambda r: web.Response(
                text="<html><title>x</title>hello</html>", content_type="text/html"
            ),
        }
        try:
            async with (
                site("127.0.0.2", port, routes) as asked,
                Fetcher(FAST, lookup, policy) as fetcher,
            ):
                for _ in range(3):
                    await fetcher.fetch(f"http://rebind.example:{port}/")
                await fetcher.raw(f"http://rebind.example:{port}/favicon.ico")
        finally:
            await victim.stop()
        return asked, victim.hits

    with row.case():
        asked, hits = asyncio.run(run())
        assert hits == 0 and asked.count("/home") == 3 and "/favicon.ico" in asked
        assert answers == ["127.0.0.2"]  # looked up once, connected to what was checked


def test_a_meta_refresh_to_an_ip_literal_is_refused(ledger: Ledger) -> None:
    row = ledger.row("web: meta refresh to an internal IP literal")
    port = free_port("127.0.0.2")

    async def run() -> tuple[WebResult, int, int]:
        victim = await Victim().start()
        refresh = f"0; url=http://127.0.0.1:{victim.port}/admin"
        body = (f'<html><head><meta http-equiv="refresh" content="{refresh}">'
                "<title>wait</title></head><body>moving</body></html>")  # fmt: skip
        routes: dict[str, Handler] = {
            "/": lambda r: web.Response(text=body, content_type="text/html")
        }
        policy = AddressPolicy.of(["127.0.0.2/32"], (80, 443, port, victim.port))
        try:
            async with (
                site("127.0.0.2", port, routes),
                Fetcher(FAST, _lookup({}), policy) as fetcher,  # type: ignore[arg-type]
            ):
                inspector = Inspector(fetcher, load_parking(), NOW)
                fetcher.resolver.learn("evil.example", ["127.0.0.2"])
                page = await fetcher.fetch(f"http://evil.example:{port}/")
                view = await inspector.view(page)
                assert view.doc is not None and view.doc.refresh
                # inspect() fetches https then http on 80/443: drive the refresh as it does
                result = await _inspect_page(inspector, "brand.example", "evil.example", page)
        finally:
            await victim.stop()
        return result, victim.hits, inspector.refused

    with row.case():
        result, hits, refused = asyncio.run(run())
        assert hits == 0 and refused == 1
        assert "refused: private address 127.0.0.1" in (result.error or "")


async def _inspect_page(inspector: Inspector, target: str, domain: str, page: object) -> WebResult:
    """:meth:`Inspector.inspect` for a page already fetched (the tests' servers are on high
    ports, where ``page()`` does not look)."""

    async def fixed(domain_: str, addresses: Sequence[str]) -> object:
        return page

    inspector.fetcher.page = fixed  # type: ignore[method-assign,assignment]
    return await inspector.inspect(target, domain, ["127.0.0.2"])


DEFENSIVE = ledger_row("web: a redirect to the target's name claims a defensive registration")


@pytest.mark.parametrize(
    ("lands_on", "answers", "defensive"),
    [
        ("login.brand.example", False, False),  # a subdomain of the target that does not answer
        ("www.brand.example", True, True),  # the brand's own site, reached
        ("brand.example.evil.example", True, False),  # only looks like it
    ],
)
def test_a_defensive_verdict_needs_the_target_to_answer(
    lands_on: str, answers: bool, defensive: bool
) -> None:
    port = free_port("127.0.0.2")
    brand = free_port("127.0.0.3")

    async def run() -> WebResult:
        page = "<html><title>Brand</title><body>welcome to brand</body></html>"
        policy = AddressPolicy.of(["127.0.0.2/32", "127.0.0.3/32"], (80, 443, port, brand))
        table = {lands_on: ["127.0.0.3"] if answers else []}
        routes: dict[str, Handler] = {"/": _redirect(f"http://{lands_on}:{brand}/")}
        own: dict[str, Handler] = {"/": lambda r: web.Response(text=page, content_type="text/html")}
        async with (
            site("127.0.0.2", port, routes),
            site("127.0.0.3", brand, own),
            Fetcher(FAST, _lookup(table), policy) as fetcher,  # type: ignore[arg-type]
        ):
            inspector = Inspector(fetcher, load_parking(), NOW)
            fetcher.resolver.learn("brnad.example", ["127.0.0.2"])
            first = await fetcher.fetch(f"http://brnad.example:{port}/")
            return await _inspect_page(inspector, "brand.example", "brnad.example", first)

    with DEFENSIVE.case():
        result = asyncio.run(run())
        assert (result.web_class is WebClass.REDIRECT_TARGET) is defensive, result
        obs = Observation("brand.example", "brnad.example", "example", web=result.web_class.value)
        assert web_effect(obs, RiskWeights())[1] is defensive


def _cert(issuer: str, not_before: dt.datetime) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "brnad.example")])
    issuer_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, issuer)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(not_before)
        .not_valid_after(not_before + dt.timedelta(days=90))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def test_certificate_text_is_cleaned_and_a_future_not_before_is_not_fresh(ledger: Ledger) -> None:
    row = ledger.row("web: hostile certificate (control characters, notBefore in the future)")
    with row.case():
        der = _cert("Evil\x1b[31m CA\r\nInjected: yes\u202e", NOW + dt.timedelta(days=3))
        facts = cert_facts(der, "brand.example", NOW)
        assert facts is not None and facts.age_days < 0
        assert all(ord(c) >= 0x20 and c != "\u202e" for c in facts.issuer), facts.issuer
        result = WebResult("brnad.example", WebClass.CLONE, "http://brnad.example/\x1b[2J",
                           cert=facts, error="bad\nline")  # fmt: skip
        cells = web_row(result)
        for column in ("web_cert_issuer", "web_final_url", "web_error"):
            text = str(cells[column])
            assert not any(ord(c) < 0x20 for c in text), (column, text)
        obs = Observation("brand.example", "brnad.example", "example", web="clone",
                          web_cert_age_days=facts.age_days)  # fmt: skip
        reasons = web_effect(obs, RiskWeights())[2]
        assert any("not yet valid" in r for r in reasons)
        assert not any("days old" in r for r in reasons)
        floor_future = web_effect(obs, RiskWeights())[0]
        fresh = Observation("brand.example", "brnad.example", "example", web="clone",
                            web_cert_age_days=2)  # fmt: skip
        assert floor_future < web_effect(fresh, RiskWeights())[0]  # not the fresh-clone floor


def test_a_screenshot_reaches_no_network(ledger: Ledger) -> None:
    """Chromium renders a page whose subresources are IP literals (host-resolver rules do not
    cover them) on loopback: nothing reaches the victim, the refusing proxy sees the tries."""
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (CI installs it: apt-get install chromium)")
        pytest.skip("chromium is not installed")
    assert shutil.which(binary)
    row = ledger.row("web: screenshot page with IP-literal and loopback subresources")

    async def run() -> tuple[int, int]:
        victim = await Victim().start()
        body = (f'<html><head><link rel="stylesheet" href="http://127.0.0.1:{victim.port}/s.css">'
                f'</head><body><img src="http://127.0.0.1:{victim.port}/x.png">'
                f'<img src="http://[::ffff:127.0.0.1]:{victim.port}/y.png">'
                '<iframe src="http://169.254.169.254/latest/"></iframe>'
                "hello</body></html>")  # fmt: skip
        shooter = Shooter(binary, timeout=30)
        try:
            await shooter.phash(body, "http://brnad.example/")
        finally:
            await victim.stop()
        return victim.hits, shooter.blocked

    with row.case():
        hits, blocked = asyncio.run(run())
        assert hits == 0 and blocked >= 1


def test_the_feed_opens_networks_and_ports_by_key(tmp_path: Path) -> None:
    from typorisk.feeds.spec import load_feed

    feed = tmp_path / "audit.yaml"
    feed.write_text(
        "feed: audit\ntargets: [corp.com]\n"
        "scan:\n  allow_private_network: [10.20.0.0/16]\n  web:\n    ports: [80, 8080]\n"
        f"outputs:\n  - {{format: csv, path: {tmp_path / 'out.csv'}}}\n"
    )
    policy = load_feed(feed).options.address_policy()
    assert policy.allows("10.20.1.2") and not policy.allows("10.21.1.2")
    assert policy.port_refusal(8080) is None and policy.port_refusal(6379) is not None
    feed.write_text(feed.read_text().replace("10.20.0.0/16", "intranet"))
    assert main(["validate", str(feed)]) != 0
