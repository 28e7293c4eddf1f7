"""The engine's one driver: names from the input to the consumer, most settled by callbacks.

Most names of a typo scan do not exist, and one NXDOMAIN settles them: ``NS`` of the name,
decided from the header (:mod:`typorisk.resolve.scanner`). A worker task per name would put each
such query through several coroutine frames, a task wake-up and a future, and on a host that
also runs the resolver that CPU is the scan's speed; the pump settles it from callbacks instead
(``tests/benchmarks/bench_resolve.py`` measures the engine; figures in
``tests/benchmarks/README.md``).

The pump keeps ``concurrency`` names in flight. Each input enters once, as an
:class:`~typorisk.resolve.names.Item` (:func:`~typorisk.resolve.names.item_of`). A name that
needs no query (it cannot be asked, or the budget is spent) is settled at once. When the engine
is :attr:`~typorisk.resolve.protocol.Engine.fast` (recursive mode, no budget), the pump sends a
name's first try from a callback (:meth:`DnsClient.start`), and the reply's callback settles the
name (NXDOMAIN, or unknown after the last try) and starts the next one. Everything else goes on
as a task on the engine's coroutine path, with the same policy and counts
(:meth:`ResolveScan.recursive` continues the same :class:`~typorisk.resolve.question.Question`):
a name that exists (its records and wildcard probes), a retry (after a timeout, SERVFAIL,
REFUSED or a malformed reply: with backoff), a truncated reply (TCP), a server whose socket
could not be opened, and every name in authoritative mode or under a budget. When the server's
rate has no slot, the pump holds the next name and sets one timer for the slot (the ceiling and
the adaptive rate hold as on the coroutine path, where a try without a slot waits in
:meth:`~typorisk.kit.rate.AdaptiveRate.acquire`).

The input is an iterator, read as names are started, or an asynchronous iterable (names
arriving over a pipe, :mod:`~typorisk.resolve.shards`), read by :meth:`Pump.feed` into a buffer
of at most ``concurrency`` items.

Invariants: every item comes out exactly once (:meth:`ResolveScan.hand_out`); at most
``concurrency`` names are in flight; no name is started while the consumer is
:data:`~typorisk.resolve.scanner.OUT_HIGH` results behind; an error of the engine ends
:attr:`Pump.done` with that error (no callback swallows it); an error of an asynchronous input
ends :meth:`Pump.feed`'s task with it (its task group then ends the run).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterable, Coroutine, Iterator
from functools import partial
from typing import Any, cast

import dns.rdatatype

from typorisk.resolve.client import DnsClient, Flight, NoSlot
from typorisk.resolve.names import Item, item_of
from typorisk.resolve.protocol import Engine
from typorisk.resolve.question import Question
from typorisk.resolve.records import Resolution

NS = dns.rdatatype.NS
MIN_WAIT = 0.001
"""Seconds the pump waits at least for a rate slot (the loop's timers are this precise)."""
_SETTLED = object()
_NONE = object()

Next = tuple[Item[object], Question | None]
"""A name to start: its item, and its first question when it goes by callback."""


class Pump:
    """Drives one run's names over ``scan``.

    ``fill`` starts names; each name ends in :meth:`_out`, which starts the next. ``done`` is
    set when the input is exhausted and no name is in flight (or to the first error)."""

    def __init__(self, scan: Engine, out: asyncio.Queue[object], group: asyncio.TaskGroup) -> None:
        self.scan = scan
        self.client: DnsClient = scan.client
        self.out = out
        self.group = group
        """Holds the names on tasks (and :meth:`feed`): none outlives the run."""
        self._fast = scan.fast
        """Names start by callback (fixed for the run)."""
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._iterator: Iterator[object] | None = None
        """A synchronous input, read as names start."""
        self._buffer: deque[object] = deque()
        """Items of an asynchronous input, read ahead by :meth:`feed`."""
        self._space = asyncio.Event()
        """Set while :attr:`_buffer` has room for :meth:`feed`."""
        self._fed = False
        """:meth:`feed` has read its whole input."""
        self._busy = 0
        """Names in flight (sent, or on a task)."""
        self._flying: dict[Question, Flight] = {}
        """First tries in flight that the pump sent (abandoned at :meth:`close`)."""
        self._held: Next | None = None
        """The next name, made but not sent: its server had no rate slot."""
        self._timer: asyncio.TimerHandle | None = None
        """Calls :meth:`fill` when the held name's server has a slot."""
        self._exhausted = False
        self._filling = False
        self._refill = False
        self._closed = False

    def read(self, items: Iterator[object]) -> None:
        """Take the names from ``items`` (synchronous: read as names start)."""
        self._iterator = items

    async def feed(self, items: AsyncIterable[object]) -> None:
        """Read ``items`` (asynchronous) into the buffer, at most ``concurrency`` ahead of the
        names started. An error of the input propagates."""
        limit = self.scan.concurrency
        async for source in items:
            self._buffer.append(source)
            self.fill()
            if len(self._buffer) >= limit:
                self._space.clear()
                await self._space.wait()
        self._fed = True
        self.fill()

    def fill(self) -> None:
        """Start names until ``concurrency`` are in flight, the input ends or has nothing ready,
        the consumer is too far behind (``scan.room`` cleared: the engine calls this again once
        it is set), or the server has no rate slot (a timer calls this again when it has)."""
        if self._filling or self._closed:
            return
        self._filling = True
        try:
            room = self.scan.room
            limit = self.scan.concurrency
            while self._busy < limit and room.is_set():
                held, self._held = self._held, None
                nxt = held or self._take()
                if nxt is None:
                    break
                if nxt is _SETTLED:
                    continue  # a name settled without a query, counted against room
                item, question = cast(Next, nxt)
                if question is None:
                    self._busy += 1
                    self._task(item, self.scan.settle(item))
                    continue
                started = self.client.start(question, partial(self._first, item), self._fail)
                if isinstance(started, Flight):
                    self._busy += 1
                    self._flying[question] = started
                elif isinstance(started, NoSlot):  # this name goes first when there is a slot
                    self._held = (item, question)
                    if self._timer is None:
                        loop = asyncio.get_running_loop()
                        self._timer = loop.call_later(max(started.wait, MIN_WAIT), self._wake)
                    break
                else:
                    self._busy += 1
                    self._task(item, self.scan.recursive(item, item.name or "", question))
        except BaseException as exc:
            self._fail(exc)
        finally:
            self._filling = False
        if self._exhausted and not self._busy and not self.done.done():
            self.done.set_result(None)

    def _take(self) -> Next | object | None:
        """The next name: its item and first question (``None``: it goes on a task); or
        :data:`_SETTLED` when it was settled without a query; ``None`` when no input is ready
        (:attr:`_exhausted` once there will be none)."""
        source = self._next_source()
        if source is _NONE:
            return None
        item = item_of(source)
        name = item.name
        if name is None or not self._fast:  # the fast engine has no budget to check
            settled = self.scan.at_once(item)
            if settled is not None:
                self._busy += 1
                self._out(item, settled)
                return _SETTLED
            return item, None
        return item, self.client.question(name, NS, name_wire=item.name_wire)

    def _next_source(self) -> object:
        """The next input item, or :data:`_NONE` (none ready, or none left: ``_exhausted``)."""
        if self._iterator is not None:
            for source in self._iterator:
                return source
            self._exhausted = True
            return _NONE
        buffer = self._buffer
        if buffer:
            source = buffer.popleft()
            if len(buffer) < self.scan.concurrency:
                self._space.set()
            return source
        if self._fed:
            self._exhausted = True
        return _NONE

    def _wake(self) -> None:
        self._timer = None
        self.fill()

    def close(self) -> None:
        """Stop: no name is started, replies still to come are ignored and not counted."""
        self._closed = True
        self._space.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for flight in self._flying.values():
            flight.abandon()
        self._flying.clear()
        if self.done.done() and not self.done.cancelled():
            self.done.exception()  # retrieved: the task group reports a task's error itself

    def _first(self, item: Item[object], question: Question) -> None:
        """The first try's end (a channel's callback): settle the name, or hand it to a task
        (a retry, TCP after a truncated reply, or the records of a name that exists)."""
        if self._closed:
            return
        try:
            del self._flying[question]
            name = item.name or ""
            if not question.over:
                self._task(item, self.scan.recursive(item, name, question))
                return
            reply, sent = question.last, question.sent
            decided = self.scan.decide(name, reply, sent)
            if isinstance(decided, Resolution):
                self._out(item, decided)
            else:
                self._task(item, self.scan.existing(item, name, decided, first=reply, sent=sent))
        except BaseException as exc:
            self._fail(exc)

    def _task(self, item: Item[object], work: Coroutine[Any, Any, Resolution]) -> None:
        task = self.group.create_task(work)
        task.add_done_callback(partial(self._joined, item))

    def _joined(self, item: Item[object], task: asyncio.Task[Resolution]) -> None:
        if self._closed or task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._fail(error)
            return
        self._out(item, task.result())

    def _out(self, item: Item[object], result: Resolution) -> None:
        """One name settled: hand it out and start the next."""
        self._busy -= 1
        self.scan.hand_out(item.source, result, self.out)
        if not self._refill:
            self._refill = True
            asyncio.get_running_loop().call_soon(self._refilled)

    def _refilled(self) -> None:
        self._refill = False
        self.fill()

    def _fail(self, error: BaseException) -> None:
        self._closed = True
        if not self.done.done():
            self.done.set_exception(error)
