"""The one place the register stage speaks HTTP: a bounded GET over an injected session.

Policy, explicit and tested: redirects are followed by hand, at most ``max_redirects`` (3) hops,
and only to URLs of the **same scheme as the configured URL** (``https`` in production; tests
configure ``http://127.0.0.1``), so an https lookup is never downgraded. Bodies are capped
(``max_bytes``, default 1 MiB) and the whole exchange, redirects included, has one timeout.
Transport failures become :class:`FetchError` with a short ``reason``; HTTP error statuses
(404, 429, 5xx) are returned as replies, for the caller to interpret.

Where a request may connect is the session's connector's decision: sessions are built by
:func:`policy_session`, whose :class:`~typorisk.kit.outbound.PolicyConnector` applies the outbound
address policy to the address of every hop (redirects and followed links included). A refused
connection is :class:`FetchError` whose reason is the policy's text (``refused: private address
10.0.0.5 (RFC 1918 private)``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
from multidict import CIMultiDict

from typorisk.errors import FetchError
from typorisk.kit.outbound import AddressPolicy, refusal_of
from typorisk.kit.outbound_http import PolicyConnector

MAX_BYTES = 1 << 20
"""Default cap on a response body: 1 MiB (RDAP answers are a few KiB)."""
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True, slots=True)
class HttpReply:
    """A complete HTTP response (body capped)."""

    status: int
    body: bytes
    headers: Mapping[str, str]
    url: str
    """The URL that answered (after redirects)."""


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = 3,
    accept: str = "application/rdap+json, application/json",
) -> HttpReply:
    """GET ``url`` under the policy above; ``timeout`` in seconds for the whole exchange."""
    scheme = urlsplit(url).scheme
    try:
        async with asyncio.timeout(timeout):
            for _hop in range(max_redirects + 1):
                reply = await _get_once(session, url, max_bytes, accept)
                location = reply.headers.get("Location")
                if reply.status not in REDIRECTS or not location:
                    return reply
                target = urljoin(url, location)
                if urlsplit(target).scheme != scheme:
                    raise FetchError(url, "redirect-refused", f"to {target!r:.100}, not {scheme}")
                url = target
            raise FetchError(url, "too-many-redirects", f"more than {max_redirects}")
    except TimeoutError as exc:
        raise FetchError(url, "timeout", f"no complete answer in {timeout:g} s") from exc
    except aiohttp.ClientError as exc:
        refused = refusal_of(exc)
        if refused is not None:
            raise FetchError(url, refused, "the outbound address policy") from exc
        raise FetchError(url, "connection", str(exc)[:200]) from exc


def policy_session(policy: AddressPolicy, connect_timeout: float) -> aiohttp.ClientSession:
    """An ``aiohttp.ClientSession`` whose every connection obeys ``policy`` (checked on the
    address connected to); ``connect_timeout`` in seconds. Close it (``async with``)."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout)
    return aiohttp.ClientSession(timeout=timeout, connector=PolicyConnector(policy))


async def _get_once(
    session: aiohttp.ClientSession, url: str, max_bytes: int, accept: str
) -> HttpReply:
    async with session.get(url, allow_redirects=False, headers={"Accept": accept}) as resp:
        declared = resp.content_length
        if declared is not None and declared > max_bytes:
            raise FetchError(url, "too-large", f"{declared} bytes announced, cap {max_bytes}")
        chunks: list[bytes] = []
        size = 0
        while chunk := await resp.content.read(65536):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(url, "too-large", f"more than {max_bytes} bytes")
            chunks.append(chunk)
        headers = CIMultiDict(resp.headers)  # names are case-insensitive
        return HttpReply(resp.status, b"".join(chunks), headers, str(resp.url))
