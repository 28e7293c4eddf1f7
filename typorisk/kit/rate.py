"""The one rate limiter: a token bucket (GCRA, kept as one number) and one bucket per server.

Used by every stage that must be polite to someone else's server (RDAP, WHOIS, SMTP). Buckets
are loop-agnostic (no asyncio primitive is created in ``__init__``): a caller reserves its slot
synchronously, then sleeps until it, so one bucket can serve several event loops in turn.
Rates are in acquisitions (queries) per second; bursts in acquisitions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

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
