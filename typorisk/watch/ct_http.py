"""The one place the CT reader speaks HTTP: a bounded, rate-limited GET per log.

Built on :func:`typorisk.register.http.fetch` (same-scheme redirects only, a capped body, one
timeout per exchange). Every request of a log first takes a slot of that log's
:class:`~typorisk.kit.rate.TokenBucket`, so a poll never sends more than ``rate`` requests per
second to one log. A transport failure, a connection the outbound address policy refuses
(:mod:`typorisk.kit.outbound`: the session's connector decides) and an answer over its size cap
become :class:`~typorisk.errors.CTLogError` for the log. JSON answers are parsed by
:meth:`CTClient.get_json`: size capped before parsing, nesting checked by a bracket scan before
``json.loads`` (:func:`typorisk.kit.reading.loads_bounded`), so no answer can raise anything but
that log's error.
"""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from typorisk.errors import CTLogError, FetchError
from typorisk.kit.outbound import AddressPolicy, refusal_of
from typorisk.kit.outbound_http import PolicyConnector
from typorisk.kit.rate import TokenBucket
from typorisk.kit.reading import loads_bounded
from typorisk.register.http import HttpReply, fetch
from typorisk.watch.ct_types import CTLog

MAX_RESPONSE_BYTES = 64 << 20
"""Cap on one answer, after gzip: 64 MiB (a full data tile of 256 entries is about 1-2 MiB;
a get-entries page of 256 entries about 2-3 MiB of base64)."""
MAX_HEAD_BYTES = 64 << 10
"""Cap on a tree head (``get-sth``, a checkpoint) or a proof: 64 KiB (they are under 4 KiB)."""
MAX_JSON_DEPTH = 8
"""Deepest nesting of a CT JSON answer: ``get-entries`` nests 2 deep, the others 1."""


def ct_session(policy: AddressPolicy) -> aiohttp.ClientSession:
    """A session for reading CT logs whose connections go only where ``policy`` allows."""
    return aiohttp.ClientSession(connector=PolicyConnector(policy))


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

    async def get(self, url: str, accept: str, max_bytes: int = MAX_RESPONSE_BYTES) -> HttpReply:
        """GET ``url`` within the log's rate, its body at most ``max_bytes`` bytes; raises
        CTLogError when no answer comes (or a longer one). A 429 pauses the log's bucket for
        its ``Retry-After`` (1 s when absent, at most :data:`MAX_RETRY_AFTER`) and is retried,
        :data:`RETRIES_429` times at most."""
        for _attempt in range(RETRIES_429 + 1):
            await self.bucket.acquire()
            try:
                reply = await fetch(
                    self.session,
                    url,
                    timeout=self.timeout,
                    max_bytes=max_bytes,
                    accept=accept,
                )
            except FetchError as exc:
                reason = refusal_of(exc) or exc.reason
                raise self.error(f"GET {url} failed ({reason})") from exc
            if reply.status != 429:
                return reply
            self.bucket.pause(retry_after(reply.headers.get("Retry-After")))
        return reply

    async def get_ok(self, url: str, accept: str, max_bytes: int = MAX_RESPONSE_BYTES) -> bytes:
        """The body of a 200 answer; any other status is a CTLogError."""
        reply = await self.get(url, accept, max_bytes)
        if reply.status != 200:
            raise self.error(f"GET {url} answered HTTP {reply.status}")
        return reply.body

    async def get_json(self, url: str, what: str, max_bytes: int = MAX_HEAD_BYTES) -> object:
        """The decoded JSON of a 200 answer of at most ``max_bytes`` bytes, nested at most
        :data:`MAX_JSON_DEPTH` deep; anything else is a CTLogError naming ``what``."""
        return self.parse_json(await self.get_ok(url, "application/json", max_bytes), what)

    def parse_json(self, body: bytes, what: str) -> object:
        """``body`` as JSON (see :meth:`get_json`); CTLogError when it is not usable JSON."""
        try:
            return loads_bounded(body.decode("utf-8"), max_depth=MAX_JSON_DEPTH)
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise self.error(f"{what} is not usable JSON ({str(exc)[:120]})") from exc
