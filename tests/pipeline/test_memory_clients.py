"""A whole scan (resolve, registration and network owners over RDAP, SMTP probe, web, rank)
through in-memory clients: no socket, no name lookup by the system, nothing written under the
user's home. What :class:`~typorisk.pipeline.clients.Clients` promises a library user."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import stat
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from typorisk.demo.dnsserver import Authority
from typorisk.demo.rdap import DemoRdapServer
from typorisk.demo.world import COLLECTOR, build_world, targets
from typorisk.kit.outbound import AddressPolicy
from typorisk.pipeline import ScanOptions, ScanRecord, ascan
from typorisk.pipeline.clients import Clients
from typorisk.pipeline.ranking import observation_of
from typorisk.pipeline.rows import to_row
from typorisk.probe import Prober
from typorisk.rank import observation_from_row
from typorisk.register import LookupCache, LookupStatus
from typorisk.resolve import DnsClient, NameServer
from typorisk.web import Fetcher, FetchLimits

from .memory import CatchAllSmtp, MemoryConnector, MemoryLoop, SocketGuard, memory_connect

TODAY = dt.date(2026, 11, 30)
PARKED = (
    "<html><head><title>eamplebank.com is for sale</title></head><body><h1>This domain is for "
    "sale</h1><p>Buy this domain. Related searches: banking, loans.</p></body></html>"
)
BRAND = "<html><head><title>Example Bank</title></head><body><h1>Welcome</h1></body></html>"
NETS = ("127.0.0.0/8", "198.51.100.0/24", "192.0.2.0/24", "203.0.113.0/24")
"""The world's addresses (documentation ranges and loopback), opened to every stage."""


async def _scan(tmp_path: Path) -> tuple[list[ScanRecord], Counter[str], CatchAllSmtp]:
    """Scan the demo's world (week 2) through in-memory clients; the records, the HTTP hosts
    connected to (by client), and the SMTP server."""
    world = build_world(2)
    rdap = DemoRdapServer(world, TODAY)
    dns_boot, numbers = rdap.write_bootstraps(tmp_path / "bootstrap")
    rdap_runner = web.AppRunner(rdap.app(), access_log=None)

    async def page(request: web.BaseRequest) -> web.Response:
        brand = request.host.split(":")[0] in {t.registrable for t in targets()}
        return web.Response(text=BRAND if brand else PARKED, content_type="text/html")

    pages = web.Server(page)
    await rdap_runner.setup()
    smtp = CatchAllSmtp()
    hosts: Counter[str] = Counter()
    connectors: list[MemoryConnector] = []

    def connector(server: web.Server) -> MemoryConnector:
        made = MemoryConnector(server)
        connectors.append(made)
        return made

    assert rdap_runner.server is not None
    rdap_server = rdap_runner.server
    options = ScanOptions(
        top=20,
        nameservers=("127.0.0.1:53",),  # never asked: the DNS client below is given
        timeout=1.0,
        retries=1,
        today=TODAY,
        rdap=True,
        rdap_bootstrap=dns_boot,
        rdap_network_bootstrap=numbers,
        rdap_insecure_http=True,
        rdap_rate=1000.0,
        probe_smtp=True,
        smtp_helo="scanner.example",
        web=True,
        web_rate=0.0,
        allow_private_network=NETS,
    )
    cache = tmp_path / "cache" / "registration.sqlite"
    clients = Clients(
        dns=lambda: DnsClient([NameServer("127.0.0.1", 53)], timeout=1.0, retries=1),
        http=lambda: aiohttp.ClientSession(connector=connector(rdap_server)),
        web=lambda lookup: Fetcher(
            FetchLimits(rate=None, concurrency=8),
            lookup,
            AddressPolicy.of(NETS),
            transport=lambda resolver: connector(pages),
        ),
        smtp=lambda lookup: Prober(
            helo="scanner.example",
            rate=None,
            starttls=False,
            resolve=lookup,
            policy=AddressPolicy.of(NETS),
            connect=memory_connect(smtp),
        ),
        cache=lambda: LookupCache(cache),
    )
    try:
        records = [r async for r in ascan(targets(), options, clients=clients)]
    finally:
        await rdap_runner.cleanup()
    for made in connectors:
        hosts.update(made.hosts)
    assert cache.exists()  # the cache slot was used, where the caller said
    return records, hosts, smtp


def test_whole_scan_with_in_memory_clients_touches_no_network_and_no_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)  # read-only: a write there fails loudly
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    guard = SocketGuard()
    authority = Authority(build_world(2).zones)
    queries: list[str] = []

    def loop() -> MemoryLoop:
        made = MemoryLoop()
        made.authority, made.queries = authority, queries
        return made

    with asyncio.Runner(loop_factory=loop) as runner:  # the loop's self-pipe: a Unix socket
        guard.install(monkeypatch)
        try:
            records, hosts, smtp = runner.run(_scan(tmp_path))
        finally:
            monkeypatch.undo()
    home.chmod(stat.S_IRWXU)

    assert guard.tried == []  # no Internet socket, no system name lookup
    assert os.listdir(home) == []  # nothing written under the user's home
    assert len(queries) > len(records)  # every DNS question went to the in-memory authority
    by_domain = {r.candidate.domain: r for r in records}
    operation = [d for d in build_world(2).operation if d in by_domain]
    assert operation, sorted(by_domain)
    squat = by_domain[operation[0]]
    # registration (RDAP in memory, registry and registrar), network owner (IP RDAP)
    assert squat.registration is not None
    assert squat.registration.status is LookupStatus.FOUND
    assert squat.registration.facts.registrar == "Squatnames Ltd (SYNTHETIC)"
    assert squat.network is not None and squat.network.net_name == "COLLECTOR-HOSTING-1"
    # the probe (SMTP in memory): the collector accepts any recipient, never DATA
    assert squat.probe is not None and squat.probe.verdict.value == "accepts-any"
    assert any(c.upper().startswith("RCPT TO:") for c in smtp.commands)
    assert not any(c.upper().startswith("DATA") for c in smtp.commands)
    # the web stage (HTTP in memory): the page was fetched and classified
    assert squat.web is not None and squat.web.web_class.value == "parked", squat.web
    assert hosts[operation[0]] >= 1 and hosts["127.0.0.1"] >= 1  # pages; RDAP
    # and ranking read it all: the operation's names rank above the rest
    assert records[0].risk is not None and records[0].candidate.domain in operation
    # ranking read every record as it would read its row (every facet is set somewhere here)
    for record in records:
        assert observation_of(record) == observation_from_row(to_row(record))
    assert COLLECTOR in (squat.resolution.records.mx[0].host if squat.resolution else "")
