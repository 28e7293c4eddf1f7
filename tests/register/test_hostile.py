"""Hostile registration servers, on loopback: the outbound address policy on RDAP (links and
redirects included) and WHOIS (referrals included), WHOIS answers that flood, trickle or speak
of another domain, and an RDAP server that asks for a pause of 99,999 s.

The witnesses of "never contacted" are listening servers that record what arrived. The tests'
own servers are opted in by naming their network exactly (``127.0.0.2/32``...), so a server
one address away is outside the opt-in and must be refused."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

import typorisk
from typorisk import permute
from typorisk.demo.dnsserver import DemoDnsServer
from typorisk.kit.outbound import AddressPolicy
from typorisk.pipeline.clients import default_clients
from typorisk.pipeline.enrich import Enricher
from typorisk.pipeline.options import ScanOptions
from typorisk.register import LookupStatus, ServerBuckets, WhoisClient

from ..conftest import Ledger
from .hostile import Listener, whois_world
from .test_cli import Background
from .test_network import rir_app
from .test_owners_scan import NETS, SOA, rir_and_registry
from .test_referral import registry_doc


def enricher_of(options: ScanOptions) -> Enricher:
    """The scan's enricher with the clients a command builds (the outbound policy inside)."""
    return Enricher(options, default_clients(options))


# -- RDAP: the policy on the registry, its redirects and its registrar link ------------------


def registry_app(hits: Counter[str], link: str | None, redirect: str | None) -> web.Application:
    """A registry answering every domain with a thin record whose ``related`` link is
    ``link``, or (``redirect``) a 302 to that URL."""

    async def domain(request: web.Request) -> web.Response:
        hits["registry"] += 1
        name = request.match_info["name"]
        if redirect is not None:
            raise web.HTTPFound(redirect.format(name=name))
        href = link.format(name=name) if link is not None else None
        return web.json_response(registry_doc(name, href))

    app = web.Application()
    app.router.add_get("/rdap/domain/{name}", domain)
    return app


@contextlib.asynccontextmanager
async def registry(
    tmp_path: Path, host: str, link: str | None = None, redirect: str | None = None
) -> AsyncIterator[tuple[Path, Counter[str]]]:
    """A registry on ``host`` for ``.test``; yields its bootstrap file and its hit counter."""
    hits: Counter[str] = Counter()
    server = TestServer(registry_app(hits, link, redirect), host=host)
    await server.start_server()
    boot = tmp_path / "boot.json"
    base = f"http://{host}:{server.port}/rdap/"
    boot.write_text(json.dumps({"services": [[["test"], [base]]]}))
    try:
        yield boot, hits
    finally:
        await server.close()


def rdap_options(boot: Path, *networks: str) -> typorisk.ScanOptions:
    return typorisk.ScanOptions(
        rdap=True, rdap_bootstrap=boot, rdap_insecure_http=True, registration_cache=False,
        network_owners=False, rdap_rate=100.0, rdap_timeout=2.0,
        allow_private_network=tuple(networks),
    )  # fmt: skip


LINKS = [
    # (the registrar link's host, as put in the URL; the refusal's reason)
    ("127.0.0.1:{port}", "private address 127.0.0.1 (loopback)"),
    ("[::ffff:127.0.0.1]:{port}", "private address ::ffff:7f00:1 (loopback, carried in"),
    ("169.254.169.254", "private address 169.254.169.254 (link-local (cloud metadata))"),
    ("10.0.0.5", "private address 10.0.0.5 (RFC 1918 private)"),
]


@pytest.mark.parametrize(("where", "why"), LINKS)
def test_rdap_related_link_to_a_private_address_is_refused(
    tmp_path: Path, where: str, why: str, ledger: Ledger
) -> None:
    """The registry (127.0.0.2, opted in as /32) links to a registrar at a private address:
    the lookup stays found with the registry's facts, the reason names the refusal, and the
    listener at 127.0.0.1 saw nothing."""

    async def main() -> None:
        async with Listener().listening("127.0.0.1") as witness:
            link = f"http://{where.format(port=witness.port)}/rdap/domain/{{name}}"
            async with (
                registry(tmp_path, "127.0.0.2", link=link) as (boot, hits),
                enricher_of(rdap_options(boot, "127.0.0.2/32")) as enricher,
            ):
                lookup = await enricher.registrations.lookup("squat.test")
            assert hits["registry"] == 1
            assert lookup.status is LookupStatus.FOUND
            assert lookup.facts.registrar == "Registry-Named Registrar"
            assert lookup.reason is not None
            assert lookup.reason.startswith(f"registrar-rdap-refused: {why}"), lookup.reason
            assert witness.connections == 0

    with ledger.row("hostile RDAP: registrar link to a private address").case():
        asyncio.run(main())


def test_rdap_redirect_to_loopback_and_registry_without_opt_in_are_refused(
    tmp_path: Path, ledger: Ledger
) -> None:
    """A registry redirecting to 127.0.0.1, and a registry on 127.0.0.1 with no opt-in at all:
    unknown with the policy's reason, nothing arrives."""
    row = ledger.row("hostile RDAP: redirect to loopback; registry on loopback, no opt-in")

    async def main() -> None:
        async with Listener().listening("127.0.0.1") as witness:
            with row.case():
                moved = f"http://127.0.0.1:{witness.port}/rdap/domain/{{name}}"
                async with (
                    registry(tmp_path, "127.0.0.2", redirect=moved) as (boot, hits),
                    enricher_of(rdap_options(boot, "127.0.0.2/32")) as enricher,
                ):
                    lookup = await enricher.registrations.lookup("squat.test")
                assert hits["registry"] == 1
                assert (lookup.status, lookup.reason) == (
                    LookupStatus.UNKNOWN,
                    "refused: private address 127.0.0.1 (loopback)",
                )
                assert witness.connections == 0
            with row.case():
                async with (
                    registry(tmp_path, "127.0.0.1") as (boot, hits),
                    enricher_of(rdap_options(boot)) as enricher,
                ):
                    lookup = await enricher.registrations.lookup("squat.test")
                assert hits["registry"] == 0
                assert (lookup.status, lookup.reason) == (
                    LookupStatus.UNKNOWN,
                    "refused: private address 127.0.0.1 (loopback)",
                )

    asyncio.run(main())


def test_ip_rdap_at_a_private_address_is_refused(tmp_path: Path, ledger: Ledger) -> None:
    """Network owners: an RIR the number bootstrap puts on 127.0.0.1 (not opted in) is refused
    and contacted by nobody; the RIR on 127.0.0.2 (opted in as /32) answers as usual."""

    async def main() -> None:
        hits: Counter[str] = Counter()
        rir = TestServer(rir_app(hits), host="127.0.0.2")
        await rir.start_server()
        try:
            async with Listener().listening("127.0.0.1") as witness:
                numbers = numbers_bootstrap(
                    tmp_path / "numbers",
                    f"http://127.0.0.2:{rir.port}/rdap/",
                    f"http://127.0.0.1:{witness.port}/rdap/",
                )
                async with registry(tmp_path, "127.0.0.2") as (boot, _hits):
                    options = dataclasses.replace(
                        rdap_options(boot, "127.0.0.2/32"),
                        network_owners=True,
                        rdap_network_bootstrap=numbers,
                    )
                    async with enricher_of(options) as enricher:
                        assert enricher.networks is not None
                        owners = await enricher.networks.owners(["198.51.100.7", "192.0.2.10"])
                assert owners["198.51.100.7"].status is LookupStatus.FOUND
                refused = owners["192.0.2.10"]
                assert (refused.status, refused.reason) == (
                    LookupStatus.UNKNOWN,
                    "refused: private address 127.0.0.1 (loopback)",
                )
                assert witness.connections == 0
        finally:
            await rir.close()

    with ledger.row("hostile RDAP: RIR (IP RDAP) at a private address").case():
        asyncio.run(main())


def test_names_waiting_on_one_server_hold_no_place_of_another(
    tmp_path: Path, ledger: Ledger
) -> None:
    """One lookup in flight (``concurrency=1``): the slow registry's first answer waits until
    the other registry has been asked about all its names (or 3 s). Each server has its own
    places, so the other registry's names go ahead while the slow one is waiting."""

    async def main() -> None:
        fast_hits: Counter[str] = Counter()
        fast_done = asyncio.Event()
        seen_by_slow: list[int] = []

        async def slow(request: web.Request) -> web.Response:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(fast_done.wait(), 3.0)
            seen_by_slow.append(fast_hits["registry"])
            return web.json_response({"errorCode": 404}, status=404)

        async def fast(request: web.Request) -> web.Response:
            fast_hits["registry"] += 1
            if fast_hits["registry"] == 3:
                fast_done.set()
            return web.json_response({"errorCode": 404}, status=404)

        servers = []
        for handler in (slow, fast):
            app = web.Application()
            app.router.add_get("/rdap/domain/{name}", handler)
            servers.append(TestServer(app, host="127.0.0.1"))
            await servers[-1].start_server()
        boot = tmp_path / "two.json"
        boot.write_text(json.dumps({"services": [
            [["slow"], [f"http://127.0.0.1:{servers[0].port}/rdap/"]],
            [["fast"], [f"http://127.0.0.1:{servers[1].port}/rdap/"]],
        ]}))  # fmt: skip
        try:
            options = rdap_options(boot, "127.0.0.1/32")
            async with enricher_of(options) as enricher:
                enricher.registrations.concurrency = 1
                names = [f"n{i}.slow" for i in range(2)] + [f"n{i}.fast" for i in range(3)]
                found = await enricher.registrations.lookup_many(names)
        finally:
            for server in servers:
                await server.close()
        assert {lookup.status for lookup in found.values()} == {LookupStatus.NOT_FOUND}
        assert seen_by_slow[0] == 3  # the fast registry's names did not queue behind

    with ledger.row("hostile RDAP: a slow registry beside a fast one (places per server)").case():
        asyncio.run(main())


# -- WHOIS: the policy on the server and its referral; bounded and honest answers ------------

RECORD = (
    "Domain Name: {name}\r\nRegistrar: Registry-Named Registrar\r\n"
    "Creation Date: 2026-10-30T08:00:00Z\r\nRegistrar WHOIS Server: {referral}\r\n"
)
REGISTRAR_RECORD = (
    "Domain Name: {name}\r\nRegistrar: Its Own Name\r\n"
    "Registrant Organization: Squat Holdings\r\nCreation Date: 2026-10-30T08:00:00Z\r\n"
)


def whois_client(port: int, *networks: str, **options: Any) -> WhoisClient:
    async def resolve(host: str) -> list[str]:  # the scan's DNS, as a table
        return {"whois.nic.de": ["127.0.0.1"], "whois.meta.example": ["169.254.169.254"],
                "whois.registrar.example": ["127.0.0.2"]}.get(host, [])  # fmt: skip

    settings: dict[str, Any] = {"timeout": 1.0, "retries": 0, **options}
    return WhoisClient(
        {"de": "whois.nic.de"}, ServerBuckets(None), port=port, resolve=resolve,
        policy=AddressPolicy.of(networks), **settings,
    )  # fmt: skip


REFERRALS = [
    ("10.0.0.5", "private address 10.0.0.5 (RFC 1918 private)"),
    ("whois.meta.example", "private address 169.254.169.254 (link-local (cloud metadata))"),
    ("whois.registrar.example", "private address 127.0.0.2 (loopback)"),
]


@pytest.mark.parametrize(("referral", "why"), REFERRALS)
def test_whois_referral_to_a_private_address_is_refused(
    referral: str, why: str, ledger: Ledger
) -> None:
    """The registry (127.0.0.1, opted in as /32) refers to a registrar WHOIS server at a
    private address: found with the registry's facts, the refusal as the reason, and the
    listener at 127.0.0.2 (same port) saw nothing."""

    async def main() -> None:
        answers = {"squat.de": RECORD.format(name="SQUAT.DE", referral=referral)}
        async with (
            whois_world(answers) as (port, queries, _sent),
            Listener().listening("127.0.0.2", port) as witness,
        ):
            lookup = await whois_client(port, "127.0.0.1/32").lookup("squat.de")
        assert queries == ["squat.de"]
        assert lookup.status is LookupStatus.FOUND
        assert lookup.facts.registrar == "Registry-Named Registrar"
        assert lookup.reason == f"registrar-whois-refused: {why}"
        assert witness.connections == 0

    with ledger.row("hostile WHOIS: referral to a private address").case():
        asyncio.run(main())


def test_whois_referral_followed_when_allowed_and_server_refused_without_opt_in(
    ledger: Ledger,
) -> None:
    """With loopback opened, the referral to 127.0.0.2 is asked and its contacts merged;
    with nothing opened, the registry itself (127.0.0.1) is refused and asked nothing."""

    async def main() -> None:
        answers = {"squat.de": RECORD.format(name="SQUAT.DE", referral="whois.registrar.example")}
        registrar = {"squat.de": REGISTRAR_RECORD.format(name="squat.de")}
        async with (
            whois_world(answers) as (port, queries, _sent),
            whois_world(registrar, "127.0.0.2", port) as (_p, asked, _s),
        ):
            lookup = await whois_client(port, "127.0.0.0/8").lookup("squat.de")
            assert (lookup.status, lookup.reason) == (LookupStatus.FOUND, None)
            assert lookup.facts.registrar == "Registry-Named Registrar"
            assert lookup.facts.registrant_org == "Squat Holdings"
            assert asked == ["squat.de"]
            with ledger.row("hostile WHOIS: server on loopback, no opt-in").case():
                refused = await whois_client(port).lookup("squat.de")
                assert (refused.status, refused.reason) == (
                    LookupStatus.UNKNOWN,
                    "refused: private address 127.0.0.1 (loopback)",
                )
                assert queries == ["squat.de"]  # the first lookup's only

    asyncio.run(main())


def test_whois_host_without_an_address_is_unknown_and_not_retried() -> None:
    async def main() -> None:
        client = whois_client(43, retries=2)
        client.servers = {"de": "whois.gone.example"}  # the scan's DNS has no address for it
        lookup = await client.lookup("squat.de")
        assert (lookup.status, lookup.reason) == (
            LookupStatus.UNKNOWN,
            "whois-host-has-no-address",
        )

    asyncio.run(main())


ANSWERS = {
    # a flood whose first lines are a record of ANOTHER domain, then 100 MB, never closing
    "flood.de": "FLOOD:Domain Name: OTHER.DE\r\nRegistrar: Evil\r\nCreation Date: 2020-01-01\r\n",
    # a flood that does name the asked domain: still cut, still unknown
    "named-flood.de": "FLOOD:Domain Name: NAMED-FLOOD.DE\r\nRegistrar: Evil\r\n",
    "other.de": "Domain: another.de\r\nStatus: connect\r\n",
    "nameless.de": "Registrar: Evil\r\nCreation Date: 2020-01-01\r\n",
    "suffixed.de": "Domain Name: suffixed.de.evil.example\r\nRegistrar: Evil\r\n",
    "trickle.de": "TRICKLE:Domain: trickle.de\r\n",
}
HONEST = [
    # (name asked, reason expected, the fault class in the ledger)
    ("flood.de", "answer cut at 256 KiB", "flood about another domain, never closing"),
    ("named-flood.de", "answer cut at 256 KiB", "flood naming the domain, never closing"),
    ("other.de", "answer is about another.de, not other.de", "answer about another domain"),
    ("nameless.de", "answer does not name nameless.de", "record naming no domain"),
    ("suffixed.de", "answer is about suffixed.de.evil.example, not suffixed.de",
     "answer about a longer name"),
    ("trickle.de", "timeout", "trickle, never closing (time cap)"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "why", "fault"), HONEST)
def test_whois_answers_cut_or_about_another_domain_are_unknown(
    name: str, why: str, fault: str, ledger: Ledger
) -> None:
    """Never found: a flood cut at the cap (the server sent little more than the cap: the
    client stopped reading), an answer about another domain, a trickle past the time cap."""

    async def main() -> None:
        async with whois_world(ANSWERS) as (port, queries, sent):
            lookup = await whois_client(port, "127.0.0.1/32", timeout=0.5).lookup(name)
            for _ in range(100):  # the server's handler notices the hang-up
                if sent:
                    break
                await asyncio.sleep(0.01)
        assert (lookup.status, lookup.reason) == (LookupStatus.UNKNOWN, why)
        assert queries == [name]
        if "flood" in name:
            print(f"{name}: the server sent {sent[0] / 1024:.0f} KiB before the client left")
            assert sent and sent[0] < 100 * 1024 * 1024  # the client hung up long before

    with ledger.row(f"hostile WHOIS: {fault}").case():
        asyncio.run(main())


# -- RDAP: one server's 429 Retry-After 99999 stalls nobody else ------------------------------


def limited_app(hits: Counter[str]) -> web.Application:
    async def limit(request: web.Request) -> web.Response:
        hits[request.path.split("/")[2]] += 1
        return web.Response(status=429, headers={"Retry-After": "99999"})

    app = web.Application()
    app.router.add_get("/rdap/domain/{name}", limit)
    app.router.add_get("/rdap/ip/{address}", limit)
    return app


def numbers_bootstrap(where: Path, healthy: str, limited: str) -> Path:
    """IP and AS bootstraps: 198.51.100/24 and 203.0.113/24 (and the AS) at ``healthy``,
    192.0.2/24 at ``limited``."""
    where.mkdir(parents=True, exist_ok=True)
    v4 = {"services": [[["198.51.100.0/24", "203.0.113.0/24"], [healthy]],
                       [["192.0.2.0/24"], [limited]]]}  # fmt: skip
    (where / "ipv4.json").write_text(json.dumps(v4))
    (where / "ipv6.json").write_text(json.dumps({"services": [[["2001:db8::/32"], [healthy]]]}))
    (where / "asn.json").write_text(json.dumps({"services": [[["64496-64511"], [healthy]]]}))
    return where


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    bg = Background()
    yield bg
    bg.close()


def test_rdap_429_retry_after_99999_stalls_no_other_server(
    background: Background, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ledger: Ledger
) -> None:
    """``.com`` names and the network 192.0.2/24 go to a server answering every query with
    429 ``Retry-After: 99999``; ``.net`` names and the other networks go to a healthy server.
    At 4 queries/s per server, the later ``.com`` names are still waiting for their slot when
    the 429 arrives. The limited server is asked once; its other names and its network are
    unknown at once with the reason; the healthy server answers every name and network it
    serves. The wall time is printed beside the same scan with both servers healthy."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    com = [c.domain for c in permute(["brand.com"], top=40) if c.suffix == "com"][:4]
    net = [c.domain for c in permute(["shop.net"], top=40) if c.suffix == "net"][:2]
    zones = {"com.": "@ NS ns.registry.\n", "net.": "@ NS ns.registry.\n",
             "brand.com.": "@ NS ns1.brand.com.\n",
             "shop.net.": "@ NS ns1.shop.net.\n"}  # fmt: skip
    for i, name in enumerate(com + net):
        zones[f"{name}."] = f"@ NS ns.host{i}.example.\n@ A {NETS[i % 3]}.{10 + i}\n"
    on_limited = {name for i, name in enumerate(com + net) if NETS[i % 3] == "192.0.2"}
    dns = DemoDnsServer({o: f"$ORIGIN {o}\n$TTL 300\n{SOA}{t}" for o, t in zones.items()})
    background.run(dns.__aenter__())
    limited_hits: Counter[str] = Counter()
    healthy_hits: Counter[str] = Counter()
    port: list[int] = []
    limited = TestServer(limited_app(limited_hits), host="127.0.0.1")
    healthy = TestServer(rir_and_registry(healthy_hits, port), host="127.0.0.1")
    background.run(limited.start_server())
    background.run(healthy.start_server())
    port.append(healthy.port)

    def options(bad: str, tag: str) -> typorisk.ScanOptions:
        good = f"http://127.0.0.1:{healthy.port}/rdap/"
        boot = tmp_path / f"dns-{tag}.json"
        boot.write_text(json.dumps({"services": [[["com"], [bad]], [["net"], [good]]]}))
        return typorisk.ScanOptions(
            top=40, nameservers=(f"127.0.0.1:{dns.port}",), wildcards=False, max_unknown=0.9,
            rdap=True, rdap_bootstrap=boot, rdap_insecure_http=True, registration_cache=False,
            rdap_network_bootstrap=numbers_bootstrap(tmp_path / tag, good, bad),
            rdap_rate=4.0, rdap_timeout=2.0, allow_private_network=("127.0.0.0/8",),
        )  # fmt: skip

    def scan(settings: typorisk.ScanOptions) -> tuple[dict[str, typorisk.ScanRecord], float]:
        started = time.monotonic()
        found = typorisk.scan(["brand.com", "shop.net"], settings)
        return {r.candidate.domain: r for r in found}, time.monotonic() - started

    try:
        _, normal = scan(options(f"http://127.0.0.1:{healthy.port}/rdap/", "healthy"))
        healthy_hits.clear()
        with ledger.row("hostile RDAP: 429 Retry-After 99999 beside a healthy server").case():
            records, wall = scan(options(f"http://127.0.0.1:{limited.port}/rdap/", "limited"))
            print(f"\nwall time, both servers healthy: {normal:.2f} s; one answering 429 "
                  f"Retry-After 99999: {wall:.2f} s")  # fmt: skip
            reason = f"rate-limited by server 127.0.0.1:{limited.port}"
            for name in com:
                lookup = records[name].registration
                assert lookup is not None
                assert (lookup.status, lookup.reason) == (LookupStatus.UNKNOWN, reason)
            assert limited_hits == {"domain": 1}  # nobody waited out the pause to ask again
            for name in net:
                lookup = records[name].registration
                assert lookup is not None and lookup.status is LookupStatus.FOUND
            assert healthy_hits["domain"] == len(net)
            assert healthy_hits["ip"] == 2  # one per /24 it serves
            for name in com + net:
                owner = records[name].network
                assert owner is not None
                if name in on_limited:
                    assert (owner.status, owner.reason) == (LookupStatus.UNKNOWN, reason)
                else:
                    assert (owner.status, owner.asn_name) == (LookupStatus.FOUND, "HOSTCO")
    finally:
        background.run(limited.close())
        background.run(healthy.close())
        background.run(dns.__aexit__(None, None, None))
