"""The one place the CT reader speaks HTTP: a bounded, rate-limited GET per log.

Built on :func:`typorisk.register.http.fetch` (same-scheme redirects only, a capped body, one
timeout per exchange). Every request of a log first takes a slot of that log's
:class:`~typorisk.kit.rate.TokenBucket`, so a poll never sends more than ``rate`` requests per
second to one log. A transport failure becomes :class:`~typorisk.errors.CTLogError` for the log.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from typorisk.errors import CTLogError, FetchError
from typorisk.kit.rate import TokenBucket
from typorisk.register.http import HttpReply, fetch
from typorisk.watch.ct_types import CTLog

MAX_RESPONSE_BYTES = 64 << 20
"""Cap on one answer, after gzip: 64 MiB (a full data tile of 256 entries is about 1-2 MiB;
a get-entries page of 256 entries about 2-3 MiB of base64)."""


RETRIES_429 = 2
MAX_RETRY_AFTER = 30.0
"""Seconds: a longer Retry-After is cut to this (the poll then fails and the next run retries)."""


def retry_after(value: str | None) -> float:
    """Seconds to wait for a ``Retry-After`` header in seconds (dates are taken as 1 s)."""
    try:
        seconds = float(value) if value is not None else 1.0
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


@dataclass(frozen=True, slots=True)
class CTClient:
    """A session, a log and that log's rate limit: what every request of a poll needs."""

    session: aiohttp.ClientSession
    log: CTLog
    bucket: TokenBucket
    timeout: float
    """Seconds for one whole exchange."""
    max_entry_bytes: int
    """Certificates over this many bytes are counted as oversized."""

    def error(self, reason: str) -> CTLogError:
        return CTLogError(self.log.name, self.log.url, reason)

    async def get(self, url: str, accept: str) -> HttpReply:
        """GET ``url`` within the log's rate; raises CTLogError when no answer comes. A 429
        pauses the log's bucket for its ``Retry-After`` (1 s when absent, at most
        :data:`MAX_RETRY_AFTER`) and is retried, :data:`RETRIES_429` times at most."""
        for _attempt in range(RETRIES_429 + 1):
            await self.bucket.acquire()
            try:
                reply = await fetch(
                    self.session,
                    url,
                    timeout=self.timeout,
                    max_bytes=MAX_RESPONSE_BYTES,
                    accept=accept,
                )
            except FetchError as exc:
                raise self.error(f"GET {url} failed ({exc.reason})") from exc
            if reply.status != 429:
                return reply
            self.bucket.pause(retry_after(reply.headers.get("Retry-After")))
        return reply

    async def get_ok(self, url: str, accept: str) -> bytes:
        """The body of a 200 answer; any other status is a CTLogError."""
        reply = await self.get(url, accept)
        if reply.status != 200:
            raise self.error(f"GET {url} answered HTTP {reply.status}")
        return reply.body
