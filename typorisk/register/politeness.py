"""Politeness towards registries: ``Retry-After``. The per-server token buckets are
:mod:`typorisk.kit.rate` (registries publish no standard rate limit; about one query per second
per server is polite, the default).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time

from typorisk.kit.rate import TokenBucket

MAX_RETRY_AFTER = 120.0
"""Longest pause put on a server after a 429, in seconds (a ``Retry-After: 99999`` pauses it this
long). A query waits out a pause only when it ends within the query's own budget; otherwise the
name is unknown at once (``rate-limited by server HOST``)."""


async def polite_slot(bucket: TokenBucket, deadline: float) -> bool:
    """Wait for the server's next slot; ``False`` at once when the server is paused past
    ``deadline`` (``time.monotonic()`` seconds), also when the pause came while waiting (a
    429 to another query of the same server). ``True``: send now."""
    while True:
        if bucket.paused_for() > deadline - time.monotonic():
            return False
        await bucket.acquire()
        if bucket.paused_for() <= 0.0:
            return True


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date; RFC 9110).

    Returns ``None`` when absent or unparseable; never negative. ``now`` (UTC) is for HTTP dates.
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())
