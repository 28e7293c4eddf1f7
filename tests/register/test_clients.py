"""RDAP and WHOIS clients against real local servers: aiohttp's TestServer and a TCP WHOIS
server (asyncio.start_server), both on 127.0.0.1. Nothing leaves the machine."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from typorisk.errors import FetchError
from typorisk.kit.outbound import AddressPolicy
from typorisk.register import (
    LookupCache,
    LookupStatus,
    RdapClient,
    Registrations,
    ServerBuckets,
    Source,
    WhoisClient,
    parse_bootstrap,
)
from typorisk.register.http import fetch

from ..conftest import Ledger
from . import documents as docs


def rdap_app(hits: Counter[str], default: str = "error") -> web.Application:
    """An RDAP server whose behaviour is chosen by the domain's first label (else ``default``)."""

    async def domain(request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        kind = name.split("-")[0].split(".")[0]
        if kind not in KINDS:
            kind = default
        hits[kind] += 1
        if kind == "found":
            return web.json_response({**docs.THIN, "ldhName": name.upper()})
        if kind == "missing":
            return web.json_response({"errorCode": 404, "title": "Not Found"}, status=404)
        if kind == "limited" and hits[kind] == 1:
            return web.Response(status=429, headers={"Retry-After": "1"})
        if kind == "limited":
            return web.json_response(docs.THICK)
        if kind == "banned":
            return web.Response(status=429, headers={"Retry-After": "3600"})
        if kind == "malformed":
            return web.Response(
                text='{"objectClassName": "domain", ', content_type="application/rdap+json"
            )
        if kind == "slow":
            await asyncio.sleep(5)
        if kind == "big":
            return web.Response(body=b"[" + b"0," * (1 << 20) + b"0]")
        if kind == "redirect":
            raise web.HTTPFound(f"/rdap/domain/found-{name}")
        if kind == "downgrade":
            raise web.HTTPFound(f"https://127.0.0.1:1/rdap/domain/{name}")
        if kind == "loop":
            raise web.HTTPFound(f"/rdap/domain/{name}")
        if kind == "flaky" and hits[kind] == 1:
            return web.Response(status=503)
        if kind == "flaky":
            return web.json_response(docs.REDEMPTION)
        return web.Response(status=500)

    app = web.Application()
    app.router.add_get("/rdap/domain/{name}", domain)
    return app


LOOPBACK = AddressPolicy.of(["127.0.0.0/8"])
"""The local servers' network, opened as a user opens one with ``--allow-private-network``."""
KINDS = {"found", "missing", "limited", "banned", "malformed", "slow", "big", "redirect"}
KINDS |= {"downgrade", "loop", "flaky"}

Check = Callable[[RdapClient, Counter[str]], Awaitable[None]]


def with_rdap(check: Check, **client: Any) -> None:
    async def main() -> None:
        hits: Counter[str] = Counter()
        server = TestServer(rdap_app(hits), host="127.0.0.1")
        await server.start_server()
        boot = parse_bootstrap(
            {"services": [[["test"], [f"http://127.0.0.1:{server.port}/rdap/"]]]}
        )
        try:
            async with aiohttp.ClientSession() as session:
                options = {"timeout": 2.0, "backoff": 0.05, "scheme": "http", **client}
                await check(RdapClient(session, boot, ServerBuckets(rate=None), **options), hits)
        finally:
            await server.close()

    asyncio.run(main())


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("found.test", LookupStatus.FOUND, None),
        ("missing.test", LookupStatus.NOT_FOUND, None),
        ("malformed.test", LookupStatus.UNKNOWN, "malformed-response"),
        ("big.test", LookupStatus.UNKNOWN, "too-large"),
        ("redirect.test", LookupStatus.FOUND, None),
        ("downgrade.test", LookupStatus.UNKNOWN, "redirect-refused"),
        ("loop.test", LookupStatus.UNKNOWN, "too-many-redirects"),
        ("error.test", LookupStatus.UNKNOWN, "http-500"),
        ("flaky.test", LookupStatus.FOUND, None),
        ("other.example", LookupStatus.UNKNOWN, "no-rdap-service"),
    ],
)
def test_rdap_outcomes(name: str, status: LookupStatus, reason: str | None, ledger: Ledger) -> None:
    async def check(client: RdapClient, hits: Counter[str]) -> None:
        lookup = await client.lookup(name)
        assert (lookup.status, lookup.reason) == (status, reason)
        assert lookup.domain == name
        if status is LookupStatus.FOUND:
            assert lookup.source is Source.RDAP and lookup.server and lookup.facts.status

    fault = reason is not None or name in ("redirect.test", "flaky.test")
    if not fault:  # a well-behaved server: not a row of the ledger
        with_rdap(check)
        return
    with ledger.row(f"RDAP server fault: {reason or name.split('.', maxsplit=1)[0]}").case():
        with_rdap(check)


def test_rdap_429_honours_retry_after(ledger: Ledger) -> None:
    row = ledger.row("RDAP server fault: 429 with Retry-After (1 s; 3600 s → unknown)")

    async def check(client: RdapClient, hits: Counter[str]) -> None:
        with row.case():
            started = time.monotonic()
            lookup = await client.lookup("limited.test")
            waited = time.monotonic() - started
            assert lookup.status is LookupStatus.FOUND
            assert lookup.facts.registrar == "NameCheap, Inc."
            assert hits["limited"] == 2
            assert 0.9 <= waited < 3.0  # Retry-After: 1, not the 0.05 s backoff
        with row.case():
            banned = await client.lookup("banned.test")  # beyond the query's budget: give up
            server = urlsplit(client.bootstrap.base_urls("banned.test", "http")[0]).netloc
            limited = f"rate-limited by server {server}"
            assert (banned.status, banned.reason) == (LookupStatus.UNKNOWN, limited)
            assert hits["banned"] == 1

    with_rdap(check)


def test_rdap_timeout_is_unknown_never_free(ledger: Ledger) -> None:
    async def check(client: RdapClient, hits: Counter[str]) -> None:
        started = time.monotonic()
        lookup = await client.lookup("slow.test")
        assert (lookup.status, lookup.reason) == (LookupStatus.UNKNOWN, "timeout")
        assert hits["slow"] == 2  # one retry
        assert time.monotonic() - started < 2.0

    with ledger.row("RDAP server fault: slow server → unknown, never 'free'").case():
        with_rdap(check, timeout=0.3, retries=1)


def test_rdap_token_bucket_spaces_queries() -> None:
    async def check(client: RdapClient, hits: Counter[str]) -> None:
        client.buckets = ServerBuckets(rate=10.0)
        started = time.monotonic()
        await asyncio.gather(*(client.lookup(f"found-{i}.test") for i in range(6)))
        assert time.monotonic() - started >= 0.45  # 6 queries at 10/s: 5 intervals

    with_rdap(check)


def test_fetch_policy_is_explicit() -> None:
    async def main() -> None:
        server = TestServer(rdap_app(Counter()), host="127.0.0.1")
        await server.start_server()
        base = f"http://127.0.0.1:{server.port}/rdap/domain"
        try:
            async with aiohttp.ClientSession() as session:
                reply = await fetch(session, f"{base}/redirect.test")
                assert reply.status == 200 and reply.url.endswith("found-redirect.test")
                with pytest.raises(FetchError, match="redirect-refused"):
                    await fetch(session, f"{base}/downgrade.test")
                with pytest.raises(FetchError, match="too-many-redirects"):
                    await fetch(session, f"{base}/loop.test", max_redirects=3)
                with pytest.raises(FetchError, match="too-large"):
                    await fetch(session, f"{base}/found.test", max_bytes=100)
                with pytest.raises(FetchError, match="connection"):
                    await fetch(session, "http://127.0.0.1:1/x")
        finally:
            await server.close()

    asyncio.run(main())


WHOIS_ANSWERS = {
    "gogle.de": "Domain: gogle.de\r\nNserver: ns1.example.net\r\nStatus: connect\r\n",
    "free.de": "Domain: free.de\r\nStatus: free\r\n",
    "quota.de": "Query rate limit exceeded\r\n",
}


async def whois_server(queries: list[str]) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        query = (await reader.readline()).decode().strip()
        queries.append(query)
        if query == "stall.de":
            await asyncio.sleep(5)
        writer.write(WHOIS_ANSWERS.get(query, "garbage").encode())
        await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("gogle.de", LookupStatus.FOUND, None),
        ("free.de", LookupStatus.NOT_FOUND, None),
        ("quota.de", LookupStatus.UNKNOWN, "rate-limited by server 127.0.0.1"),
        ("stall.de", LookupStatus.UNKNOWN, "timeout"),
        ("odd.de", LookupStatus.UNKNOWN, "unrecognised-answer"),
        ("pentagon.mil", LookupStatus.UNKNOWN, "no-whois-server"),
    ],
)
def test_whois_outcomes(name: str, status: LookupStatus, reason: str | None) -> None:
    async def main() -> None:
        queries: list[str] = []
        server = await whois_server(queries)
        port = server.sockets[0].getsockname()[1]
        client = WhoisClient(
            {"de": "127.0.0.1"}, ServerBuckets(None), port=port, timeout=0.3, retries=0,
            policy=LOOPBACK,
        )  # fmt: skip
        async with server:
            lookup = await client.lookup(name)
        assert (lookup.status, lookup.reason) == (status, reason)
        if status is LookupStatus.FOUND:
            assert lookup.source is Source.WHOIS and lookup.server == "127.0.0.1"
            assert lookup.facts.nameservers == ("ns1.example.net",)
            assert queries == [name]  # the query is the bare domain, CRLF-terminated

    asyncio.run(main())


def test_registrations_rdap_then_whois_then_cache(tmp_path: Path) -> None:
    """cache → RDAP → WHOIS for suffixes without RDAP; the second run asks nobody."""

    async def run_once(port: int, whois_port: int, hits: Counter[str]) -> dict[str, Any]:
        boot = parse_bootstrap({"services": [[["test"], [f"http://127.0.0.1:{port}/rdap/"]]]})
        with LookupCache(tmp_path / "cache.sqlite") as cache:
            async with aiohttp.ClientSession() as session:
                engine = Registrations(
                    RdapClient(
                        session, boot, ServerBuckets(None), scheme="http", timeout=2.0, backoff=0.05
                    ),
                    WhoisClient(
                        {"de": "127.0.0.1"}, ServerBuckets(None), port=whois_port, policy=LOOPBACK
                    ),
                    cache,
                )
                lookups = await engine.lookup_many(
                    ["found.test", "missing.test", "gogle.de", "error.test", "x.mil"]
                )
                return {"lookups": lookups, "stats": engine.stats()}

    async def main() -> None:
        hits: Counter[str] = Counter()
        queries: list[str] = []
        server = TestServer(rdap_app(hits), host="127.0.0.1")
        await server.start_server()
        whois = await whois_server(queries)
        whois_port = whois.sockets[0].getsockname()[1]
        try:
            first = await run_once(server.port, whois_port, hits)
            second = await run_once(server.port, whois_port, hits)
        finally:
            await server.close()
            whois.close()
        lookups = first["lookups"]
        assert lookups["found.test"].status is LookupStatus.FOUND
        assert lookups["missing.test"].status is LookupStatus.NOT_FOUND
        assert lookups["gogle.de"].source is Source.WHOIS
        assert lookups["x.mil"].status is LookupStatus.UNKNOWN
        assert second["lookups"] == lookups
        assert second["stats"].cache_hits == 3  # found, missing, gogle.de; unknowns re-asked
        assert hits["found"] == 1 and hits["missing"] == 1 and queries == ["gogle.de"]
        assert hits["error"] == 6  # 3 attempts per run: unknown is never cached

    asyncio.run(main())
