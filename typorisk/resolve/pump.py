"""The engine's driver for the common case: each name's first question by callbacks, no task.

Most names of a typo scan do not exist, and one NXDOMAIN settles them: ``NS`` of the name,
decided from the header (:mod:`typorisk.resolve.engine`). A worker task per name would put each
such query through several coroutine frames, a task wake-up and a future, and on a host that
also runs the resolver that CPU is the scan's speed; the pump settles it from callbacks instead
(``tests/benchmarks/bench_resolve.py`` measures the engine; figures in
``tests/benchmarks/README.md``).

The pump keeps ``concurrency`` names in flight without a task for them: it sends a name's first
try from a callback (:meth:`DnsClient.start`), and the reply's callback settles the name
(NXDOMAIN, or unknown after the last try) and starts the next one. Everything else goes on as a
task on the engine's coroutine path, with the same policy and counts
(:meth:`ResolveScan.recursive` continues the same :class:`~typorisk.resolve.question.Question`):
a name that exists (its records and wildcard probes), a retry (after a timeout, SERVFAIL,
REFUSED or a malformed reply: with backoff), a truncated reply (TCP), a server whose socket
could not be opened. When the server's rate has no slot, the pump holds the next name and sets
one timer for the slot (the ceiling and the adaptive rate hold as on the coroutine path, where
a try without a slot waits in :meth:`~typorisk.kit.rate.AdaptiveRate.acquire`).

Invariants: every item comes out exactly once (:meth:`ResolveScan.hand_out`); at most
``concurrency`` names are in flight; no name is started while the consumer is
:data:`~typorisk.resolve.engine.OUT_HIGH` results behind; an error of the input or of the engine
ends :attr:`Pump.done` with that error (no callback swallows it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from functools import partial
from typing import Any, Protocol, cast

import dns.rdatatype

from typorisk.model import Candidate
from typorisk.resolve.client import DnsClient, Flight, NoSlot
from typorisk.resolve.names import normalised
from typorisk.resolve.question import Question
from typorisk.resolve.records import Mail, Outcome, Registration, Resolution
from typorisk.resolve.transport import Reply


class Scan(Protocol):
    """What the pump drives: :class:`~typorisk.resolve.engine.ResolveScan` (a protocol, so that
    this module does not import the engine that imports it)."""

    client: DnsClient
    concurrency: int

    @property
    def room(self) -> asyncio.Event: ...

    def hand_out(self, item: object, result: Resolution, out: asyncio.Queue[object]) -> None: ...

    def decide(self, name: str, reply: Reply | None, sent: int) -> Resolution | Outcome: ...

    def recursive(
        self, item: str | Candidate, name: str, question: Question | None = None
    ) -> Coroutine[Any, Any, Resolution]: ...

    def existing(
        self, item: str | Candidate, name: str, outcome: Outcome, *, first: Reply | None,
        sent: int,
    ) -> Coroutine[Any, Any, Resolution]: ...  # fmt: skip


NS = dns.rdatatype.NS
MIN_WAIT = 0.001
"""Seconds the pump waits at least for a rate slot (the loop's timers are this precise)."""
_SETTLED = object()


class Pump:
    """Drives one run's names over ``scan`` (recursive mode, no budget).

    ``fill`` starts names; each name ends in :meth:`_out`, which starts the next. ``done`` is
    set when the input is exhausted and no name is in flight (or to the first error)."""

    def __init__(
        self,
        scan: Scan,
        items: Iterator[Any],
        out: asyncio.Queue[object],
        group: asyncio.TaskGroup,
    ) -> None:
        self.scan = scan
        self.client = scan.client
        self.items = items
        self.out = out
        self.group = group
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._busy = 0
        """Names in flight (sent, or on a task)."""
        self._flying: dict[Question, Flight] = {}
        """First tries in flight that the pump sent (abandoned at :meth:`close`)."""
        self._held: tuple[Any, str, Question] | None = None
        """The next name, made but not sent: its server had no rate slot."""
        self._timer: asyncio.TimerHandle | None = None
        """Calls :meth:`fill` when the held name's server has a slot."""
        self._exhausted = False
        self._filling = False
        self._refill = False
        self._closed = False

    def fill(self) -> None:
        """Start names until ``concurrency`` are in flight, the input ends, the consumer is too
        far behind (``scan.room`` cleared: the engine calls this again once it is set), or the
        server has no rate slot (a timer calls this again when it has)."""
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
                if not isinstance(nxt, tuple):
                    continue  # _SETTLED: a name that cannot be asked, counted against room
                item, name, question = cast(tuple[Any, str, Question], nxt)
                first = partial(self._first, item, name)
                started = self.client.start(question, first, self._fail)
                if isinstance(started, Flight):
                    self._busy += 1
                    self._flying[question] = started
                elif isinstance(started, NoSlot):  # this name goes first when there is a slot
                    self._held = (item, name, question)
                    if self._timer is None:
                        loop = asyncio.get_running_loop()
                        self._timer = loop.call_later(max(started.wait, MIN_WAIT), self._wake)
                    break
                else:
                    self._busy += 1
                    self._task(item, self.scan.recursive(item, name, question))
        except BaseException as exc:
            self._fail(exc)
        finally:
            self._filling = False
        if self._exhausted and not self._busy and not self.done.done():
            self.done.set_result(None)

    def _take(self) -> tuple[Any, str, Question] | object | None:
        """The next item of the input: a name that can be asked, with its question; or
        :data:`_SETTLED` when it cannot be asked (settled now: ``error``); ``None`` when the
        input is exhausted."""
        for item in self.items:
            raw = item.blocked if isinstance(item, Candidate) else item
            found = normalised(raw)
            if found is None:
                self._busy += 1
                bad = Resolution(raw, Registration.UNKNOWN, Outcome.ERROR, Mail.UNKNOWN)
                self._out(item, bad)
                return _SETTLED
            name, name_wire = found
            return item, name, self.client.question(name, NS, name_wire=name_wire)
        self._exhausted = True
        return None

    def _wake(self) -> None:
        self._timer = None
        self.fill()

    def close(self) -> None:
        """Stop: no name is started, replies still to come are ignored and not counted."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for flight in self._flying.values():
            flight.abandon()
        self._flying.clear()
        if self.done.done() and not self.done.cancelled():
            self.done.exception()  # retrieved: the task group reports a task's error itself

    def _first(self, item: str | Candidate, name: str, question: Question) -> None:
        """The first try's end (a channel's callback): settle the name, or hand it to a task
        (a retry, TCP after a truncated reply, or the records of a name that exists)."""
        if self._closed:
            return
        try:
            del self._flying[question]
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

    def _task(self, item: str | Candidate, work: Coroutine[Any, Any, Resolution]) -> None:
        task = self.group.create_task(work)
        task.add_done_callback(partial(self._joined, item))

    def _joined(self, item: str | Candidate, task: asyncio.Task[Resolution]) -> None:
        if self._closed or task.cancelled():
            return
        error = task.exception()
        if error is not None:
            self._fail(error)
            return
        self._out(item, task.result())

    def _out(self, item: str | Candidate, result: Resolution) -> None:
        """One name settled: hand it out and start the next."""
        self._busy -= 1
        self.scan.hand_out(item, result, self.out)
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
