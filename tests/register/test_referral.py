"""RDAP, registry and registrar levels: the registry's ``related`` link is followed to the
registrar's RDAP server (a second aiohttp TestServer on 127.0.0.1, its own port and so its own
token bucket), the answers are merged (the registrar's contacts win), and every way the
referral fails leaves the registry's facts with a reason."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from typorisk.register import (
    LookupCache,
    LookupStatus,
    RdapClient,
    Registrations,
    ServerBuckets,
    parse_bootstrap,
    parse_rdap,
)
from typorisk.register.rdap import abuse_contact, jcard_problem, merge_facts, related_link

from .documents import vcard

ABUSE = {
    "objectClassName": "entity",
    "roles": ["abuse"],
    "vcardArray": vcard(
        ["fn", {}, "text", "Abuse Desk"],
        ["email", {}, "text", "Abuse@Registrar.Example"],
        ["tel", {"type": "voice"}, "uri", "tel:+1.5555550100;ext=7"],
    ),
}


def registry_doc(name: str, link: str | None) -> dict[str, Any]:
    """A thin registry's answer: registrar and IANA id, dates, statuses, no contacts."""
    doc: dict[str, Any] = {
        "objectClassName": "domain",
        "ldhName": name,
        "status": ["client transfer prohibited"],
        "entities": [
            {
                "roles": ["registrar"],
                "publicIds": [{"type": "IANA Registrar ID", "identifier": "9999"}],
                "vcardArray": vcard(["fn", {}, "text", "Registry-Named Registrar"]),
            }
        ],
        "events": [
            {"eventAction": "registration", "eventDate": "2026-05-02T10:00:00Z"},
            {"eventAction": "expiration", "eventDate": "2027-05-02T10:00:00Z"},
        ],
    }
    if link is not None:
        doc["links"] = [{"rel": "related", "type": "application/rdap+json", "href": link}]
    return doc


def registrar_doc(name: str, abuse: dict[str, Any]) -> dict[str, Any]:
    """The registrar's answer: its own view of the dates, the registrant, the abuse contact
    nested under the registrar entity (ICANN's RDAP profile)."""
    return {
        "objectClassName": "domain",
        "ldhName": name,
        "status": ["active"],
        "entities": [
            {
                "roles": ["registrar"],
                "vcardArray": vcard(["fn", {}, "text", "Registrar's Own Name"]),
                "entities": [abuse],
            },
            {"roles": ["registrant"], "vcardArray": vcard(["org", {}, "text", "Squat Ltd"])},
        ],
        "events": [{"eventAction": "registration", "eventDate": "2026-05-01T23:00:00Z"}],
    }


class World:
    """A registry server and a registrar server; each request is logged with its time."""

    def __init__(self) -> None:
        self.hits: defaultdict[str, list[float]] = defaultdict(list)
        self.registry = TestServer(self._registry_app(), host="127.0.0.1")
        self.registrar = TestServer(self._registrar_app(), host="127.0.0.1")

    def url(self, server: TestServer, name: str) -> str:
        return f"http://127.0.0.1:{server.port}/rdap/domain/{name}"

    def _registry_app(self) -> web.Application:
        async def domain(request: web.Request) -> web.Response:
            name = request.match_info["name"]
            self.hits[f"registry/{name}"].append(time.monotonic())
            kind = name.split(".")[0].split("-")[0]
            link = {
                "self": self.url(self.registry, name),
                "none": None,
                "https": f"https://127.0.0.1:1/rdap/domain/{name}",
            }.get(kind, self.url(self.registrar, name))
            return web.json_response(registry_doc(name, link))

        app = web.Application()
        app.router.add_get("/rdap/domain/{name}", domain)
        return app

    def _registrar_app(self) -> web.Application:
        async def domain(request: web.Request) -> web.Response:
            name = request.match_info["name"]
            self.hits[f"registrar/{name}"].append(time.monotonic())
            kind = name.split(".")[0].split("-")[0]
            if kind == "back":  # redirected to the registry's own answer
                raise web.HTTPFound(self.url(self.registry, name))
            if kind == "spin":
                raise web.HTTPFound(request.path)
            if kind == "down":
                return web.Response(status=503)
            if kind == "slow":
                await asyncio.sleep(5)
            if kind == "garbled":
                return web.Response(text="<html>", content_type="application/rdap+json")
            if kind == "badcard":
                broken = {"roles": ["abuse"], "vcardArray": ["vcard", "email abuse@x.example"]}
                return web.json_response(registrar_doc(name, broken))
            if kind == "gone":
                return web.json_response({"errorCode": 404}, status=404)
            return web.json_response(registrar_doc(name, ABUSE))

        app = web.Application()
        app.router.add_get("/rdap/domain/{name}", domain)
        return app


Check = Callable[[RdapClient, World], Awaitable[None]]


def with_world(check: Check, rate: float | None = None, **client: Any) -> None:
    async def main() -> None:
        world = World()
        await world.registry.start_server()
        await world.registrar.start_server()
        base = f"http://127.0.0.1:{world.registry.port}/rdap/"
        boot = parse_bootstrap({"services": [[["test"], [base]]]})
        try:
            async with aiohttp.ClientSession() as session:
                options = {"timeout": 1.0, "backoff": 0.05, "retries": 1, "scheme": "http"}
                rdap = RdapClient(session, boot, ServerBuckets(rate), **(options | client))
                await check(rdap, world)
        finally:
            await world.registry.close()
            await world.registrar.close()

    asyncio.run(main())


def test_registrar_contacts_win_registry_facts_stand() -> None:
    async def check(rdap: RdapClient, world: World) -> None:
        lookup = await rdap.lookup("thin.test")
        facts = lookup.facts
        assert (lookup.status, lookup.reason) == (LookupStatus.FOUND, None)
        assert len(world.hits["registrar/thin.test"]) == 1
        # the registrar's contacts
        assert facts.abuse_email == "abuse@registrar.example"
        assert facts.abuse_phone == "+1.5555550100"
        assert facts.registrant_org == "Squat Ltd"
        # the registry's authority: dates, statuses, sponsoring registrar and its IANA id
        assert (facts.created, facts.expires) == ("2026-05-02", "2027-05-02")
        assert facts.status == ("client transfer prohibited",)
        assert (facts.registrar, facts.registrar_iana) == ("Registry-Named Registrar", 9999)

    with_world(check)


@pytest.mark.parametrize(
    ("name", "reason", "registrar_hits"),
    [
        ("self.test", "registrar-rdap-loop", 0),  # the link names the registry's own answer
        ("back.test", "registrar-rdap-loop", 1),  # the registrar redirects to the registry
        ("spin.test", "registrar-rdap-too-many-redirects", 4),  # 1 + 3 hops
        ("down.test", "registrar-rdap-http-503", 2),  # retried once, then given up
        ("slow.test", "registrar-rdap-timeout", 2),
        ("garbled.test", "registrar-rdap-malformed-response", 1),
        ("gone.test", "registrar-rdap-http-404", 1),
        ("badcard.test", "malformed-jcard (abuse)", 1),
    ],
)
def test_failed_referral_keeps_registry_facts_with_reason(
    name: str, reason: str, registrar_hits: int
) -> None:
    async def check(rdap: RdapClient, world: World) -> None:
        lookup = await rdap.lookup(name)
        assert lookup.status is LookupStatus.FOUND and lookup.partial
        assert lookup.reason == reason
        assert lookup.facts.created == "2026-05-02" and lookup.facts.registrar_iana == 9999
        assert lookup.facts.abuse_email is None
        assert len(world.hits[f"registrar/{name}"]) == registrar_hits

    with_world(check)


def test_links_of_another_scheme_or_none_are_not_followed() -> None:
    async def check(rdap: RdapClient, world: World) -> None:
        for name in ("https.test", "none.test"):
            lookup = await rdap.lookup(name)
            assert (lookup.status, lookup.reason) == (LookupStatus.FOUND, None)
        assert not [k for k in world.hits if k.startswith("registrar/")]

    with_world(check)


def test_follow_related_off_asks_the_registry_only() -> None:
    async def check(rdap: RdapClient, world: World) -> None:
        lookup = await rdap.lookup("thin.test")
        assert lookup.facts.abuse_email is None and lookup.reason is None
        assert "registrar/thin.test" not in world.hits

    with_world(check, follow_related=False)


def test_registrar_server_has_its_own_polite_bucket() -> None:
    """At 4 queries/s per server, three lookups hit the registrar 0.25 s apart (not faster,
    even though each is a different name)."""

    async def check(rdap: RdapClient, world: World) -> None:
        await asyncio.gather(*(rdap.lookup(f"thin-{i}.test") for i in range(3)))
        times = sorted(t for k, v in world.hits.items() if k.startswith("registrar/") for t in v)
        assert len(times) == 3
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert min(gaps) >= 0.2, gaps

    with_world(check, rate=4.0)


def test_cache_keeps_complete_answers_and_asks_partial_ones_again(tmp_path: Path) -> None:
    async def check(rdap: RdapClient, world: World) -> None:
        with LookupCache(tmp_path / "c.sqlite") as cache:
            regs = Registrations(rdap, cache=cache)
            for _ in range(2):
                await regs.lookup_many(["thin.test", "down.test"])
            stats = regs.stats()
        assert len(world.hits["registry/thin.test"]) == 1  # second time from the cache
        assert len(world.hits["registry/down.test"]) == 2  # partial: asked again
        assert stats.cache_hits == 1
        assert stats.partial == {"registrar-rdap-http-503": 2} and not stats.reasons
        with LookupCache(tmp_path / "c.sqlite") as cache:
            cached = cache.get("thin.test")
        assert cached is not None and cached.facts.abuse_email == "abuse@registrar.example"

    with_world(check)


def test_abuse_contact_pure() -> None:
    doc = registrar_doc("x.test", ABUSE)
    assert abuse_contact(doc) == ("abuse@registrar.example", "+1.5555550100")
    # a top-level abuse entity (some ccTLDs) is used when the registrar has none
    top = {"objectClassName": "domain", "ldhName": "y.test", "entities": [ABUSE]}
    assert abuse_contact(top) == ("abuse@registrar.example", "+1.5555550100")
    assert parse_rdap(top).abuse_email == "abuse@registrar.example"
    # an abuse entity without e-mail or phone, a mailto: value, a text phone
    card = vcard(["email", {}, "text", "mailto:Abuse@Z.example"], ["tel", {}, "text", "+44 20"])
    odd = {"ldhName": "z.test", "entities": [{"roles": ["abuse"], "vcardArray": card}]}
    assert abuse_contact(odd) == ("abuse@z.example", "+44 20")
    assert abuse_contact({"ldhName": "n.test", "entities": [{"roles": ["abuse"]}]}) == (None, None)


def test_jcard_problem_and_related_link_pure() -> None:
    good = registrar_doc("x.test", ABUSE)
    assert jcard_problem(good) is None
    for broken in (["vcard"], ["vcard", [["fn", "no-params", "text", "x"]]], "vcard", ["x", []]):
        doc = {"ldhName": "b.test", "entities": [{"roles": ["abuse"], "vcardArray": broken}]}
        assert jcard_problem(doc) == "malformed-jcard (abuse)"
    doc = {
        "links": [
            {"rel": "self", "href": "https://r.example/domain/a.test"},
            {"rel": "related", "type": "text/html", "href": "https://r.example/domain/a.test"},
            {"rel": "related", "href": "https://r.example/about"},
            {"rel": "related", "href": "https://registrar.example/rdap/domain/a.test"},
        ]
    }
    assert related_link(doc, "https") == "https://registrar.example/rdap/domain/a.test"
    assert related_link(doc, "http") is None


def test_merge_facts_pure() -> None:
    registry = parse_rdap(registry_doc("m.test", None))
    registrar = parse_rdap(registrar_doc("m.test", ABUSE))
    merged = merge_facts(registry, registrar)
    assert merged.created == registry.created != registrar.created
    assert merged.registrar == registry.registrar and merged.registrar_iana == 9999
    assert merged.abuse_email == registrar.abuse_email and merged.registrant_org == "Squat Ltd"
    assert merge_facts(registrar, registry).status == ("active",)
