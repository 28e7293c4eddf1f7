"""Network owners over IP and ASN RDAP, against an aiohttp RIR server on 127.0.0.1: the bootstrap
files pick the server, answers are remembered per network (in the run and on disk), the origin
AS is used where the registry gives it and the ASN lookup skipped where it does not."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from typorisk.cli import main
from typorisk.errors import DataFileError
from typorisk.pipeline.rows import network_row
from typorisk.register import LookupCache, LookupStatus, RdapClient, ServerBuckets
from typorisk.register.bootstrap import parse_bootstrap
from typorisk.register.network import (
    NetworkClient,
    load_network_bootstrap,
    parse_autnum,
    parse_ip_network,
)

from .documents import vcard

ARIN = {  # ARIN's shape: a range, the origin AS extension, abuse nested under the registrant
    "objectClassName": "ip network",
    "handle": "NET-198-51-100-0-1",
    "startAddress": "198.51.100.0",
    "endAddress": "198.51.100.255",
    "name": "EXAMPLE-HOSTING-NET",
    "country": "us",
    "arin_originas0_originautnums": [64500],
    "entities": [
        {
            "roles": ["registrant"],
            "vcardArray": vcard(["fn", {}, "text", "Example Hosting LLC"]),
            "entities": [
                {
                    "roles": ["abuse"],
                    "vcardArray": vcard(["email", {}, "text", "Abuse@Hosting.Example"]),
                }
            ],
        }
    ],
}
RIPE_LOW = {  # RIPE's shape: cidr0 blocks; the origin only in a remark
    "objectClassName": "ip network",
    "handle": "203.0.113.0 - 203.0.113.127",
    "cidr0_cidrs": [{"v4prefix": "203.0.113.0", "length": 25}],
    "name": "SQUAT-CLOUD",
    "country": "NL",
    "remarks": [{"description": ["Customer range", "origin: AS64501"]}],
    "entities": [
        {"roles": ["abuse"], "vcardArray": vcard(["email", {}, "text", "noc@squat.example"])}
    ],
}
RIPE_HIGH = {  # no origin anywhere: the ASN lookup is skipped
    "objectClassName": "ip network",
    "handle": "203.0.113.128 - 203.0.113.255",
    "startAddress": "203.0.113.128",
    "endAddress": "203.0.113.255",
    "name": "OTHER-NET",
    "country": "DE",
}
V6 = {
    "objectClassName": "ip network",
    "handle": "2001:db8::/32",
    "startAddress": "2001:db8::",
    "endAddress": "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
    "name": "DOC-V6",
    "arin_originas0_originautnums": [64500],
}


def rir_app(hits: Counter[str]) -> web.Application:
    async def ip(request: web.Request) -> web.StreamResponse:
        address = request.match_info["address"]
        hits[f"ip {address}"] += 1
        if address.startswith("198.51.100."):
            return web.json_response(ARIN)
        if address.startswith("203.0.113."):
            return web.json_response(RIPE_LOW if int(address.split(".")[3]) < 128 else RIPE_HIGH)
        if address.startswith("2001:db8:"):
            return web.json_response(V6)
        if address == "192.0.2.9":
            await asyncio.sleep(5)
        if address == "192.0.2.4":
            return web.json_response({"errorCode": 404}, status=404)
        return web.Response(text="<html>oops", content_type="application/rdap+json")

    async def autnum(request: web.Request) -> web.StreamResponse:
        number = request.match_info["number"]
        hits[f"autnum {number}"] += 1
        if number == "64500":
            return web.json_response(
                {"objectClassName": "autnum", "handle": "AS64500", "name": "EXAMPLE-HOSTING"}
            )
        return web.Response(status=503)

    app = web.Application()
    app.router.add_get("/rdap/ip/{address}", ip)
    app.router.add_get("/rdap/autnum/{number}", autnum)
    return app


def write_bootstrap(where: Path, base: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    v4 = {"services": [[["198.51.100.0/24", "203.0.113.0/24", "192.0.2.0/24"], [base]]]}
    (where / "ipv4.json").write_text(json.dumps(v4))
    (where / "ipv6.json").write_text(json.dumps({"services": [[["2001:db8::/32"], [base]]]}))
    (where / "asn.json").write_text(json.dumps({"services": [[["64496-64511"], [base]]]}))
    return where


Check = Callable[[NetworkClient, Counter[str]], Awaitable[None]]


def with_rir(check: Check, tmp_path: Path, cache: LookupCache | None = None) -> None:
    async def main() -> None:
        hits: Counter[str] = Counter()
        server = TestServer(rir_app(hits), host="127.0.0.1")
        await server.start_server()
        where = write_bootstrap(tmp_path / "boot", f"http://127.0.0.1:{server.port}/rdap/")
        try:
            async with aiohttp.ClientSession() as session:
                rdap = RdapClient(
                    session, parse_bootstrap({"services": [[["x"], ["http://x/"]]]}),
                    ServerBuckets(None), timeout=0.5, retries=1, backoff=0.05, scheme="http",
                )  # fmt: skip
                await check(NetworkClient(rdap, load_network_bootstrap(where), cache), hits)
        finally:
            await server.close()

    asyncio.run(main())


def test_owners_per_network_with_origin_as(tmp_path: Path) -> None:
    async def check(client: NetworkClient, hits: Counter[str]) -> None:
        addresses = ["198.51.100.10", "198.51.100.11", "203.0.113.5", "203.0.113.200"]
        owners = await client.owners([*addresses, "2001:db8::1", "198.51.100.77"])
        arin = owners["198.51.100.10"]
        assert network_row(arin) == {
            "net_name": "EXAMPLE-HOSTING-NET", "net_handle": "NET-198-51-100-0-1",
            "net_country": "US", "net_abuse": "abuse@hosting.example",
            "asn": 64500, "asn_name": "EXAMPLE-HOSTING",
        }  # fmt: skip
        assert arin.networks == ("198.51.100.0/24",) and arin.reason is None
        assert owners["198.51.100.11"].address == "198.51.100.11"
        low, high = owners["203.0.113.5"], owners["203.0.113.200"]
        assert (low.net_name, low.asn, low.net_abuse) == ("SQUAT-CLOUD", 64501, "noc@squat.example")
        assert low.asn_name is None and low.reason == "asn-rdap-http-503"  # retried, given up
        assert (high.net_name, high.asn, high.asn_name, high.reason) == (
            "OTHER-NET",
            None,
            None,
            None,
        )
        assert owners["2001:db8::1"].asn_name == "EXAMPLE-HOSTING"
        # one query per network: the three ARIN addresses share one, the /25s need two
        ip_hits = {k: v for k, v in hits.items() if k.startswith("ip ")}
        assert sum(ip_hits.values()) == 4, ip_hits
        assert hits["autnum 64500"] == 1 and hits["autnum 64501"] == 2  # 64501: 503, one retry
        later = await client.owner("198.51.100.200")  # known network: no query
        assert (
            later.net_name == "EXAMPLE-HOSTING-NET"
            and sum(v for k, v in hits.items() if k.startswith("ip ")) == 4
        )

    with_rir(check, tmp_path)


@pytest.mark.parametrize(
    ("address", "status", "reason"),
    [
        ("192.0.2.9", LookupStatus.UNKNOWN, "timeout"),  # a timeout is unknown, never "no owner"
        ("192.0.2.4", LookupStatus.NOT_FOUND, None),
        ("192.0.2.5", LookupStatus.UNKNOWN, "malformed-response"),
        ("10.1.2.3", LookupStatus.UNKNOWN, "no-rdap-service"),
        ("not-an-ip", LookupStatus.UNKNOWN, "no-rdap-service"),
    ],
)
def test_owner_faults(
    address: str, status: LookupStatus, reason: str | None, tmp_path: Path
) -> None:
    async def check(client: NetworkClient, hits: Counter[str]) -> None:
        owner = await client.owner(address)
        assert (owner.status, owner.reason) == (status, reason)
        assert owner.net_name is None

    with_rir(check, tmp_path)


def test_disk_cache_answers_per_network(tmp_path: Path) -> None:
    seen: list[int] = []

    async def first(client: NetworkClient, hits: Counter[str]) -> None:
        await client.owners(["198.51.100.10", "203.0.113.200"])
        seen.append(client.queries)

    async def second(client: NetworkClient, hits: Counter[str]) -> None:
        owners = await client.owners(["198.51.100.99", "203.0.113.130", "203.0.113.5"])
        assert owners["198.51.100.99"].asn_name == "EXAMPLE-HOSTING"
        assert owners["203.0.113.130"].net_name == "OTHER-NET"
        assert client.cache_hits == 2
        assert set(hits) == {"ip 203.0.113.5", "autnum 64501"}  # not cached before: asked
        seen.append(client.queries)

    with LookupCache(tmp_path / "c.sqlite") as cache:
        with_rir(first, tmp_path, cache)
        with_rir(second, tmp_path, cache)
    assert seen == [3, 2]  # 2 IP + 1 ASN, then 1 IP + 1 ASN (partial answers are not kept)


def test_shipped_bootstraps_name_the_rirs() -> None:
    boot = load_network_bootstrap()
    assert boot.ip_urls("8.8.8.8") == ("https://rdap.arin.net/registry/",)
    assert boot.ip_urls("193.0.6.139") == ("https://rdap.db.ripe.net/",)
    assert boot.ip_urls("2a00:1450::1") == ("https://rdap.db.ripe.net/",)
    assert boot.ip_urls("1.1.1.1") == ("https://rdap.apnic.net/",)
    assert boot.ip_urls("10.0.0.1") == () and boot.ip_urls("127.0.0.1") == ()
    assert boot.asn_urls(3333) == ("https://rdap.db.ripe.net/",)
    assert boot.asn_urls(15169) == ("https://rdap.arin.net/registry/",)
    assert boot.asn_urls(64500) == ()


def test_bad_bootstrap_is_one_clear_error(tmp_path: Path) -> None:
    where = write_bootstrap(tmp_path / "b", "http://127.0.0.1:1/")
    (where / "asn.json").write_text(json.dumps({"services": [[["12x"], ["http://a/"]]]}))
    with pytest.raises(DataFileError, match="bad AS range"):
        load_network_bootstrap(where)
    (where / "ipv4.json").write_text("<html>")
    with pytest.raises(DataFileError, match=r"ipv4\.json"):
        load_network_bootstrap(where)


def test_parsers_pure() -> None:
    assert parse_autnum({"objectClassName": "autnum", "handle": "AS1"}) == "AS1"
    with pytest.raises(ValueError, match="autnum"):
        parse_autnum({"objectClassName": "domain"})
    with pytest.raises(ValueError, match="ip network"):
        parse_ip_network([], "192.0.2.1")
    odd: dict[str, Any] = {"objectClassName": "ip network", "cidr0_cidrs": [{"v4prefix": "x"}, 3]}
    owner = parse_ip_network(odd, "192.0.2.1")
    assert owner.networks == () and owner.asn is None
    text_as = {**RIPE_HIGH, "arin_originas0_originautnums": ["AS65000"]}
    assert parse_ip_network(text_as, "203.0.113.130").asn == 65000


def test_scan_refuses_a_bad_network_bootstrap_before_any_work(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["scan", "brand.com", "--nameserver", "127.0.0.1:9", "--rdap",
            "--rdap-network-bootstrap", str(tmp_path / "none")]  # fmt: skip
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "give a directory holding ipv4.json" in err
