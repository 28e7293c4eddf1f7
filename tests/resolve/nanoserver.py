"""An in-process DNS server (dnspython, asyncio UDP + TCP on 127.0.0.1) misbehaving on demand.

The behaviour is chosen by the first label's prefix (``drop-x.mis.test`` is dropped):

- ``nx-``: NXDOMAIN. ``ok-``: an answer (A/NS) or NODATA. Anything else: NXDOMAIN.
- ``drop-``: never answered. ``dropfirst-``: the first UDP query of each name is dropped.
- ``slow-``: answered (like ``ok-``) after 0.15 s.
- ``servfail-``: SERVFAIL. ``refused-``: REFUSED.
- ``tc-``: UDP replies are empty with TC set; TCP gives the real answer (like ``ok-``).
- ``badid-``: first a NXDOMAIN with a wrong id, then the real answer (like ``ok-``).
- ``wrongq-``: first a NXDOMAIN echoing another question, then the real answer.
- ``notqr-``: first the query echoed back (QR clear, NXDOMAIN rcode), then the real answer.
"""

from __future__ import annotations

import asyncio
import struct
from collections import Counter
from typing import cast

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


def _answer(query: dns.message.Message, behaviour: str) -> dns.message.Message:
    response = dns.message.make_response(query)
    question = query.question[0]
    if behaviour in ("ok", "slow", "tc", "badid", "wrongq", "notqr", "dropfirst"):
        if question.rdtype == dns.rdatatype.A:
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", "192.0.2.10"))
        elif question.rdtype == dns.rdatatype.NS:
            response.answer.append(
                dns.rrset.from_text(question.name, 60, "IN", "NS", "ns.mis.test.")
            )
    elif behaviour == "servfail":
        response.set_rcode(dns.rcode.SERVFAIL)
    elif behaviour == "refused":
        response.set_rcode(dns.rcode.REFUSED)
    else:
        response.set_rcode(dns.rcode.NXDOMAIN)
    return response


def behaviour_of(query: dns.message.Message) -> str:
    first = query.question[0].name.labels[0].decode().lower()
    return first.partition("-")[0] if "-" in first else "nx"


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, server: NanoServer) -> None:
        self.server = server
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        task = asyncio.get_running_loop().create_task(self.server.handle_udp(data, addr, self))
        self.server.tasks.add(task)
        task.add_done_callback(self.server.tasks.discard)


class NanoServer:
    """Run with ``async with NanoServer() as server``; ``server.port`` is the UDP/TCP port."""

    def __init__(self) -> None:
        self.port = 0
        self.queries: Counter[str] = Counter()
        self._udp: _Udp | None = None
        self._tcp: asyncio.Server | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> NanoServer:
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.create_datagram_endpoint(
            lambda: _Udp(self), local_addr=("127.0.0.1", 0)
        )
        self._udp = protocol
        self.port = transport.get_extra_info("sockname")[1]
        self._tcp = await asyncio.start_server(self._handle_tcp, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._udp is not None and self._tcp is not None
        assert self._udp.transport is not None
        self._udp.transport.close()
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        self._tcp.close()
        await self._tcp.wait_closed()

    async def handle_udp(self, data: bytes, addr: tuple[str, int], udp: _Udp) -> None:
        query = dns.message.from_wire(data)
        name = query.question[0].name.to_text().lower()
        self.queries[name] += 1
        behaviour = behaviour_of(query)
        transport = udp.transport
        assert transport is not None
        if behaviour == "drop" or (behaviour == "dropfirst" and self.queries[name] == 1):
            return
        if behaviour == "slow":
            await asyncio.sleep(0.15)
            if transport.is_closing():
                return
        if behaviour == "tc":
            truncated = dns.message.make_response(query)
            truncated.flags |= dns.flags.TC
            transport.sendto(truncated.to_wire(), addr)
            return
        if behaviour == "badid":
            bogus = _answer(query, "nx")
            bogus.set_rcode(dns.rcode.NXDOMAIN)
            bogus.answer.clear()
            bogus.id = (query.id + 1) % 65536
            transport.sendto(bogus.to_wire(), addr)
        if behaviour == "wrongq":
            other = dns.message.make_query("other.mis.test", query.question[0].rdtype)
            other.id = query.id
            other.flags |= dns.flags.QR
            other.set_rcode(dns.rcode.NXDOMAIN)
            transport.sendto(other.to_wire(), addr)
        if behaviour == "notqr":
            echo = bytearray(data)
            echo[3] = (echo[3] & 0xF0) | 3  # rcode NXDOMAIN, QR still clear
            transport.sendto(bytes(echo), addr)
        transport.sendto(_answer(query, behaviour).to_wire(), addr)

    async def _handle_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            (length,) = struct.unpack("!H", await reader.readexactly(2))
            query = dns.message.from_wire(await reader.readexactly(length))
            self.queries["tcp:" + query.question[0].name.to_text().lower()] += 1
            wire = _answer(query, behaviour_of(query)).to_wire()
            writer.write(struct.pack("!H", len(wire)) + wire)
            await writer.drain()
        finally:
            writer.close()
