"""The demo's RDAP world: registry, registrar and RIR levels in one aiohttp server on 127.0.0.1.

Like a thin ``.com`` registry, ``/registry/domain/NAME`` answers with the sponsoring registrar,
its IANA id, the dates and statuses, and a ``related`` link to ``/registrar/domain/NAME``, the
registrar's own answer, which holds the abuse contact (RFC 9083 entity with role ``abuse``
nested under the registrar). ``/rir/ip/ADDR`` and ``/rir/autnum/N`` name the owners of the
world's networks and their origin AS. Every fact is synthetic and derived from the world's roles
(ground truth for the tests); nothing here is real, and every name ends in ``.example``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from typorisk.demo.world import World, build_world


@dataclass(frozen=True, slots=True)
class Registrar:
    """A synthetic registrar: name, IANA id (in the range IANA reserves for tests: 9994-9999)."""

    name: str
    iana: int
    abuse_email: str
    abuse_phone: str


REGISTRARS = {
    "operation": Registrar(
        "Squatnames Ltd (SYNTHETIC)", 9994, "abuse@squatnames.example", "+1.5550100"
    ),
    "defensive": Registrar(
        "BrandGuard Registrar (SYNTHETIC)", 9995, "abuse@brandguard.example", "+1.5550101"
    ),
    "parked": Registrar(
        "Parkingplace Inc (SYNTHETIC)", 9996, "abuse@parkingplace.example", "+1.5550102"
    ),
}
REGISTRARS["null_mx"] = REGISTRARS["parked"]
NETWORKS = (  # (network, name, handle, country, abuse, origin AS, AS name)
    ("198.51.100.0/24", "COLLECTOR-HOSTING-1", "NET-198-51-100-0-1", "PA",
     "abuse@bulletproof.example", 64500, "DEMO-BULLETPROOF-HOSTING"),
    ("192.0.2.128/25", "COLLECTOR-HOSTING-2", "NET-192-0-2-128-1", "PA",
     "abuse@bulletproof.example", 64500, "DEMO-BULLETPROOF-HOSTING"),
    ("203.0.113.0/24", "PARKING-NET", "NET-203-0-113-0-1", "US",
     "noc@parkingplace.example", 64501, "DEMO-PARKING"),
)  # fmt: skip
"""The world's hosting networks (the documentation ranges of RFC 5737)."""
AGE_DAYS = {"operation": 10, "defensive": 2900, "parked": 400, "null_mx": 120}
"""How long before the last scan each role's names were registered, in days; the operation's
names added between the two weekly scans are :data:`NEW_AGE_DAYS` old."""
NEW_AGE_DAYS = 3


def _vcard(*props: list[Any]) -> list[Any]:
    return ["vcard", [["version", {}, "text", "4.0"], *props]]


class DemoRdapServer:
    """``async with DemoRdapServer(world, today) as rdap``: listening on ``rdap.port``; dates
    are counted back from ``today``, the day of the demo's last scan."""

    def __init__(self, world: World, today: dt.date, port: int = 0) -> None:
        self.roles = {
            name: role
            for role in ("operation", "defensive", "parked", "null_mx")
            for name in getattr(world, role)
        }
        self.today = today
        self.early = set(build_world(1).operation)
        """The operation's names of week 1 (older than those it added since)."""
        self.port = port
        """The TCP port (0 until started: the OS picks one)."""
        self.hits: dict[str, int] = {"registry": 0, "registrar": 0, "ip": 0, "autnum": 0}
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        """``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self.port}/"

    def write_bootstraps(self, where: Path) -> tuple[Path, Path]:
        """RFC 9224 bootstrap files naming this server: (the DNS file, the numbers directory)."""
        where.mkdir(parents=True, exist_ok=True)
        dns = where / "dns.json"
        registry, rir = [self.base + "registry/"], [self.base + "rir/"]
        dns.write_text(json.dumps({"services": [[["com", "mil"], registry]]}), encoding="utf-8")
        v4 = {"services": [[[n[0] for n in NETWORKS], rir]]}
        (where / "ipv4.json").write_text(json.dumps(v4), encoding="utf-8")
        (where / "ipv6.json").write_text(json.dumps({"services": []}), encoding="utf-8")
        asn = {"services": [[["64496-64511"], rir]]}
        (where / "asn.json").write_text(json.dumps(asn), encoding="utf-8")
        return dns, where

    def app(self) -> web.Application:
        """The server's routes (what :meth:`__aenter__` serves on 127.0.0.1)."""
        app = web.Application()
        app.router.add_get("/registry/domain/{name}", self._registry)
        app.router.add_get("/registrar/domain/{name}", self._registrar)
        app.router.add_get("/rir/ip/{address}", self._ip)
        app.router.add_get("/rir/autnum/{number}", self._autnum)
        return app

    async def __aenter__(self) -> DemoRdapServer:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart on a fixed port
        sock.bind(("127.0.0.1", self.port))  # 0: the OS picks; the site serves this socket
        self.port = int(sock.getsockname()[1])
        await web.SockSite(self._runner, sock).start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def _registrar_of(self, name: str) -> Registrar | None:
        role = self.roles.get(name)
        return REGISTRARS[role] if role else None

    async def _registry(self, request: web.Request) -> web.Response:
        self.hits["registry"] += 1
        name = request.match_info["name"].lower()
        registrar = self._registrar_of(name)
        if registrar is None:
            return web.json_response({"errorCode": 404, "title": "Not Found"}, status=404)
        role = self.roles[name]
        young = role == "operation" and name not in self.early
        created = self.today - dt.timedelta(days=NEW_AGE_DAYS if young else AGE_DAYS[role])
        doc = {
            "objectClassName": "domain",
            "ldhName": name.upper(),
            "status": ["client transfer prohibited"],
            "links": [
                {
                    "rel": "related",
                    "type": "application/rdap+json",
                    "href": f"{self.base}registrar/domain/{name}",
                }
            ],
            "entities": [
                {
                    "objectClassName": "entity",
                    "roles": ["registrar"],
                    "publicIds": [{"type": "IANA Registrar ID", "identifier": str(registrar.iana)}],
                    "vcardArray": _vcard(["fn", {}, "text", registrar.name]),
                }
            ],
            "events": [
                {"eventAction": "registration", "eventDate": f"{created.isoformat()}T09:00:00Z"},
                {"eventAction": "expiration", "eventDate": f"{created.year + 1}-12-31T09:00:00Z"},
            ],
        }
        return web.json_response(doc, content_type="application/rdap+json")

    async def _registrar(self, request: web.Request) -> web.Response:
        self.hits["registrar"] += 1
        name = request.match_info["name"].lower()
        registrar = self._registrar_of(name)
        if registrar is None:
            return web.json_response({"errorCode": 404}, status=404)
        abuse = {
            "objectClassName": "entity",
            "roles": ["abuse"],
            "vcardArray": _vcard(
                ["fn", {}, "text", "Abuse desk"],
                ["email", {}, "text", registrar.abuse_email],
                ["tel", {"type": "voice"}, "uri", f"tel:{registrar.abuse_phone}"],
            ),
        }
        card = _vcard(["fn", {}, "text", registrar.name])
        redacted = _vcard(["org", {}, "text", "REDACTED FOR PRIVACY"])
        doc = {
            "objectClassName": "domain",
            "ldhName": name,
            "entities": [
                {"roles": ["registrar"], "vcardArray": card, "entities": [abuse]},
                {"roles": ["registrant"], "vcardArray": redacted},
            ],
        }
        return web.json_response(doc, content_type="application/rdap+json")

    async def _ip(self, request: web.Request) -> web.Response:
        self.hits["ip"] += 1
        try:
            address = ipaddress.ip_address(request.match_info["address"])
        except ValueError:
            return web.json_response({"errorCode": 400}, status=400)
        for cidr, name, handle, country, abuse, asn, _ in NETWORKS:
            net = ipaddress.ip_network(cidr)
            if address in net:
                doc = {
                    "objectClassName": "ip network",
                    "handle": handle,
                    "startAddress": str(net.network_address),
                    "endAddress": str(net.broadcast_address),
                    "name": name,
                    "country": country,
                    "arin_originas0_originautnums": [asn],
                    "entities": [
                        {"roles": ["abuse"], "vcardArray": _vcard(["email", {}, "text", abuse])}
                    ],
                }
                return web.json_response(doc, content_type="application/rdap+json")
        return web.json_response({"errorCode": 404}, status=404)

    async def _autnum(self, request: web.Request) -> web.Response:
        self.hits["autnum"] += 1
        number = request.match_info["number"]
        for *_, asn, as_name in NETWORKS:
            if number == str(asn):
                doc = {"objectClassName": "autnum", "handle": f"AS{asn}", "name": as_name}
                return web.json_response(doc, content_type="application/rdap+json")
        return web.json_response({"errorCode": 404}, status=404)
