"""A DNS client for many names at once: adaptive rate per server, retries, TCP fallback.

Each server's rate is found as it goes (:class:`typorisk.kit.rate.AdaptiveRate`, AIMD): it starts
at :data:`~typorisk.kit.rate.START_RATE` (a resolver on this host at
:data:`~typorisk.kit.rate.LOCAL_START_RATE`), grows while answers keep coming, and is cut to 70%
on a rise of timeouts, SERVFAIL or REFUSED. ``rate`` is only its ceiling. The retry policy is the
same either way: a query whose tries all time out ends with no reply (``unknown``), never
NXDOMAIN.

The client is the object injected into the engine (tests inject one pointed at local servers). It
owns the sockets: use it as ``async with DnsClient(servers) as client``. It is the I/O half of a
question: the policy (which server next, when to back off, truncation to TCP, when to give up)
is :class:`~typorisk.resolve.question.Question`'s, and the client sends what it asks, feeds back
what came and counts it (:mod:`typorisk.resolve.stats`). Its surface: :meth:`~DnsClient.question`
makes a question, :meth:`~DnsClient.run` drives one to its :class:`~typorisk.resolve.question.Done`,
:meth:`~DnsClient.query` does both, :meth:`~DnsClient.ask` runs several at once, and
:meth:`~DnsClient.start` sends a first try from a callback (the engine's fast path).

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
import random
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from functools import partial
from types import TracebackType
from typing import Any, NamedTuple

from typorisk.errors import ResolverConfigError
from typorisk.kit.rate import LOCAL_START_RATE, START_RATE, AdaptiveRate, Ticket
from typorisk.resolve import wire
from typorisk.resolve.question import Done, Question, RetryPolicy, Send, read_reply
from typorisk.resolve.records import ServerStats
from typorisk.resolve.stats import MALFORMED_RCODE, QueryCounts, QueryEvent, Tally
from typorisk.resolve.transport import NameServer, Reply, Settle, UdpChannel, tcp_exchange

RCODE_NAMES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


RATE_BURST = 10
"""Queries a server may get at once after an idle spell (at least; see ``AdaptiveRate``)."""
INCREASE_PER_TIMEOUT = 0.2
"""After a cut, the rate grows by this share of the rate after the cut per ``timeout`` seconds
(at most half of it per second): losses are seen one timeout late, so the rate may overshoot
the server's limit by this share before the next cut. The mean of the saw-tooth (about 3/4 of
the limit) does not depend on it; only the period does."""
_RCODE_KEYS = {code: name for code, name in RCODE_NAMES.items()}
"""rcode → the name it is counted under (others: the number as text)."""
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
        self._policy = RetryPolicy(retries + 1, timeout, backoff)
        self._channels: dict[NameServer, asyncio.Task[UdpChannel]] = {}
        self._open: dict[NameServer, UdpChannel] = {}
        """The sockets opened so far, each once its query awaited it (the hot path takes them
        from here without awaiting their task; no query was sent on a socket not here)."""
        self._paces: dict[NameServer, AdaptiveRate] = {}
        self._tally = Tally()
        """Every counter of this client (:meth:`stats`, :meth:`server_stats`)."""
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
        return self._tally.servers(self._paces)

    def stats(self) -> QueryCounts:
        """The totals so far over every server (a frozen snapshot)."""
        return self._tally.totals()

    async def connect(self) -> None:
        """Open the default servers' sockets now (each is otherwise opened by its first query),
        so that :meth:`start` can send the first queries too. A socket that cannot be opened
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
        channel.pace = self._pace(server)
        self._open[server] = channel
        return channel

    def _pace(self, server: NameServer) -> AdaptiveRate:
        """``server``'s rate controller, made on first use."""
        pace = self._paces.get(server)
        if pace is None:
            start = self.start_rate or (
                LOCAL_START_RATE if _on_this_host(server.host) else START_RATE
            )
            pace = self._paces[server] = AdaptiveRate(
                start=start * self.share,
                ceiling=self.rate,
                burst=RATE_BURST,
                increase=min(0.5, INCREASE_PER_TIMEOUT / self.timeout),
            )
        return pace

    # -- questions ------------------------------------------------------------------------------

    def question(
        self,
        name: str,
        qtype: int,
        *,
        rd: bool = True,
        servers: Sequence[NameServer] | None = None,
        name_wire: bytes | None = None,
        tries: int | None = None,
    ) -> Question:
        """A new question with this client's policy (``retries + 1`` tries unless ``tries``),
        its servers (``servers``, else the client's) from a random one. ``name_wire``: ``name``
        already encoded (:func:`wire.encode_name`). Raises ``ValueError`` for a name that
        cannot be asked."""
        pool = self.servers if servers is None else tuple(servers)
        start = random.randrange(len(pool)) if len(pool) > 1 else 0
        policy = self._policy if tries is None else replace(self._policy, tries=tries)
        return Question(wire.question(name, qtype, name_wire), rd, pool, start, policy)

    async def query(
        self,
        name: str,
        qtype: int,
        *,
        rd: bool = True,
        servers: Sequence[NameServer] | None = None,
    ) -> Done:
        """Ask ``name``/``qtype`` until the policy ends (:mod:`typorisk.resolve.question`):
        the final reply (``None`` when every try timed out) and the queries sent."""
        return await self.run(self.question(name, qtype, rd=rd, servers=servers))

    async def run(self, question: Question) -> Done:
        """Make ``question``'s remaining tries, as its state machine says."""
        while True:
            action = question.next_attempt()
            if isinstance(action, Send):
                if action.retry:
                    self._tally.note(self._tally.row(action.server), QueryEvent.RETRY)
                if action.tcp:
                    await self._over_tcp(question, action)
                else:
                    await self._over_udp(question, action)
            elif isinstance(action, Done):
                return action
            else:
                await asyncio.sleep(action.seconds)

    async def ask(self, questions: Sequence[Question]) -> list[Done]:
        """Make every question's tries concurrently: each one's result, in order.

        One future for all instead of a task each: every first try that has a rate slot is sent
        at once (:meth:`start`) and settled by its callback; a question that needs more (a
        retry, TCP, a slot) goes on as a task of its own (:meth:`run`). No task outlives the
        call (cancelled ones are awaited, as a task group would).
        """
        gathering = _Gathering(self, len(questions))
        for index, question in enumerate(questions):
            started = self.start(question, partial(gathering.arrived, index), gathering.failed)
            if isinstance(started, Flight):
                gathering.flights.append(started)
            else:
                gathering.later(index, self.run(question))
        try:
            await gathering.done
        finally:
            for flight in gathering.flights:
                flight.abandon()
            await gathering.cancel()
        return gathering.results  # type: ignore[return-value]  # all set once done is

    def start(
        self,
        question: Question,
        ended: Callable[[Question], None],
        failed: Callable[[BaseException], None],
    ) -> Started:
        """Send ``question``'s next try at once, from a callback, when it is a UDP try and its
        server's socket is open and has a rate slot now.

        Returns a :class:`Flight` when sent: ``ended(question)`` is called once the try has
        ended and been fed to ``question`` (then ``question.done``, or :meth:`run` goes on);
        ``failed(error)`` instead if that raised (a bug: the error is the caller's to raise).
        Otherwise nothing was sent or counted: :class:`NoSlot` (seconds until the server has a
        slot, > 0) or :data:`NEEDS_TASK` (only :meth:`run` can go on: a wait, TCP, a socket
        not open yet).

        The callback form of :meth:`run`'s step, for the engine's first question of each name
        (:mod:`typorisk.resolve.pump`) and :meth:`ask`: no task and no future for a query whose
        reply settles its question."""
        server = question.udp_now()
        if server is None:
            return NEEDS_TASK
        channel = self._open.get(server)
        if channel is None:
            return NEEDS_TASK
        pace = self._paces[server]
        ticket = pace.take_now()
        if ticket is None:
            return NoSlot(pace.wait_time() or 1e-4)
        tally = self._tally
        row = tally.row(server)

        def settle(data: bytes | None, resent: bool) -> None:
            try:
                self._udp_ended(question, row, pace, ticket, data, resent=resent)
            except BaseException as exc:
                failed(exc)
                return
            ended(question)

        qid = channel.send(question.wire, rd=question.rd, timeout=question.policy.timeout,
                           settle=settle, ticket=ticket)  # fmt: skip
        if qid is None:
            return NEEDS_TASK  # not sent (a closed socket): run counts it
        if question.made:
            tally.note(row, QueryEvent.RETRY)
        tally.note(row, QueryEvent.SENT)
        return Flight(channel, qid, settle)

    # -- one try --------------------------------------------------------------------------------

    async def _over_udp(self, question: Question, action: Send) -> None:
        """Send one UDP query as ``action`` says and feed its end to ``question``."""
        server = action.server
        pace = self._pace(server)
        ticket = pace.take_now() or await pace.acquire()
        channel = self._open.get(server) or await self._channel(server)
        row = self._tally.row(server)
        self._tally.note(row, QueryEvent.SENT)
        if channel is None:
            self._tally.note(row, QueryEvent.TIMEOUT)
            question.on_timeout()
            return
        data, resent = await channel.exchange(
            question.wire, rd=question.rd, timeout=action.timeout, ticket=ticket
        )
        self._udp_ended(question, row, pace, ticket, data, resent=resent)

    def _udp_ended(
        self,
        question: Question,
        row: list[int],
        pace: AdaptiveRate,
        ticket: Ticket,
        data: bytes | None,
        *,
        resent: bool,
    ) -> None:
        """A UDP query's end (``data``; sent twice if ``resent``): counted, told to the rate
        controller (unless resent: the loss was reported at the resend), fed to ``question``;
        ``row``: the server's counters."""
        tally = self._tally
        if resent:
            tally.note(row, QueryEvent.RESENT)
        reply = None if data is None else read_reply(data, question.wire, tcp=False)
        if reply is None:
            tally.note(row, QueryEvent.TIMEOUT)
            if not resent:
                pace.failed(ticket, timeout=True)
            question.on_timeout(resent=resent)
            return
        rcode = reply.header.rcode
        if not resent:
            if rcode in _CONGESTION:
                pace.failed(ticket, timeout=False)
            else:
                pace.answered(ticket)
        if reply.header.flags & wire.FLAG_TC:
            tally.note(row, QueryEvent.REPLY)  # unchecked: its TCP retry is counted
        elif reply.malformed:
            tally.note(row, QueryEvent.REPLY, MALFORMED_RCODE)
        else:
            tally.note(row, QueryEvent.REPLY, _RCODE_KEYS.get(rcode) or str(rcode))
        question.on_reply(reply, resent=resent)

    async def _over_tcp(self, question: Question, action: Send) -> None:
        """Send one TCP query as ``action`` says and feed its end to ``question``."""
        server = action.server
        self._pace(server)
        row = self._tally.row(server)
        self._tally.note(row, QueryEvent.SENT_TCP)
        data = await tcp_exchange(server, question.wire, rd=question.rd, timeout=action.timeout)
        reply = None if data is None else read_reply(data, question.wire, tcp=True)
        if reply is None:
            self._tally.note(row, QueryEvent.TIMEOUT)
            question.on_timeout()
            return
        self._tally.note(row, QueryEvent.REPLY, _rcode_name(reply))
        question.on_reply(reply)


class Flight:
    """A try :meth:`DnsClient.start` sent: query ``qid`` on ``channel``, ended by ``settle``."""

    __slots__ = ("channel", "qid", "settle")

    def __init__(self, channel: UdpChannel, qid: int, settle: Settle) -> None:
        self.channel = channel
        self.qid = qid
        self.settle = settle

    def abandon(self) -> None:
        """Forget the try if still in flight: its reply will be ignored and nothing counted
        (nothing happens once it has ended)."""
        self.channel.forget(self.qid, self.settle)


class NoSlot(NamedTuple):
    """:meth:`DnsClient.start` sent nothing: the server has a rate slot in ``wait`` seconds."""

    wait: float


class NeedsTask:
    """The type of :data:`NEEDS_TASK`."""

    __slots__ = ()


NEEDS_TASK = NeedsTask()
""":meth:`DnsClient.start` sent nothing: only :meth:`DnsClient.run` can go on."""

Started = Flight | NoSlot | NeedsTask
"""What :meth:`DnsClient.start` did."""


class _Gathering:
    """The state of one :meth:`DnsClient.ask`: a result slot per question, one future for all."""

    def __init__(self, client: DnsClient, size: int) -> None:
        self.client = client
        self.results: list[Done | None] = [None] * size
        self.left = size
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.tasks: list[asyncio.Task[Done]] = []
        self.flights: list[Flight] = []

    def settled(self, index: int, result: Done) -> None:
        self.results[index] = result
        self.left -= 1
        if not self.left and not self.done.done():
            self.done.set_result(None)

    def failed(self, error: BaseException) -> None:
        if not self.done.done():
            self.done.set_exception(error)

    def arrived(self, index: int, question: Question) -> None:
        """The first try of question ``index`` ended (a channel's callback)."""
        if self.done.done():
            return
        try:
            done = question.done
            if done is None:
                self.later(index, self.client.run(question))
            else:
                self.settled(index, done)
        except BaseException as exc:
            self.failed(exc)

    def later(self, index: int, work: Coroutine[Any, Any, Done]) -> None:
        """Go on with question ``index`` as a task."""
        task = asyncio.get_running_loop().create_task(work)
        task.add_done_callback(partial(self._joined, index))
        self.tasks.append(task)

    def _joined(self, index: int, task: asyncio.Task[Done]) -> None:
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


def _rcode_name(reply: Reply) -> str:
    """The name under which a checked reply is counted (``MALFORMED`` when it is)."""
    if reply.malformed:
        return MALFORMED_RCODE
    return RCODE_NAMES.get(reply.header.rcode, str(reply.header.rcode))


def _on_this_host(host: str) -> bool:
    """Whether ``host`` (an address) is a loopback address: a resolver on this machine."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
