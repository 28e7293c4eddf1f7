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
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import dns.exception

from typorisk.errors import ResolverConfigError
from typorisk.kit.rate import AdaptiveRate, Ticket
from typorisk.resolve import wire
from typorisk.resolve.lean import Record, read_answers

if TYPE_CHECKING:
    import dns.message

SWEEP_INTERVAL = 0.02
"""Seconds between two checks of the in-flight queries' deadlines (timeout precision)."""
MIN_RTO = 0.2
"""Seconds a query waits at least before it is sent again (:meth:`UdpChannel.rto`)."""
INITIAL_RTO = 1.0
"""Seconds before a query is sent again while the channel has no round-trip sample yet."""

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


_SETTLED_RESENDS = 4096
"""Resent queries remembered after they settle, so that the other copy's reply is known."""
_RESENT = float("inf")
"""``_Pending.resend_at`` of a query that is not to be sent again (tried once already, or its
resend would come after its deadline)."""


Settle = Callable[[bytes | None, bool], None]
"""How a query in flight ends: called once with the reply's bytes (``None``: timed out or the
socket closed) and whether it was sent a second time."""


@dataclass(slots=True)
class _Pending:
    """One query in flight on a :class:`UdpChannel` (times in loop seconds)."""

    question: bytes
    settle: Settle
    packet: bytes
    sent_at: float
    deadline: float
    resend_at: float
    ticket: Ticket | None
    """The rate controller's ticket of the first send (the loss is reported with it)."""
    resent: bool = False
    """Sent a second time (its replies are no round-trip samples: Karn's rule)."""


class UdpChannel(asyncio.DatagramProtocol):
    """Many queries in flight on one connected UDP socket to one server.

    **Early resend.** A query still unanswered after :meth:`rto` seconds is sent once more,
    with the same id (either copy's reply settles it), and keeps waiting until its deadline
    (``timeout``): a lost datagram then costs a fraction of a second instead of a whole
    timeout and a retry. Against a local Unbound with a cold cache, the 53 queries it dropped
    in an overloaded start made a 1.3 s run of 7,426 names last 3.2 s, every one of them
    waiting out its 2 s. The resend timeout is TCP's (RFC 6298): ``srtt + 4 × rttvar`` of
    the replies to queries sent once (Karn's rule), at least :data:`MIN_RTO` and never past
    the deadline. A resend takes a slot of the server's rate controller (``pace``: the
    ceiling holds; without a free slot it waits for the next sweep) and is reported to it as
    a loss, so congestion is seen at the resend instead of a timeout later. At most one
    resend a query: the retry after a timeout stays the client's (another server first).
    """

    def __init__(self) -> None:
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: dict[int, _Pending] = {}
        self._inbox: list[bytes] = []
        self._outbox: list[tuple[int, _Pending]] = []
        self._sweeper: asyncio.TimerHandle | None = None
        self._sweep_due = 0.0
        self._srtt: float | None = None
        self._rttvar = 0.0
        self.pace: AdaptiveRate | None = None
        """The server's rate controller (the client sets it): resends take its slots."""
        self.mismatched = 0
        """Datagrams ignored: unknown id, not a response, or a question that does not match."""
        self.unreachable = 0
        """ICMP errors reported on the socket (port or host unreachable): nothing listens there."""
        self._settled_resends: dict[int, bytes] = {}
        """id → question of resent queries already settled (bounded: _SETTLED_RESENDS): the
        other copy's reply is ignored as a duplicate, not counted as a stray."""
        self._loop_time: Callable[[], float] = time.monotonic
        """The loop's clock (set when the socket opens): deadlines are in its seconds."""

    @classmethod
    async def open(cls, server: NameServer) -> UdpChannel:
        """Open a socket connected to ``server``."""
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in server.host else socket.AF_INET
        _, channel = await loop.create_datagram_endpoint(
            cls, remote_addr=(server.host, server.port), family=family
        )
        return channel

    def rto(self) -> float:
        """Seconds after which an unanswered query is sent again (see the class docstring)."""
        if self._srtt is None:
            return INITIAL_RTO
        return max(MIN_RTO, self._srtt + 4 * self._rttvar)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's datagram transport does not subclass DatagramTransport.
        self._transport = cast(asyncio.DatagramTransport, transport)
        self._loop_time = asyncio.get_running_loop().time
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        """Queue ``data``: the datagrams of one loop turn are read together (:meth:`_drain`),
        after the loop has taken them all from the socket, and the queries they free are sent
        together (:meth:`_flush`): one pass of each code path a turn instead of one a datagram."""
        inbox = self._inbox
        inbox.append(data)
        if len(inbox) == 1:
            asyncio.get_running_loop().call_soon(self._drain)

    def _drain(self) -> None:
        """Match every datagram queued this turn to its query (see :meth:`datagram_received`).
        Should one raise (a bug: the callbacks catch their own errors), the loop's handler
        gets it and the datagrams after it are read on the next turn, not dropped."""
        inbox, self._inbox = self._inbox, []
        rest = iter(inbox)
        try:
            for data in rest:
                self._received(data)
        finally:
            left = list(rest)
            if left:
                self._inbox[:0] = left
                asyncio.get_running_loop().call_soon(self._drain)

    def _received(self, data: bytes) -> None:
        if len(data) < wire.HEADER.size:
            self.mismatched += 1
            return
        qid = (data[0] << 8) | data[1]
        entry = self._pending.get(qid)
        if entry is None and qid in self._settled_resends:
            question = self._settled_resends.pop(qid)
            if data[2] & 0x80 and wire.question_matches(data, question):
                return  # the other copy's reply: settled already
        if entry is None or not data[2] & 0x80 or not wire.question_matches(data, entry.question):
            self.mismatched += 1
            return
        if not entry.resent:
            self._sample(self._loop_time() - entry.sent_at)
        self._end(qid, entry, data)

    def _end(self, qid: int, entry: _Pending, data: bytes | None) -> None:
        """Take ``entry`` out of the queries in flight and settle it with ``data``."""
        del self._pending[qid]
        if entry.resent:
            if len(self._settled_resends) >= _SETTLED_RESENDS:
                self._settled_resends.clear()
            self._settled_resends[qid] = entry.question
        entry.settle(data, entry.resent)

    def _sample(self, rtt: float) -> None:
        """One round trip (seconds) into the estimate (RFC 6298, section 2)."""
        if self._srtt is None:
            self._srtt, self._rttvar = rtt, rtt / 2
        else:
            self._rttvar = 0.75 * self._rttvar + 0.25 * abs(self._srtt - rtt)
            self._srtt = 0.875 * self._srtt + 0.125 * rtt

    def error_received(self, exc: Exception) -> None:
        # An ICMP error (port unreachable) names no query: the affected queries time out. It is
        # counted so that a liveness check can say why a server did not answer.
        self.unreachable += 1

    def connection_lost(self, exc: Exception | None) -> None:
        for qid, entry in list(self._pending.items()):
            self._end(qid, entry, None)
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
        try:
            if self._inbox:  # replies read this turn settle their queries before any deadline
                self._drain()
            now = loop.time()
            # A sweep that runs late found the loop stalled (a busy CPU): replies that arrived
            # meanwhile wait in the socket buffer, read one per loop turn. The stalled time does
            # not count against the deadlines, so a stall alone never makes a timeout.
            late = max(0.0, now - self._sweep_due - SWEEP_INTERVAL)
            expired = []
            for qid, entry in self._pending.items():
                if entry.deadline + late <= now:
                    expired.append((qid, entry))
                elif entry.resend_at + late <= now:
                    self._resend(entry)
            for qid, entry in expired:
                self._end(qid, entry, None)
        finally:  # also after a bug in a callback: later queries must still time out
            self._sweeper = self._schedule_sweep(loop) if self._pending else None

    def _resend(self, entry: _Pending) -> None:
        """Send ``entry``'s query again, if the rate controller has a slot now."""
        if self._transport is None or self._transport.is_closing():
            return
        if self.pace is not None and self.pace.take_now() is None:
            return  # no slot: the next sweep tries again (the ceiling holds for resends too)
        entry.resend_at = _RESENT
        try:
            self._transport.sendto(entry.packet)
        except OSError:
            return  # not sent: the query waits for its deadline as it is
        entry.resent = True
        if self.pace is not None and entry.ticket is not None:
            self.pace.failed(entry.ticket, timeout=True)

    def _schedule_sweep(self, loop: asyncio.AbstractEventLoop) -> asyncio.TimerHandle:
        self._sweep_due = loop.time() + SWEEP_INTERVAL
        return loop.call_later(SWEEP_INTERVAL, self._sweep)

    def send(
        self,
        question_wire: bytes,
        *,
        rd: bool,
        timeout: float,
        settle: Settle,
        ticket: Ticket | None = None,
    ) -> int | None:
        """Send one query (at the end of this loop turn, :meth:`_flush`) and return its id;
        ``settle`` is called once when it ends: with the reply, or with ``None`` after
        ``timeout`` seconds (see :meth:`_sweep`), when the kernel refuses the datagram, or when
        the socket closes. The resend and ``ticket`` as in :meth:`exchange`. ``None`` when the
        socket is closed already: then ``settle`` is never called.

        The callback form of :meth:`exchange`: the engine settles most names from here, with no
        task (:mod:`typorisk.resolve.pump`)."""
        transport = self._transport
        if transport is None or transport.is_closing():
            return None
        pending = self._pending
        qid = random.getrandbits(16)
        while qid in pending:
            qid = random.getrandbits(16)
        packet = wire.build_query(qid, question_wire, rd=rd)
        now = self._loop_time()
        resend = self.rto()
        entry = _Pending(question_wire, settle, packet, now, now + timeout,
                         now + resend if resend < timeout else _RESENT, ticket)  # fmt: skip
        pending[qid] = entry
        outbox = self._outbox
        outbox.append((qid, entry))
        if len(outbox) == 1:
            asyncio.get_running_loop().call_soon(self._flush)
        if self._sweeper is None:
            self._sweeper = self._schedule_sweep(asyncio.get_running_loop())
        return qid

    def _flush(self) -> None:
        """Send every query queued this turn (:meth:`send`); a datagram the kernel refuses
        ends its query as a timeout would."""
        outbox, self._outbox = self._outbox, []
        transport = self._transport
        if transport is None or transport.is_closing():
            return  # closed since: connection_lost ends every query still pending
        pending = self._pending
        rest = iter(outbox)
        try:
            for qid, entry in rest:
                if pending.get(qid) is not entry:
                    continue  # forgotten (its waiter went away): its id may be another's now
                try:
                    transport.sendto(entry.packet)
                except OSError:
                    self._end(qid, entry, None)
        finally:  # a bug in a callback: the queries after it are still sent, next turn
            left = list(rest)
            if left:
                self._outbox[:0] = left
                asyncio.get_running_loop().call_soon(self._flush)

    def forget(self, qid: int, settle: Settle) -> None:
        """Drop query ``qid`` if it is still the one ``settle`` ends (its waiter went away)."""
        entry = self._pending.get(qid)
        if entry is not None and entry.settle is settle:
            del self._pending[qid]

    async def exchange(
        self, question_wire: bytes, *, rd: bool, timeout: float, ticket: Ticket | None = None
    ) -> tuple[bytes | None, bool]:
        """Send one query and wait up to ``timeout`` seconds: the reply bytes or ``None``, and
        whether it was sent a second time (:meth:`rto`; then its loss was reported to
        :attr:`pace` with ``ticket``)."""
        future: asyncio.Future[tuple[bytes | None, bool]] = (
            asyncio.get_running_loop().create_future()
        )

        def settle(data: bytes | None, resent: bool) -> None:
            if not future.done():
                future.set_result((data, resent))

        qid = self.send(question_wire, rd=rd, timeout=timeout, settle=settle, ticket=ticket)
        if qid is None:
            return None, False
        try:
            # Bounded: the sweeper ends the query at its deadline (see _sweep).
            return await future
        finally:
            if not future.done():  # cancelled: the query is no longer anyone's
                self.forget(qid, settle)

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
