"""The asyncio server in process: protocol over TCP, malformed input, limits (idle connections
make room for new ones; busy ones are kept), reload, load."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from typorisk.match import TYPO_RULES, MatchSettings, build_matcher
from typorisk.policyd import Limits, Policy, PolicyServer, PolicyState

from ..conftest import Ledger

REQUEST = "request=smtpd_access_policy\nprotocol_state=RCPT\nsender=s@corp.com\nrecipient={}\n\n"


def state(targets: list[str]) -> PolicyState:
    return PolicyState(
        lambda: build_matcher(targets, MatchSettings(top=200, rules=TYPO_RULES)), Policy()
    )


DEFAULT_LIMITS = Limits()
DUNNO = b"action=DUNNO\n\n"


async def started(st: PolicyState, limits: Limits = DEFAULT_LIMITS) -> tuple[asyncio.Server, int]:
    server = await PolicyServer(st, limits).start("127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def ask(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, payload: bytes) -> bytes:
    writer.write(payload)
    await writer.drain()
    return await reader.readuntil(b"\n\n")


def test_one_connection_many_requests_and_malformed_ones(
    caplog: pytest.LogCaptureFixture, ledger: Ledger
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
    row = ledger.row("policyd: malformed, oversized, non-UTF-8 requests")
    for reply in replies[1:]:  # one per malformed request sent, each answered DUNNO
        with row.case():
            assert reply == DUNNO
    assert "malformed" in caplog.text and "recipient=<a@pentagon.ml>" in caplog.text


def test_a_full_server_closes_the_longest_idle_connection_for_a_new_one() -> None:
    async def scenario() -> None:
        st = state(["pentagon.mil"])
        srv, port = await started(st, Limits(max_connections=2))
        async with srv:
            held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
            for reader, writer in held:
                assert await ask(reader, writer, REQUEST.format("a@b.com").encode()) == DUNNO
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            reply = await ask(reader, writer, REQUEST.format("a@pentagon.ml").encode())
            assert reply.startswith(b"action=REJECT 5.7.1 pentagon.ml")
            assert await asyncio.wait_for(held[0][0].read(), 5) == b""  # the oldest idle one
            assert await ask(*held[1], REQUEST.format("a@b.com").encode()) == DUNNO
            for _, w in [*held, (reader, writer)]:
                w.close()
            assert st.stats["evicted"] == 1 and st.stats["refused"] == 0

    asyncio.run(scenario())


def test_a_connection_in_the_middle_of_a_request_is_never_closed_for_a_new_one() -> None:
    first_line, rest = REQUEST.format("a@pentagon.ml").encode().split(b"\n", 1)

    async def scenario() -> None:
        st = state(["pentagon.mil"])
        srv, port = await started(st, Limits(max_connections=1, admit_timeout=0.3))
        async with srv:
            busy_r, busy_w = await asyncio.open_connection("127.0.0.1", port)
            busy_w.write(first_line + b"\n")
            await busy_w.drain()
            await asyncio.sleep(0.1)
            # no slot within admit_timeout: the newcomer is closed, the busy one kept
            r, w = await asyncio.open_connection("127.0.0.1", port)
            assert await asyncio.wait_for(r.read(), 5) == b""
            w.close()
            assert st.stats["refused"] == 1
            # a newcomer that waits gets the slot once the busy one has been answered
            r, w = await asyncio.open_connection("127.0.0.1", port)
            w.write(REQUEST.format("x@pentagon.mil").encode())
            await w.drain()
            await asyncio.sleep(0.1)
            assert (await ask(busy_r, busy_w, rest)).startswith(b"action=REJECT")
            assert await asyncio.wait_for(r.readuntil(b"\n\n"), 5) == DUNNO
            assert await asyncio.wait_for(busy_r.read(), 5) == b""  # idle after its answer
            busy_w.close()
            w.close()
            assert st.stats["evicted"] == 1

    asyncio.run(scenario())


def test_a_silent_new_connection_is_evicted_only_after_the_grace_period() -> None:
    async def scenario() -> float:
        st = state(["pentagon.mil"])
        srv, port = await started(st, Limits(max_connections=1, grace=0.4))
        async with srv:
            silent_r, silent_w = await asyncio.open_connection("127.0.0.1", port)
            await asyncio.sleep(0.05)
            t0 = time.perf_counter()
            r, w = await asyncio.open_connection("127.0.0.1", port)
            assert await ask(r, w, REQUEST.format("a@pentagon.mil").encode()) == DUNNO
            waited = time.perf_counter() - t0
            assert await asyncio.wait_for(silent_r.read(), 5) == b""
            silent_w.close()
            w.close()
        return waited

    assert 0.3 <= asyncio.run(scenario()) < 2.0


def test_idle_connections_time_out_and_reload_swaps_targets() -> None:
    async def scenario() -> None:
        targets = ["pentagon.mil"]
        st = PolicyState(
            lambda: build_matcher(list(targets), MatchSettings(top=50, rules=TYPO_RULES)), Policy()
        )
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
