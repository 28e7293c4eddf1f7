"""The only place the resolve stage does network I/O: UDP multiplexing and the TCP fallback.

One connected UDP socket per server carries many queries in flight, keyed by query id; a reply is
accepted only when its id is pending, its QR bit is set and it echoes the exact question (the
kernel already drops datagrams from any other address/port on a connected socket). Everything else
is counted and ignored, so a spoofed or stray reply can never settle a name.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import socket
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import dns.exception

from typorisk.errors import ResolverConfigError
from typorisk.resolve import wire
from typorisk.resolve.lean import Record, read_answers

if TYPE_CHECKING:
    import dns.message

SWEEP_INTERVAL = 0.02
"""Seconds between two checks of the in-flight queries' deadlines (timeout precision)."""

_RCVBUF = 4 * 1024 * 1024
"""Socket receive buffer, bytes: replies to a thousand queries in flight arrive in bursts."""


@dataclass(frozen=True, slots=True)
class NameServer:
    """A DNS server address: an IP literal and a port."""

    host: str
    port: int = 53

    @classmethod
    def parse(cls, text: str, default_port: int = 53) -> NameServer:
        """Parse ``HOST``, ``HOST:PORT``, ``IPv6`` or ``[IPv6]:PORT``.

        Raises :class:`ResolverConfigError` for a host that is not an IP address or a bad port.
        """
        host, port = text.strip(), default_port
        if host.startswith("["):
            host, _, rest = host[1:].partition("]")
            if rest:
                port = _port(text, rest.removeprefix(":"))
        elif host.count(":") == 1:
            host, _, rest = host.partition(":")
            port = _port(text, rest)
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise ResolverConfigError(
                f"name server {text!r}: give an IP address (e.g. 9.9.9.9 or 127.0.0.1:5353)"
            ) from None
        return cls(host, port)

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def _port(text: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ResolverConfigError(f"name server {text!r}: the port must be 1-65535")
    return int(value)


@dataclass(frozen=True, slots=True)
class Reply:
    """A response that matched its query: header decoded, the wire kept for a full parse.

    Invariant: when ``malformed`` is False, the reply passed :func:`wire.well_formed`, and a
    reply with answers (NOERROR or NXDOMAIN, ANCOUNT > 0) had its answers read (``answers``,
    :mod:`typorisk.resolve.lean`).
    A malformed reply's header may be read (its id and question matched) but its rcode must not
    be believed: see :data:`typorisk.resolve.records.Outcome.MALFORMED`.
    """

    header: wire.Header
    wire: bytes
    tcp: bool = False
    answers: tuple[Record, ...] | None = None
    """The answer records, read by the client for replies with answers (:func:`read_answers`)."""
    malformed: bool = False
    """The reply does not parse (trailing junk, a truncated record, garbage after the question)."""

    @property
    def rcode(self) -> int:
        """The header's response code."""
        return self.header.rcode

    def records(self) -> tuple[Record, ...] | None:
        """The answer records (read now unless the client did); ``None`` when malformed."""
        if self.answers is not None:
            return self.answers
        if self.malformed:
            return None
        return read_answers(self.wire, wire.question_end(self.wire))

    def message(self) -> dns.message.Message | None:
        """dnspython's full parse (made now, ~80 µs), for the authority and additional sections;
        ``None`` when malformed.

        ``None`` also when dnspython rejects record data the structural check let through (an A
        record of 3 bytes, a bad pointer inside RDATA): the caller treats that as malformed.
        """
        if self.malformed:
            return None
        return parse(self.wire)


def parse(data: bytes) -> dns.message.Message | None:
    """dnspython's parse of ``data``, or ``None`` when it is not a valid DNS message."""
    import dns.message  # noqa: PLC0415 - ~30 ms of start-up; the hot path reads with lean

    try:
        return dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError):
        # ValueError: dnspython's rdata constructors validate values (text, ranges) with it.
        return None


class UdpChannel(asyncio.DatagramProtocol):
    """Many queries in flight on one connected UDP socket to one server."""

    def __init__(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        # query id -> (question, future, deadline in loop time)
        self._pending: dict[int, tuple[bytes, asyncio.Future[bytes | None], float]] = {}
        self._sweeper: asyncio.TimerHandle | None = None
        self._sweep_due = 0.0
        self.mismatched = 0
        """Datagrams ignored: unknown id, not a response, or a question that does not match."""
        self.unreachable = 0
        """ICMP errors reported on the socket (port or host unreachable): nothing listens there."""

    @classmethod
    async def open(cls, server: NameServer) -> UdpChannel:
        """Open a socket connected to ``server``."""
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
        _, channel = await loop.create_datagram_endpoint(
            cls, remote_addr=(server.host, server.port), family=family
        )
        return channel

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport does not subclass DatagramTransport.
        self._transport = cast(asyncio.DatagramTransport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if len(data) < wire.HEADER.size:
            self.mismatched += 1
            return
        entry = self._pending.get((data[0] << 8) | data[1])
        if (
            entry is None
            or not data[2] & 0x80
            or entry[1].done()
            or not wire.question_matches(data, entry[0])
        ):
            self.mismatched += 1
            return
        entry[1].set_result(data)

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (port unreachable) names no query: the affected queries time out. It is
        # counted so that a liveness check can say why a server did not answer.
        self.unreachable += 1

    def connection_lost(self, exc: Exception | None) -> None:
        for _, future, _ in self._pending.values():
            if not future.done():
                future.set_result(None)
        self._pending.clear()
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None

    def _sweep(self) -> None:
        """End the queries whose deadline has passed (they return ``None``: a timeout).

        One timer per socket instead of one per query: with thousands of queries in flight, a
        timer heap entry per query costs more CPU than the query itself. Deadlines are honoured
        within ``SWEEP_INTERVAL`` seconds.
        """
        loop = asyncio.get_running_loop()
        now = loop.time()
        # A sweep that runs late found the loop stalled (a busy CPU): replies that arrived
        # meanwhile wait in the socket buffer, read one per loop turn. The stalled time does not
        # count against the deadlines, so a stall alone never makes a timeout.
        late = max(0.0, now - self._sweep_due - SWEEP_INTERVAL)
        for _, future, deadline in self._pending.values():
            if deadline + late <= now and not future.done():
                future.set_result(None)
        self._sweeper = self._schedule_sweep(loop) if self._pending else None

    def _schedule_sweep(self, loop: asyncio.AbstractEventLoop) -> asyncio.TimerHandle:
        self._sweep_due = loop.time() + SWEEP_INTERVAL
        return loop.call_later(SWEEP_INTERVAL, self._sweep)

    async def exchange(self, question_wire: bytes, *, rd: bool, timeout: float) -> bytes | None:
        """Send one query and wait up to ``timeout`` seconds; the reply bytes, or ``None``."""
        if self._transport is None or self._transport.is_closing():
            return None
        qid = random.getrandbits(16)
        while qid in self._pending:
            qid = random.getrandbits(16)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes | None] = loop.create_future()
        self._pending[qid] = (question_wire, future, loop.time() + timeout)
        if self._sweeper is None:
            self._sweeper = self._schedule_sweep(loop)
        try:
            self._transport.sendto(wire.build_query(qid, question_wire, rd=rd))
            # Bounded: the sweeper ends the future at its deadline (see _sweep).
            return await future
        except OSError:
            return None
        finally:
            del self._pending[qid]

    def close(self) -> None:
        """Close the socket; queries still waiting end as timeouts."""
        if self._transport is not None:
            self._transport.close()


async def tcp_exchange(
    server: NameServer, question_wire: bytes, *, rd: bool, timeout: float
) -> bytes | None:
    """One query over TCP (RFC 7766 framing), for truncated UDP replies; ``None`` on failure.

    The whole exchange (connect, send, receive) is bounded by ``timeout`` seconds.
    """
    qid = random.getrandbits(16)
    query = wire.build_query(qid, question_wire, rd=rd)
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(struct.pack("!H", len(query)) + query)
            await writer.drain()
            (length,) = struct.unpack("!H", await reader.readexactly(2))
            data = await reader.readexactly(length)
    except (TimeoutError, OSError, asyncio.IncompleteReadError):
        return None
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, TimeoutError):
                async with asyncio.timeout(timeout):
                    await writer.wait_closed()
    header = wire.read_header(data)
    if header is None or header.id != qid or not header.is_response:
        return None
    return data if wire.question_matches(data, question_wire) else None
