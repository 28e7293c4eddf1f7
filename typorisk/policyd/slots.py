"""Connection slots of the policy server: who holds one, who is idle, who waits, who is evicted.

Invariants: at most ``limit`` connections hold a slot; a connection in the middle of a request
(its first line read, its reply not yet written) is never evicted; when the table is full, a
newcomer takes the slot of the connection that has been idle longest, so idle connections
(Postfix keeps one per smtpd process open for up to ``smtpd_policy_service_max_idle``) can
never starve new ones.

"Idle" means waiting for the next request after a reply, or, for a connection that has not
sent a full request yet, waiting for longer than ``grace`` seconds: a client that has just
connected usually has its first request in flight, and evicting it would reset a good request.
A connection evicted while its next request is in flight sees a reset; Postfix retries on a new
connection (``smtpd_policy_service_try_limit``, 2 by default).

When no connection can be evicted (all are busy or new), a newcomer waits in FIFO order, at most
``max_waiting`` of them, until a slot frees or a connection becomes evictable, up to its timeout.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable


class Conn:
    """One client connection as the slot table sees it."""

    __slots__ = ("answered", "close", "evicted", "since")

    def __init__(self, close: Callable[[], None], now: float) -> None:
        self.close = close
        """Closes the connection's transport (the handler then sees end of stream)."""
        self.since = now
        """Monotonic seconds: when it connected, or when its last reply was written."""
        self.answered = False
        """True once a reply was written: from then on it is evictable as soon as it idles."""
        self.evicted = False
        """True once its slot was given to a newcomer (or the server is shutting down)."""


class Slots:
    """The slot table: ``limit`` slots, idle connections ordered by how long they have idled."""

    def __init__(
        self,
        limit: int,
        grace: float,
        max_waiting: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        """Most connections holding a slot at once (≥ 1)."""
        self.max_waiting = max_waiting
        """Most newcomers waiting for a slot at once; more are refused at once."""
        self.grace = grace
        """Seconds a connection that has not been answered yet is protected from eviction."""
        self.clock = clock
        self.holders: set[Conn] = set()
        self.idle: dict[Conn, None] = {}
        """Slot holders waiting for a request, oldest idle first (insertion order)."""
        self.waiters: deque[asyncio.Future[None]] = deque()
        self.evictions = 0
        self.closing = False

    def __len__(self) -> int:
        return len(self.holders)

    def victim(self) -> Conn | None:
        """The connection idle longest that may be evicted now, or None."""
        now = self.clock()
        for conn in self.idle:
            if conn.answered or now - conn.since >= self.grace:
                return conn
        return None

    def _next_eligible(self) -> float | None:
        """Monotonic time at which an unanswered idle connection becomes evictable."""
        times = [c.since + self.grace for c in self.idle if not c.answered]
        return min(times) if times else None

    def evict(self, conn: Conn) -> None:
        """Take ``conn``'s slot away and close it (its handler ends at end of stream)."""
        conn.evicted = True
        self.idle.pop(conn, None)
        if conn in self.holders:
            self.holders.discard(conn)
            self.evictions += 1
        conn.close()

    def try_admit(self, conn: Conn) -> bool:
        """Give ``conn`` a slot now, evicting the longest-idle connection if full."""
        if self.closing:
            return False
        if len(self.holders) >= self.limit:
            victim = self.victim()
            if victim is None:
                return False
            self.evict(victim)
        self.holders.add(conn)
        self.idle[conn] = None
        return True

    async def admit(self, conn: Conn, timeout: float) -> bool:
        """Give ``conn`` a slot, waiting up to ``timeout`` seconds; False when none came (or
        too many are already waiting, or the server is closing)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self.try_admit(conn):
            if self.closing or len(self.waiters) >= self.max_waiting or loop.time() >= deadline:
                return False
            wake = deadline
            eligible = self._next_eligible()
            if eligible is not None:  # the clock is monotonic like the loop's: same base
                wake = min(wake, loop.time() + max(0.0, eligible - self.clock()) + 0.001)
            future: asyncio.Future[None] = loop.create_future()
            self.waiters.append(future)
            try:
                async with asyncio.timeout_at(wake):
                    await future
            except TimeoutError:
                pass
            finally:
                if future in self.waiters:
                    self.waiters.remove(future)
        return True

    def _wake_one(self) -> None:
        while self.waiters:
            future = self.waiters.popleft()
            if not future.done():
                future.set_result(None)
                return

    def mark_idle(self, conn: Conn) -> None:
        """``conn`` now waits for its next request (after a reply, or right after admission)."""
        if conn.evicted:
            return
        if conn.answered:
            conn.since = self.clock()
            self.idle[conn] = None
            self._wake_one()
        else:
            self.idle.setdefault(conn, None)

    def mark_busy(self, conn: Conn) -> None:
        """``conn`` has started sending a request: it may no longer be evicted."""
        self.idle.pop(conn, None)

    def release(self, conn: Conn) -> None:
        """``conn`` has ended: free its slot for a waiter."""
        self.idle.pop(conn, None)
        if conn in self.holders:
            self.holders.discard(conn)
            self._wake_one()

    def shut(self) -> None:
        """Refuse newcomers, wake every waiter (they give up), close every idle connection."""
        self.closing = True
        for future in self.waiters:
            if not future.done():
                future.set_result(None)
        for conn in list(self.idle):
            conn.evicted = True
            self.idle.pop(conn, None)
            conn.close()
