"""The asyncio server in process: protocol over TCP, malformed input, limits, reload, load."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from typorisk.match import MatchSettings, build_matcher
from typorisk.policyd import Limits, Policy, PolicyServer, PolicyState

from ..conftest import Record

REQUEST = "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=s@corp.com\nrecipient={}\n\n"


def state(targets: list[str]) -> PolicyState:
    return PolicyState(lambda: build_matcher(targets, MatchSettings(top=200)), Policy())


DEFAULT_LIMITS = Limits()


async def started(st: PolicyState, limits: Limits = DEFAULT_LIMITS) -> tuple[asyncio.Server, int]:
    server = await PolicyServer(st, limits).start("127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> bytes:
    writer.write(payload)
    await writer.drain()
    return await reader.readuntil(b"\n\n")


def test_one_connection_many_requests_and_malformed_ones(
    caplog: pytest.LogCaptureFixture, ledger: Record
) -> None:
    async def scenario() -> list[bytes]:
        st = state(["pentagon.mil"])
        srv, port = await started(st, Limits(max_request_bytes=2048, max_line_bytes=512))
        async with srv:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            replies = [
                await ask(reader, writer, REQUEST.format("a@pentagon.ml").encode()),
                await ask(reader, writer, b"not a pair\n\n"),
                await ask(reader, writer, b"request=smtpd_access_policy\nx=\xff\n\n"),
                await ask(reader, writer, (b"a=" + b"b" * 400 + b"\n") * 8 + b"\n"),  # oversized
                await ask(reader, writer, REQUEST.format("a@pentagon.mil").encode()),
                await ask(reader, writer, b"x=" + b"y" * 600 + b"\n\n"),  # line too long: closes
            ]
            assert await reader.read() == b""
            writer.close()
            assert st.stats["malformed"] == 4 and st.stats["REJECT"] == 1
        return replies

    with caplog.at_level(logging.INFO, "typorisk.policyd"):
        replies = asyncio.run(scenario())
    assert replies[0].startswith(b"action=REJECT 5.7.1 pentagon.ml")
    assert replies[1:] == [b"action=DUNNO\n\n"] * 5
    ledger("policyd: malformed, oversized, non-UTF-8 requests", 5, 5, 0)
    assert "malformed" in caplog.text and "recipient=<a@pentagon.ml>" in caplog.text


def test_connections_over_the_limit_are_closed() -> None:
    async def scenario() -> tuple[bytes, int]:
        st = state(["pentagon.mil"])
        srv, port = await started(st, Limits(max_connections=2))
        async with srv:
            held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
            await ask(*held[0], REQUEST.format("a@b.com").encode())
            await ask(*held[1], REQUEST.format("a@b.com").encode())
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            extra = await reader.read()
            for _, w in [*held, (reader, writer)]:
                w.close()
            return extra, st.stats["refused"]

    assert asyncio.run(scenario()) == (b"", 1)


def test_idle_connections_time_out_and_reload_swaps_targets() -> None:
    async def scenario() -> None:
        targets = ["pentagon.mil"]
        st = PolicyState(lambda: build_matcher(list(targets), MatchSettings(top=50)), Policy())
        srv, port = await started(st, Limits(idle_timeout=0.2))
        async with srv:
            reader, _ = await asyncio.open_connection("127.0.0.1", port)
            assert await asyncio.wait_for(reader.read(), 5) == b""  # closed after idling
            targets.append("not_valid!")
            assert await st.reload() is False  # the bad target keeps the old matcher
            targets[-1] = "army.mil"
            assert await st.reload() is True
            r, w = await asyncio.open_connection("127.0.0.1", port)
            assert (await ask(r, w, REQUEST.format("x@army.ml").encode())).startswith(
                b"action=REJECT"
            )
            w.close()

    asyncio.run(scenario())


def test_load_many_concurrent_clients() -> None:
    """200 connections × 50 requests each, all at once; prints requests/s (not asserted)."""
    clients, per_client = 200, 50

    async def client(port: int, n: int) -> int:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        rejected = 0
        for i in range(per_client):
            rcpt = "x@pentagon.ml" if (n + i) % 10 == 0 else f"u{i}@partner{n}.com"
            rejected += (await ask(reader, writer, REQUEST.format(rcpt).encode())).startswith(
                b"action=REJECT"
            )
        writer.close()
        return rejected

    async def scenario() -> tuple[int, float, PolicyState]:
        st = state(["pentagon.mil", "army.mil", "corp.com"])
        srv, port = await started(st, Limits(max_connections=clients + 10))
        async with srv:
            t0 = time.perf_counter()
            async with asyncio.timeout(60):
                counts = await asyncio.gather(*(client(port, n) for n in range(clients)))
            return sum(counts), time.perf_counter() - t0, st

    rejected, seconds, st = asyncio.run(scenario())
    total = clients * per_client
    print(f"\npolicyd load: {total} requests over {clients} concurrent connections in "
          f"{seconds:.2f} s = {total / seconds:,.0f} requests/s")  # fmt: skip
    assert st.stats["requests"] == total and rejected == total // 10
