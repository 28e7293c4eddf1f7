"""An in-process DNS server (dnspython, asyncio UDP + TCP on 127.0.0.1) misbehaving on demand.

The behaviour is chosen by the first label's prefix (``drop-x.mis.test`` is dropped):

- ``nx-``: NXDOMAIN. ``ok-``: an answer (A/NS) or NODATA. Anything else: NXDOMAIN.
- ``drop-``: never answered. ``dropfirst-``: the first UDP query of each name is dropped.
- ``slow-``: answered (like ``ok-``) after 0.05 s (the tests wait 0.2 s: a margin a loaded
  machine keeps).
- ``servfail-``: SERVFAIL. ``refused-``: REFUSED.
- ``tc-``: UDP replies are empty with TC set; TCP gives the real answer (like ``ok-``).
- ``badid-``: first a NXDOMAIN with a wrong id, then the real answer (like ``ok-``).
- ``wrongq-``: first a NXDOMAIN echoing another question, then the real answer.
- ``notqr-``: first the query echoed back (QR clear, NXDOMAIN rcode), then the real answer.

Malformed replies (id and question right, so they pass the spoofing guard):

- ``junk-``: the answer (like ``ok-``) followed by trailing junk bytes.
- ``nxjunk-``: an NXDOMAIN followed by trailing junk (the header alone would say "free").
- ``cut-``: the answer cut inside its last record (counts unchanged, TC clear).
- ``garbage-``: header (QR, NOERROR, ANCOUNT 1) and question, then garbage bytes.
- ``junkonce-``: the first UDP reply of each name is ``junk-``, then the real answer.

RFC 6604: ``cnamenx-``: NXDOMAIN with ``<name> CNAME gone.mis.test.`` in the answer section.

Wildcard zones: a label without ``-`` directly below a zone whose first label is
``wild-<mode>`` gets ``<mode>`` (``x.wild-drop.mis.test`` is dropped); a prefixed label keeps its
own (``ok-1.wild-drop.mis.test`` is answered). ``rotate``: a wildcard ``A`` answering 2 of
:data:`ROTATING` at random each time (NODATA for other types).
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import random
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from typing import cast

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

ROTATING = tuple(f"192.0.2.{60 + i}" for i in range(6))
"""The addresses a ``rotate`` wildcard picks 2 from."""

ANSWERED = ("ok", "slow", "tc", "badid", "wrongq", "notqr", "dropfirst", "junk", "cut", "junkonce")


def _answer(query: dns.message.Message, behaviour: str) -> dns.message.Message:
    response = dns.message.make_response(query)
    question = query.question[0]
    if behaviour == "rotate":
        if question.rdtype == dns.rdatatype.A:
            picked = random.sample(ROTATING, 2)
            response.answer.append(dns.rrset.from_text(question.name, 60, "IN", "A", *picked))
    elif behaviour == "cnamenx":
        response.set_rcode(dns.rcode.NXDOMAIN)
        response.answer.append(
            dns.rrset.from_text(question.name, 60, "IN", "CNAME", "gone.mis.test.")
        )
    elif behaviour in ANSWERED:
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
    labels = [label.decode().lower() for label in query.question[0].name.labels]
    if "-" in labels[0]:
        return labels[0].partition("-")[0]
    if len(labels) > 1 and labels[1].startswith("wild-"):
        return labels[1].removeprefix("wild-")
    return "nx"


def _malformed(query: dns.message.Message, data: bytes, behaviour: str) -> bytes:
    """The broken reply of a ``junk``/``nxjunk``/``cut``/``garbage`` behaviour."""
    if behaviour == "garbage":
        name_wire = query.question[0].name.to_wire()
        assert name_wire is not None
        question_end = 12 + len(name_wire) + 4
        header = struct.pack("!HHHHHH", query.id, 0x8180, 1, 1, 0, 0)
        return header + data[12:question_end] + bytes(range(0xFF, 0xE0, -1))
    if behaviour == "cut":
        good = _answer(query, "ok")
        good.use_edns(False)  # so that the last record is the answer itself
        return good.to_wire()[:-2]
    return _answer(query, "nx" if behaviour == "nxjunk" else "ok").to_wire() + b"\x00junk"


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
        # UDP takes a free port; TCP on the same number may be taken by someone else (another
        # test run): then give that UDP port back and try another pair.
        for _ in range(50):
            transport, protocol = await loop.create_datagram_endpoint(
                lambda: _Udp(self), local_addr=("127.0.0.1", 0)
            )
            port = transport.get_extra_info("sockname")[1]
            try:
                self._tcp = await asyncio.start_server(self._handle_tcp, "127.0.0.1", port)
            except OSError:
                transport.close()
                continue
            self._udp, self.port = protocol, port
            return self
        raise OSError("no free UDP+TCP port pair on 127.0.0.1 after 50 tries")

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
            await asyncio.sleep(0.05)
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
        if behaviour in ("junk", "nxjunk", "cut", "garbage") or (
            behaviour == "junkonce" and self.queries[name] == 1
        ):
            transport.sendto(
                _malformed(query, data, "junk" if behaviour == "junkonce" else behaviour), addr
            )
            return
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


@contextlib.contextmanager
def in_thread() -> Iterator[NanoServer]:
    """A :class:`NanoServer` on its own event loop in a daemon thread (for code that runs its
    own loop, such as the CLI); stopped, and the thread joined, on exit."""
    ready: queue.Queue[NanoServer] = queue.Queue()
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def serve() -> None:
        async with NanoServer() as server:
            ready.put(server)
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    try:
        yield ready.get(timeout=5)
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=5)
        loop.close()
