"""The rate limiters: a token bucket (GCRA, kept as one number), one bucket per server, and the
adaptive (AIMD) rate of a DNS server.

The bucket is used by every stage that must be polite to someone else's server (RDAP, WHOIS,
SMTP); :class:`AdaptiveRate` paces DNS queries to each resolver at the rate it keeps answering.
Both are loop-agnostic (no asyncio primitive is created in ``__init__``): a caller reserves its slot
synchronously, then sleeps until it, so one bucket can serve several event loops in turn.
Rates are in acquisitions (queries) per second; bursts in acquisitions.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import NamedTuple

from typorisk.errors import PolitenessError


class TokenBucket:
    """At most ``rate`` acquisitions per second on average, bursts of at most ``burst``.

    ``rate`` is in queries/s (> 0, or ``None`` for no limit); ``burst`` ≥ 1 queries.
    :meth:`pause` holds every caller back until a moment (a server's ``Retry-After``).
    """

    def __init__(
        self,
        rate: float | None = 1.0,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate is not None and rate <= 0:
            raise PolitenessError(f"rate must be > 0 queries/s (or None for no limit), not {rate}")
        if burst < 1:
            raise PolitenessError(f"burst must be at least 1, not {burst}")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tat = clock()  # theoretical arrival time of the next slot (GCRA)
        self._paused_until = 0.0

    def reserve(self) -> float:
        """Take the next slot; return the seconds to wait before using it (≥ 0)."""
        now = self._clock()
        start = max(now, self._paused_until)
        if self.rate is None:
            return start - now
        interval = 1.0 / self.rate
        tat = max(self._tat, start)  # idle time accrues at most ``burst`` slots (below)
        allowed = max(start, tat - (self.burst - 1) * interval)
        self._tat = tat + interval
        return allowed - now

    async def acquire(self) -> None:
        """Wait for a slot (sleeps; never busy-waits)."""
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)

    def pause(self, seconds: float) -> None:
        """Let no caller through for ``seconds`` from now (a 429 or a WHOIS quota message)."""
        self._paused_until = max(self._paused_until, self._clock() + max(0.0, seconds))

    def paused_for(self) -> float:
        """Seconds left of the current :meth:`pause` (0.0 when none): a caller whose budget is
        shorter can give up now instead of waiting."""
        return max(0.0, self._paused_until - self._clock())


class ServerBuckets:
    """One :class:`TokenBucket` per server name (host or base URL), created on first use."""

    def __init__(self, rate: float | None = 1.0, burst: int = 1) -> None:
        TokenBucket(rate, burst)  # validate now, before any lookup
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, TokenBucket] = {}

    def __getitem__(self, server: str) -> TokenBucket:
        bucket = self._buckets.get(server)
        if bucket is None:
            bucket = self._buckets[server] = TokenBucket(self.rate, self.burst)
        return bucket


class Ticket(NamedTuple):
    """What :meth:`AdaptiveRate.acquire` hands out: give it back with the query's outcome."""

    epoch: int
    """The controller's cut count when the query was sent (outcomes of older epochs are ignored:
    one cut per congestion episode, as TCP reduces once per window)."""
    rate: float
    """The allowed rate when the query was sent, queries/s."""


START_RATE = 2000.0
"""Queries/s a server gets at first: any resolver of an organisation answers that without effort,
and a public one (limiting clients around 1,000–1,500 q/s) is overshot by little before the
first cut."""
LOCAL_START_RATE = 16_000.0
"""Queries/s a resolver on this host (a loopback address) gets at first: the setup recommended for
bulk resolution, where no other client shares it and nothing limits the rate but its CPU (a
local Unbound answered dnsperf at 20k–120k q/s here). Resolving 7,426 dnstwist candidates
in-process against a local Unbound (loaded machine, warm cache) took 0.90–1.01 s starting at
2,000 and 0.54–0.68 s starting here: the slow start was a third of the run."""
FLOOR_RATE = 20.0
"""Queries/s below which no cut goes (a server that still answers gets at least this)."""
MAX_RATE = 1_000_000.0
"""Queries/s the controller stops growing at when no ceiling is given."""


class AdaptiveRate:
    """One server's allowed rate, found by AIMD (additive increase, multiplicative decrease).

    Pacing is the GCRA of :class:`TokenBucket` at the current rate; bursts are ``burst_time``
    seconds' worth of slots (at least ``burst``). Outcomes are counted in windows of at least
    ``window`` seconds and ``min_events`` outcomes (fewer would make one lost datagram in 20 look
    like congestion); at the end of each window:

    - **congestion** (the share of failures, i.e. timeouts, SERVFAIL and REFUSED, rose more than
      ``threshold`` above the lowest share of a window since the last cut, or timeouts alone exceed
      ``timeout_share``): the rate becomes ``decrease`` × the rate the failed queries were sent
      at (not the rate now: timeouts are seen ``timeout`` seconds late, and the rate may have
      grown meanwhile); at the first cut, × the most answers per second of a window if fewer.
      Outcomes of queries sent before a cut are then ignored.
    - **no congestion**, and callers had to wait for slots (the rate, not the caller, limited the
      sending): grow. Before the first cut the rate doubles every ``doubling`` seconds, by default
      once per window, the way TCP's slow start doubles once per round trip (doubling every 0.25 s
      instead cost ``typorisk resolve`` a third of its wall time on 7,426 names against a local
      Unbound, still ramping when the run ended); after it, it grows by ``increase`` × the rate
      right after the last cut per second. Growth never lifts the rate above ``answered_cap`` × the
      answers received per second in that window, so a server that silently drops what it cannot
      take stops the doubling within a window instead of after a timeout.

    A baseline of failures that does not grow with the rate (SERVFAIL of lame delegations among
    typo domains) does not cut the rate: only a rise above the minimum since the last cut does
    (a memory of the last few windows only would let a slow climb past the limit pass as a
    baseline). A baseline that rises for good costs one cut, after which it is the new minimum.

    Invariant: ``floor <= rate <= ceiling`` (``ceiling`` ``None``: :data:`MAX_RATE`), and over
    any interval of ``T`` seconds at most ``ceiling × T + burst slots`` are handed out.
    Rates are queries/s; times seconds of ``clock``.
    """

    def __init__(
        self,
        *,
        start: float = START_RATE,
        ceiling: float | None = None,
        floor: float = FLOOR_RATE,
        burst: int = 10,
        burst_time: float = 0.005,
        doubling: float = 0.1,
        increase: float = 0.25,
        decrease: float = 0.7,
        window: float = 0.1,
        min_events: int = 50,
        horizon: float = 0.05,
        threshold: float = 0.05,
        timeout_share: float = 0.2,
        answered_cap: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ceiling is not None and ceiling <= 0:
            raise PolitenessError(f"ceiling must be > 0 queries/s (or None), not {ceiling}")
        if start <= 0 or floor <= 0 or not 0 < decrease < 1:
            raise PolitenessError("start and floor must be > 0 queries/s, decrease in (0, 1)")
        self.ceiling = ceiling
        self._top = MAX_RATE if ceiling is None else ceiling
        self.floor = min(floor, self._top)
        self.rate = max(self.floor, min(start, self._top))
        """Allowed queries/s now."""
        self.peak = self.rate
        """Highest allowed queries/s so far."""
        self.cuts = 0
        """Multiplicative decreases so far."""
        self._burst, self._burst_time = burst, burst_time
        self._doubling, self._increase, self._decrease = doubling, increase, decrease
        self._window, self._min_events, self._horizon = window, min_events, horizon
        self._threshold, self._timeout_share, self._cap = threshold, timeout_share, answered_cap
        self._clock = clock
        self._tat = clock()
        self._slow_start = True
        self._after_cut = self.rate
        self._min_share = math.inf  # the lowest failure share of a window since the last cut
        self._best = 0.0
        self._start_window(clock())

    def _start_window(self, now: float) -> None:
        self._window_start = now
        self._ok = self._failed = self._timeouts = 0
        self._waited = False
        self._failed_rate = math.inf

    def _next_slot(self, now: float) -> tuple[float, float]:
        """(when the next slot may be used, the arrival time it starts from), without taking it."""
        interval = 1.0 / self.rate
        burst = max(self._burst, self.rate * self._burst_time)
        tat = max(self._tat, now)
        return max(now, tat - (burst - 1) * interval), tat

    def reserve(self) -> tuple[float, Ticket]:
        """Take the next slot: the seconds to wait before using it (≥ 0), and its ticket."""
        now = self._clock()
        allowed, tat = self._next_slot(now)
        self._tat = tat + 1.0 / self.rate
        if allowed > now:
            self._waited = True
        return allowed - now, Ticket(self.cuts, self.rate)

    def take_now(self) -> Ticket | None:
        """The next slot's ticket if it may be used now (taken), else ``None`` (nothing taken:
        then :meth:`acquire`). The hot path's shortcut: no coroutine when no wait is due."""
        now = self._clock()
        allowed, tat = self._next_slot(now)
        if allowed > now:
            return None
        self._tat = tat + 1.0 / self.rate
        return Ticket(self.cuts, self.rate)

    def wait_time(self) -> float:
        """Seconds until the next slot may be used (0.0: now), without taking it. A caller told
        to wait counts as waiting, as in :meth:`acquire`: the rate limited the sending, so it
        may grow."""
        now = self._clock()
        wait = self._next_slot(now)[0] - now
        if wait > 0:
            self._waited = True
        return max(0.0, wait)

    async def acquire(self) -> Ticket:
        """Wait for a slot (sleeps; never busy-waits); its ticket.

        A slot is reserved at most ``horizon`` seconds ahead: callers further back sleep first,
        so a cut applies to them (with hundreds of callers waiting, reservations made at the old
        rate would otherwise keep it for as many slots).
        """
        while (ahead := self._next_slot(now := self._clock())[0] - now) > self._horizon:
            self._waited = True
            await asyncio.sleep(ahead - self._horizon)
        wait, ticket = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)
        return ticket

    def answered(self, ticket: Ticket) -> None:
        """The query sent with ``ticket`` got a usable reply."""
        if ticket.epoch == self.cuts:
            self._ok += 1
            self._maybe_adjust()

    def failed(self, ticket: Ticket, *, timeout: bool) -> None:
        """The query sent with ``ticket`` timed out (``timeout``) or got SERVFAIL/REFUSED."""
        if ticket.epoch == self.cuts:
            self._failed += 1
            self._timeouts += timeout
            self._failed_rate = min(self._failed_rate, ticket.rate)
            self._maybe_adjust()

    def _maybe_adjust(self) -> None:
        events = self._ok + self._failed
        now = self._clock()
        elapsed = now - self._window_start
        if events < self._min_events or elapsed < self._window:
            return
        share = self._failed / events
        self._best = max(self._best, self._ok / elapsed)
        self._min_share = min(self._min_share, share)
        if share > self._min_share + self._threshold or (
            self._timeouts / events > self._timeout_share
        ):
            self._cut(self._best)
        elif self._waited:
            self._grow(elapsed)
        self._start_window(now)

    def _cut(self, delivered: float) -> None:
        # The rate to cut: what was being sent when the failures left; after the slow start's
        # overshoot, the most the server answered per second in a window if that is less (the
        # average would count the time callers sat waiting for their timeouts).
        base = min(self.rate, self._failed_rate)
        if self._slow_start:
            base = min(base, max(delivered, self.floor))
        self.rate = max(self.floor, min(self._top, base * self._decrease))
        self._after_cut = self.rate
        self._slow_start = False
        self.cuts += 1
        self._min_share = math.inf
        self._best = 0.0
        # GCRA tolerates (burst - 1) intervals of the *new* rate ahead of its arrival time: a
        # slower rate would release a burst right after the cut. No slot comes early after one.
        burst = max(self._burst, self.rate * self._burst_time)
        self._tat = max(self._tat, self._clock() + (burst - 1) / self.rate)

    def _grow(self, elapsed: float) -> None:
        if self._slow_start:
            grown = self.rate * 2 ** (elapsed / self._doubling)
        else:
            grown = self.rate + self._increase * self._after_cut * elapsed
        cap = max(self.rate, self._cap * self._ok / elapsed)
        self.rate = min(self._top, grown, cap)
        self.peak = max(self.peak, self.rate)
