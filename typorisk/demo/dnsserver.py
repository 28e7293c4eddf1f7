"""A small in-process authoritative DNS server for the demo's synthetic world (UDP, 127.0.0.1).

It serves zones given as zone-file text, answers with AA set, synthesises wildcard answers
(RFC 4592, simplified: the closest ``*`` at or above the name's parent, within the zone), returns
NXDOMAIN with the SOA for names that do not exist, and REFUSED outside its zones. Answers here are
small, so UDP alone is enough (a reply over 1,232 octets would be truncated and the client would
fall back to TCP, which this server does not offer: the demo world never needs it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from types import TracebackType
from typing import cast

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone

MAX_UDP = 1232


class Authority:
    """The zones served, and the pure answer function."""

    def __init__(self, zones: Mapping[str, str]) -> None:
        self.zones = {
            dns.name.from_text(origin): dns.zone.from_text(text, origin, relativize=False)
            for origin, text in zones.items()
        }

    def _zone_of(self, name: dns.name.Name) -> tuple[dns.name.Name, dns.zone.Zone] | None:
        best: tuple[dns.name.Name, dns.zone.Zone] | None = None
        for origin, zone in self.zones.items():
            if name.is_subdomain(origin) and (best is None or len(origin) > len(best[0])):
                best = (origin, zone)
        return best

    def answer(self, query: dns.message.Message) -> dns.message.Message:
        """The authoritative response to ``query`` (never raises on well-formed queries)."""
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if len(query.question) != 1:
            response.set_rcode(dns.rcode.FORMERR)
            return response
        question = query.question[0]
        found = self._zone_of(question.name)
        if found is None:
            response.flags &= ~dns.flags.AA
            response.set_rcode(dns.rcode.REFUSED)
            return response
        origin, zone = found
        node = zone.get_node(question.name) or self._wildcard(origin, zone, question.name)
        if node is None:
            response.set_rcode(dns.rcode.NXDOMAIN)
            self._add_soa(origin, zone, response)
            return response
        rdataset = node.get_rdataset(dns.rdataclass.IN, question.rdtype)
        if rdataset is None:
            self._add_soa(origin, zone, response)  # NODATA
            return response
        response.answer.append(
            dns.rrset.from_rdata_list(question.name, rdataset.ttl, list(rdataset))
        )
        return response

    @staticmethod
    def _wildcard(
        origin: dns.name.Name, zone: dns.zone.Zone, name: dns.name.Name
    ) -> dns.node.Node | None:
        parent = name.parent()
        while parent.is_subdomain(origin):
            node = zone.get_node(dns.name.Name((b"*", *parent.labels)))
            if node is not None:
                return node
            if parent == origin:
                break
            parent = parent.parent()
        return None

    @staticmethod
    def _add_soa(origin: dns.name.Name, zone: dns.zone.Zone, response: dns.message.Message) -> None:
        soa = zone.get_rdataset(origin, dns.rdatatype.SOA)
        if soa is not None:
            response.authority.append(dns.rrset.from_rdata_list(origin, soa.ttl, list(soa)))


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self, authority: Authority) -> None:
        self.authority = authority
        self.transport: asyncio.DatagramTransport | None = None
        self.queries = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return  # not DNS: ignore, as a real server would
        self.queries += 1
        wire = self.authority.answer(query).to_wire(max_size=65535)
        if len(wire) > MAX_UDP:
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.TC
            wire = truncated.to_wire()
        if self.transport is not None:
            self.transport.sendto(wire, addr)


class DemoDnsServer:
    """``async with DemoDnsServer(zones) as server``: serving on ``server.host:server.port``."""

    def __init__(self, zones: Mapping[str, str], host: str = "127.0.0.1", port: int = 0) -> None:
        self.authority = Authority(zones)
        self.host = host
        self.port = port
        self._transport: asyncio.DatagramTransport | None = None
        self._protocol: _Protocol | None = None

    async def __aenter__(self) -> DemoDnsServer:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _Protocol(self.authority), local_addr=(self.host, self.port)
        )
        self._transport, self._protocol = transport, protocol
        self.port = int(transport.get_extra_info("sockname")[1])
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._transport is not None:
            self._transport.close()

    @property
    def queries(self) -> int:
        """Queries answered so far."""
        return self._protocol.queries if self._protocol else 0
