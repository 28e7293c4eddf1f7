"""A DNS client for many names at once: adaptive rate per server, retries, TCP fallback.

Each server's rate is found as it goes (:class:`typorisk.kit.rate.AdaptiveRate`, AIMD): it starts
at :data:`~typorisk.kit.rate.START_RATE` (a resolver on this host at
:data:`~typorisk.kit.rate.LOCAL_START_RATE`), grows while answers keep coming, and is cut to 70%
on a rise of timeouts, SERVFAIL or REFUSED. ``rate`` is only its ceiling. The retry policy is the
same either way: a query whose tries all time out ends with no reply (``unknown``), never
NXDOMAIN.

The client is the object injected into the engine (tests inject one pointed at local servers). It
owns the sockets: use it as ``async with DnsClient(servers) as client``.

Every reply is checked before its header is believed (:func:`wire.well_formed`; replies with
answers are also parsed in full). A malformed reply (trailing junk, a truncated record, garbage
after the question) is retried once, on the next server: a one-off corruption on the path is
repaired by that, while a server that always sends the same broken reply would not be helped by
more tries. If the retry is malformed too, the query ends with that reply (``malformed=True``);
a timeout after it uses the remaining retries, and the malformed reply is returned if nothing
better comes. Callers turn it into ``Outcome.MALFORMED``, never into an answer.

Replies with answers have their answer section read by :mod:`typorisk.resolve.lean` (dnspython's
``from_wire`` was ~13% of the resolver's CPU; see there). NXDOMAIN, the common case, is decided
from the header alone (:mod:`typorisk.resolve.wire`) and never parsed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import random
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from functools import partial
from types import TracebackType
from typing import Any

from typorisk.errors import ResolverConfigError
from typorisk.kit.rate import LOCAL_START_RATE, START_RATE, AdaptiveRate, Ticket
from typorisk.resolve import wire
from typorisk.resolve.lean import read_answers
from typorisk.resolve.records import ServerStats
from typorisk.resolve.transport import NameServer, Reply, Settle, UdpChannel, tcp_exchange

RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


class _Tally:
    """Mutable per-server counters behind :class:`ServerStats` (the hot path increments them)."""

    __slots__ = ("answered", "malformed", "pace", "resent", "sent", "timeouts")

    def __init__(self, pace: AdaptiveRate) -> None:
        self.sent = 0
        self.answered = 0
        self.timeouts = 0
        self.malformed = 0
        self.resent = 0
        self.pace = pace

    def frozen(self) -> ServerStats:
        return ServerStats(
            self.sent,
            self.answered,
            self.timeouts,
            self.malformed,
            resent=self.resent,
            rate=self.pace.rate,
            peak_rate=self.pace.peak,
            cuts=self.pace.cuts,
        )


RATE_BURST = 10
"""Queries a server may get at once after an idle spell (at least; see ``AdaptiveRate``)."""
INCREASE_PER_TIMEOUT = 0.2
"""After a cut, the rate grows by this share of the rate after the cut per ``timeout`` seconds
(at most half of it per second): losses are seen one timeout late, so the rate may overshoot
the server's limit by this share before the next cut. The mean of the saw-tooth (about 3/4 of
the limit) does not depend on it; only the period does."""
_CONGESTION = frozenset({2, 5})
"""SERVFAIL and REFUSED: the rcodes an overloaded or rate-limiting resolver answers with."""


class DnsClient:
    """Queries ``servers`` (recursive resolvers by default, any server when given per query).

    Args:
        servers: default servers, tried in rotation across retries.
        timeout: seconds to wait for one reply (UDP or TCP).
        retries: extra attempts after a timeout or SERVFAIL (so ``retries + 1`` tries at most);
            a malformed reply is retried once at most (see the module docstring).
        rate: ceiling of each server's adaptive rate, queries/s; ``None`` for no ceiling.
        start_rate: each server's first rate, queries/s (capped by ``rate``); ``None``: by
            server, :data:`~typorisk.kit.rate.LOCAL_START_RATE` for a resolver on this host
            (a loopback address), else :data:`~typorisk.kit.rate.START_RATE`.
        share: this client's share of each server (``1/N`` for one of N processes asking the
            same servers): the start rate is multiplied by it.
        backoff: seconds before the first retry; doubled each retry, with ±50% jitter.

    Raises :class:`ResolverConfigError` for an unusable option.
    """

    def __init__(
        self,
        servers: Sequence[NameServer],
        *,
        timeout: float = 2.0,
        retries: int = 2,
        rate: float | None = None,
        backoff: float = 0.05,
        start_rate: float | None = None,
        share: float = 1.0,
    ) -> None:
        if not servers:
            raise ResolverConfigError("no name server: give --nameserver HOST[:PORT]")
        if timeout <= 0 or retries < 0 or backoff < 0:
            raise ResolverConfigError("timeout must be > 0 s, retries and backoff >= 0")
        if rate is not None and rate <= 0:
            raise ResolverConfigError(f"rate {rate!r}: give a positive number of queries/s")
        self.servers = tuple(servers)
        self.timeout = timeout
        self.retries = retries
        if start_rate is not None and start_rate <= 0:
            raise ResolverConfigError(f"start rate {start_rate!r}: give a positive queries/s")
        if not 0 < share <= 1:
            raise ResolverConfigError(f"share {share!r} of each server: give (0, 1]")
        self.rate = rate
        self.start_rate = start_rate
        self.share = share
        self.backoff = backoff
        self._channels: dict[NameServer, asyncio.Task[UdpChannel]] = {}
        self._open: dict[NameServer, UdpChannel] = {}
        """The sockets opened so far, each once its query awaited it (the hot path takes them
        from here without awaiting their task; no query was sent on a socket not here)."""
        self._tallies: dict[NameServer, _Tally] = {}
        self.sent = 0
        self.resent = 0
        """Queries sent a second time early (``UdpChannel``'s resend), part of ``sent``."""
        self.timeouts = 0
        self.retried = 0
        self.tcp = 0
        self.malformed = 0
        self.rcodes: Counter[str] = Counter()
        self.send_errors: dict[NameServer, str] = {}
        """Servers whose socket could not be opened (e.g. no route to an IPv6 address): why."""
        self._closed_mismatched = 0
        self._closed_unreachable: Counter[NameServer] = Counter()

    async def __aenter__(self) -> DnsClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close every socket."""
        for server, task in self._channels.items():
            if task.done() and not task.cancelled() and task.exception() is None:
                self._closed_mismatched += task.result().mismatched
                self._closed_unreachable[server] += task.result().unreachable
                task.result().close()
            else:
                task.cancel()
        self._channels.clear()
        self._open.clear()

    @property
    def mismatched(self) -> int:
        """Replies dropped so far by the spoofing guard, over every socket."""
        return self._closed_mismatched + sum(c.mismatched for c in self._open.values())

    def unreachable(self, server: NameServer) -> int:
        """ICMP errors (port or host unreachable) seen so far on ``server``'s socket."""
        channel = self._open.get(server)
        return self._closed_unreachable[server] + (channel.unreachable if channel else 0)

    def server_stats(self) -> dict[str, ServerStats]:
        """Counters per server asked so far, keyed by ``str(server)`` (``host:port``)."""
        return {str(server): tally.frozen() for server, tally in self._tallies.items()}

    async def connect(self) -> None:
        """Open the default servers' sockets now (each is otherwise opened by its first query),
        so that :meth:`send_now` can send the first queries too. A socket that cannot be opened
        is recorded in :attr:`send_errors`, as at a first query."""
        for server in self.servers:
            await self._channel(server)

    async def _channel(self, server: NameServer) -> UdpChannel | None:
        """The socket to ``server``, opened on first use; ``None`` when it cannot be opened."""
        task = self._channels.get(server)
        if task is None:
            task = asyncio.ensure_future(UdpChannel.open(server))
            self._channels[server] = task
        try:
            channel = await task
        except OSError as exc:
            # No route (an IPv6 server on an IPv4-only host...): every query to it fails alike.
            self.send_errors[server] = str(exc)
            return None
        channel.pace = self._tally(server).pace
        self._open[server] = channel
        return channel

    def _tally(self, server: NameServer) -> _Tally:
        tally = self._tallies.get(server)
        if tally is None:
            start = self.start_rate or (
                LOCAL_START_RATE if _on_this_host(server.host) else START_RATE
            )
            pace = AdaptiveRate(
                start=start * self.share,
                ceiling=self.rate,
                burst=RATE_BURST,
                increase=min(0.5, INCREASE_PER_TIMEOUT / self.timeout),
            )
            tally = self._tallies[server] = _Tally(pace)
        return tally

    async def attempt(
        self, server: NameServer, question_wire: bytes, rd: bool
    ) -> tuple[Reply | None, int]:
        """One try at ``server`` (UDP, then TCP if truncated): the reply or ``None``, and queries
        sent (1 or 2, one more if resent). No retry; the rate controller and every counter apply."""
        tally = self._tally(server)
        ticket = tally.pace.take_now() or await tally.pace.acquire()
        channel = self._open.get(server) or await self._channel(server)
        self.sent += 1
        tally.sent += 1
        if channel is None:
            self.timeouts += 1
            tally.timeouts += 1
            return None, 1
        data, resent = await channel.exchange(
            question_wire, rd=rd, timeout=self.timeout, ticket=ticket
        )
        reply, sent = self._over_udp(tally, ticket, question_wire, data, resent)
        if isinstance(reply, Truncated):
            return await self.over_tcp(server, question_wire, rd, sent)
        return reply, sent

    def send_now(
        self,
        tries: Tries,
        arrived: Callable[[Reply | Truncated | None, int], None],
        failed: Callable[[BaseException], None],
    ) -> float:
        """Send ``tries``' next try at once if its server's rate has a slot now: then
        ``arrived(reply, sent)`` is called when it ends, as :meth:`attempt` would return
        (``TRUNCATED`` instead of the TCP retry: :meth:`over_tcp` is the caller's), and this
        returns 0.0. Otherwise nothing was sent or counted, and it returns the seconds until the
        server has a slot (> 0), or ``inf`` when the try can only be made by :meth:`resume`
        (the socket is not open).

        The callback form of :meth:`attempt`, for the engine's first question of each name
        (:mod:`typorisk.resolve.pump`): no task and no future for a query whose reply settles
        its name. ``failed(error)`` is called instead of ``arrived`` if reading the reply
        raises (a bug): the error is the caller's to raise, not the loop's to log."""
        server = tries.server()
        channel = self._open.get(server)
        if channel is None:
            return math.inf
        tally = self._tallies[server]
        ticket = tally.pace.take_now()
        if ticket is None:
            return tally.pace.wait_time() or 1e-4
        question_wire = tries.wire

        def settle(data: bytes | None, resent: bool) -> None:
            tries.flying = None
            try:
                reply, sent = self._over_udp(tally, ticket, question_wire, data, resent)
            except BaseException as exc:
                failed(exc)
                return
            arrived(reply, sent)

        qid = channel.send(question_wire, rd=tries.rd, timeout=self.timeout, settle=settle,
                           ticket=ticket)  # fmt: skip
        if qid is None:
            return math.inf  # not sent (a closed socket): the coroutine path will count it
        tries.flying = (channel, qid, settle)
        self.sent += 1
        tally.sent += 1
        return 0.0

    def _over_udp(
        self, tally: _Tally, ticket: Ticket, question_wire: bytes, data: bytes | None, resent: bool
    ) -> tuple[Reply | Truncated | None, int]:
        """What a UDP try returned (``data``, sent twice if ``resent``): counted and checked."""
        if resent:  # sent twice (see UdpChannel): the loss is already the controller's
            self.sent += 1
            self.resent += 1
            tally.sent += 1
            tally.resent += 1
        header = None if data is None else wire.read_header(data)
        if data is None or header is None:
            self.timeouts += 1
            tally.timeouts += 1
            if not resent:
                tally.pace.failed(ticket, timeout=True)
            return None, 1 + resent
        tally.answered += 1
        if not resent:
            _judge(tally.pace, ticket, header.rcode)
        if header.truncated:
            return TRUNCATED, 1 + resent
        return self._checked(header, data, question_wire, tally, tcp=False), 1 + resent

    async def over_tcp(
        self, server: NameServer, question_wire: bytes, rd: bool, sent: int
    ) -> tuple[Reply | None, int]:
        """The TCP retry of a truncated UDP try (which sent ``sent`` queries), as in
        :meth:`attempt`."""
        tally = self._tally(server)
        self.tcp += 1
        self.sent += 1
        tally.sent += 1
        data = await tcp_exchange(server, question_wire, rd=rd, timeout=self.timeout)
        header = None if data is None else wire.read_header(data)
        if data is None or header is None:
            self.timeouts += 1
            tally.timeouts += 1
            return None, sent + 1
        tally.answered += 1
        return self._checked(header, data, question_wire, tally, tcp=True), sent + 1

    def _checked(
        self, header: wire.Header, data: bytes, question_wire: bytes, tally: _Tally, *, tcp: bool
    ) -> Reply:
        """The reply, checked: malformed, or well-formed (its answers read when it has any)."""
        answers = None
        end = wire.HEADER.size + len(question_wire)
        if header.ancount and header.rcode in (wire.RCODE_NOERROR, wire.RCODE_NXDOMAIN):
            # These replies are always read; reading here lets a bad record count as malformed
            # (and be retried) instead of surfacing in the middle of a classification.
            answers = read_answers(data, end)
            ok = answers is not None
        else:
            ok = wire.well_formed(data, end)
        if not ok:
            self.malformed += 1
            tally.malformed += 1
            self.rcodes["MALFORMED"] += 1
            return Reply(header, data, tcp=tcp, malformed=True)
        self.rcodes[RCODE_NAMES.get(header.rcode, str(header.rcode))] += 1
        return Reply(header, data, tcp=tcp, answers=answers)

    def tries(
        self,
        name: str,
        qtype: int,
        *,
        rd: bool = True,
        servers: Sequence[NameServer] | None = None,
        name_wire: bytes | None = None,
    ) -> Tries:
        """A new question, no try made yet: :meth:`resume` (or :meth:`send_now`) makes them.
        ``name_wire``: ``name`` already encoded (:func:`wire.encode_name`)."""
        pool = self.servers if servers is None else tuple(servers)
        start = random.randrange(len(pool)) if len(pool) > 1 else 0
        return Tries(wire.question(name, qtype, name_wire), rd, pool, start, self.retries + 1)

    async def query(
        self,
        name: str,
        qtype: int,
        *,
        rd: bool = True,
        servers: Sequence[NameServer] | None = None,
    ) -> tuple[Reply | None, int]:
        """Ask ``name``/``qtype``; returns (reply, queries sent).

        The reply is ``None`` when every attempt timed out. A SERVFAIL is retried (another server
        first) and returned if it persists; REFUSED moves to the next server without waiting; a
        malformed reply is retried once, then returned (``reply.malformed``).
        """
        return await self.resume(self.tries(name, qtype, rd=rd, servers=servers))

    async def ask(self, questions: Sequence[Tries]) -> list[tuple[Reply | None, int]]:
        """Make every question's tries concurrently: each one's (reply, queries sent), in order.

        As :meth:`resume` for each, with one future for all instead of a task each: every first
        try that has a rate slot is sent at once (:meth:`send_now`) and settled by its callback;
        a question that needs more (a retry, TCP, a slot) goes on as a task of its own. No task
        outlives the call (cancelled ones are awaited, as a task group would).
        """
        gathering = _Gathering(self, len(questions))
        for index, tries in enumerate(questions):
            if self.send_now(tries, partial(gathering.arrived, index, tries), gathering.failed):
                gathering.later(index, self.resume(tries))
        try:
            await gathering.done
        finally:
            for tries in questions:
                tries.abandon()
            await gathering.cancel()
        return gathering.results  # type: ignore[return-value]  # all set once done is

    async def after_truncated(self, tries: Tries, sent: int) -> tuple[Reply | None, int]:
        """Go on with ``tries`` after its try was truncated (``sent`` queries): TCP, then on."""
        tries.record(*await self.over_tcp(tries.server(), tries.wire, tries.rd, sent))
        return await self.resume(tries)

    async def resume(self, tries: Tries) -> tuple[Reply | None, int]:
        """Make ``tries``' remaining tries (see :meth:`query`): (reply, queries sent in all)."""
        while not tries.over:
            if tries.made:
                self.retried += 1
                last = tries.last
                if last is None or (last.rcode == wire.RCODE_SERVFAIL and not last.malformed):
                    await asyncio.sleep(
                        self.backoff * 2 ** (tries.made - 1) * random.uniform(0.5, 1.5)
                    )
            tries.record(*await self.attempt(tries.server(), tries.wire, tries.rd))
        return tries.last, tries.sent


class _Gathering:
    """The state of one :meth:`DnsClient.ask`: a result slot per question, one future for all."""

    def __init__(self, client: DnsClient, size: int) -> None:
        self.client = client
        self.results: list[tuple[Reply | None, int] | None] = [None] * size
        self.left = size
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.tasks: list[asyncio.Task[tuple[Reply | None, int]]] = []

    def settled(self, index: int, result: tuple[Reply | None, int]) -> None:
        self.results[index] = result
        self.left -= 1
        if not self.left and not self.done.done():
            self.done.set_result(None)

    def failed(self, error: BaseException) -> None:
        if not self.done.done():
            self.done.set_exception(error)

    def arrived(self, index: int, tries: Tries, reply: Reply | Truncated | None, sent: int) -> None:
        """The first try of question ``index`` ended (a channel's callback)."""
        if self.done.done():
            return
        try:
            if isinstance(reply, Truncated):
                self.later(index, self.client.after_truncated(tries, sent))
                return
            tries.record(reply, sent)
            if tries.over:
                self.settled(index, (tries.last, tries.sent))
            else:
                self.later(index, self.client.resume(tries))
        except BaseException as exc:
            self.failed(exc)

    def later(self, index: int, work: Coroutine[Any, Any, tuple[Reply | None, int]]) -> None:
        """Go on with question ``index`` as a task."""
        task = asyncio.get_running_loop().create_task(work)
        task.add_done_callback(partial(self._joined, index))
        self.tasks.append(task)

    def _joined(self, index: int, task: asyncio.Task[tuple[Reply | None, int]]) -> None:
        if task.cancelled():
            return
        error = task.exception()
        if self.done.done():
            return
        if error is not None:
            self.failed(error)
        else:
            self.settled(index, task.result())

    async def cancel(self) -> None:
        """Cancel the tasks still running, and wait until they have ended."""
        unfinished = [task for task in self.tasks if not task.done()]
        for task in unfinished:
            task.cancel()
        if unfinished:
            await asyncio.wait(unfinished)


class Truncated:
    """The type of :data:`TRUNCATED`."""

    __slots__ = ()


TRUNCATED = Truncated()
"""What :meth:`DnsClient.send_now` reports for a truncated UDP reply: the TCP retry is next."""


class Tries:
    """One question's tries so far: :meth:`DnsClient.query`'s state, kept in an object so that a
    try sent by a callback (:meth:`DnsClient.send_now`) can be continued by a coroutine
    (:meth:`DnsClient.resume`) with the same policy and counts.

    Invariant: ``over`` once a reply ends the question (see :meth:`record`) or ``limit`` tries
    were made; ``last`` is the latest reply (``None`` while every try timed out)."""

    __slots__ = ("flying", "last", "limit", "made", "malformed", "over", "pool", "rd", "sent",
                 "start", "wire")  # fmt: skip

    def __init__(
        self, wire: bytes, rd: bool, pool: tuple[NameServer, ...], start: int, limit: int
    ) -> None:
        self.wire = wire
        self.rd = rd
        self.pool = pool
        self.start = start
        self.limit = limit
        self.made = 0
        self.sent = 0
        self.malformed = 0
        self.last: Reply | None = None
        self.over = False
        self.flying: tuple[UdpChannel, int, Settle] | None = None
        """The try :meth:`DnsClient.send_now` sent, while in flight: :meth:`abandon` drops it."""

    def abandon(self) -> None:
        """Forget the try in flight, if any: its reply will be ignored and nothing counted."""
        if self.flying is not None:
            channel, qid, settle = self.flying
            channel.forget(qid, settle)
            self.flying = None

    def server(self) -> NameServer:
        """The server of the next try (the pool in rotation from a random start)."""
        return self.pool[(self.start + self.made) % len(self.pool)]

    def record(self, reply: Reply | None, sent: int) -> None:
        """Count one try (``sent`` queries) and decide whether the question is over: a reply
        other than SERVFAIL ends it (REFUSED only with one server left to ask), a second
        malformed reply ends it, a timeout does not."""
        self.made += 1
        self.sent += sent
        if reply is not None:
            self.last = reply
            if reply.malformed:
                self.malformed += 1
                self.over = self.malformed > 1
            elif reply.rcode != wire.RCODE_SERVFAIL and (
                reply.rcode != wire.RCODE_REFUSED or len(self.pool) == 1
            ):
                self.over = True
        if self.made >= self.limit:
            self.over = True


def _on_this_host(host: str) -> bool:
    """Whether ``host`` (an address) is a loopback address: a resolver on this machine."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _judge(pace: AdaptiveRate, ticket: Ticket, rcode: int) -> None:
    """Tell ``pace`` how the query went: SERVFAIL and REFUSED count as congestion."""
    if rcode in _CONGESTION:
        pace.failed(ticket, timeout=False)
    else:
        pace.answered(ticket)
