"""The real CLI under a flood, over real sockets: 300 idle connections hold more than every slot
(default limits: 256), then 1,000 clients each send one good request at once. Every one gets the
right verdict within 1 s: none is reset, so Postfix never falls back to ``default_action``.
And SIGTERM with connections open exits 0, without a traceback, within about a second."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from ..benchmarks.bench_policyd_flood import (
    REQUEST,
    TYPO,
    flood_from_child,
    policyd,
    raise_open_files,
)
from ..conftest import Ledger

IDLE, CLIENTS = 300, 1000
STARVED = 10.0
"""Seconds past which a request counts as starved: an idle connection holds its slot until the
idle timeout (30 s), so a request that waited for one waits that long; a served one waits
milliseconds (the figures are printed). A bound on starvation, not a speed claim."""


@pytest.fixture(scope="module")
def targets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policyd-flood") / "targets.txt"
    path.write_text("pentagon.mil\n")
    return path


def test_idle_connections_never_starve_a_flood_of_good_requests(
    targets: Path, ledger: Ledger
) -> None:
    raise_open_files(2 * (IDLE + CLIENTS) + 200)  # client and server sockets, with room
    with policyd(targets) as (port, _):
        result = flood_from_child(port, CLIENTS, IDLE)  # the clients: a process of their own
    print(
        f"\npolicyd flood ({IDLE} idle held, {CLIENTS} clients): "
        f"p50 {result.quantile(0.5) * 1e3:.0f} ms, p99 {result.quantile(0.99) * 1e3:.0f} ms, "
        f"{result.verdicts} verdicts, {result.resets} reset"
    )
    row = ledger.row(f"policyd: {CLIENTS:,} clients while {IDLE} idle connections hold the slots")
    for seconds in result.latencies:
        with row.case():
            assert seconds < STARVED
    row.lose(result.resets + result.timeouts)
    assert (result.resets, result.timeouts, result.wrong) == (0, 0, 0)
    assert result.verdicts == CLIENTS and result.quantile(1.0) < STARVED


async def _open_connections(port: int) -> tuple[list[asyncio.StreamReader], asyncio.StreamWriter]:
    """Three silent, two answered and one connection in the middle of a request."""
    readers, writers = [], []
    for n in range(6):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        readers.append(reader)
        writers.append(writer)
        if n in (3, 4):
            writer.write(REQUEST.format(TYPO).encode())
            await writer.drain()
            assert (await reader.readuntil(b"\n\n")).startswith(b"action=REJECT")
    busy = writers[5]
    busy.write(REQUEST.format(TYPO).encode().split(b"\n", 1)[0] + b"\n")
    await busy.drain()
    await asyncio.sleep(0.2)
    return readers, busy


@pytest.mark.parametrize("finish_request", [True, False], ids=["answered", "abandoned"])
def test_sigterm_with_connections_open_exits_0_quickly_without_traceback(
    targets: Path, finish_request: bool, ledger: Ledger
) -> None:
    async def scenario(port: int, process: subprocess.Popen[bytes]) -> tuple[list[bytes], float]:
        readers, busy = await _open_connections(port)
        signalled = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        if finish_request:  # the request in progress is still answered
            await asyncio.sleep(0.1)
            busy.write(REQUEST.format(TYPO).encode().split(b"\n", 1)[1])
            await busy.drain()
        async with asyncio.timeout(5):
            return [await r.read() for r in readers], signalled

    request = "answered" if finish_request else "abandoned"
    with ledger.row(f"policyd: SIGTERM with 6 connections open (a request {request})").case():
        with tempfile.TemporaryFile() as log:
            with policyd(targets, "--log-level", "INFO", stderr=log) as (port, process):
                replies, t0 = asyncio.run(scenario(port, process))
                code = process.wait(5)
                elapsed = time.perf_counter() - t0
            log.seek(0)
            stderr = log.read().decode()
        assert code == 0, stderr
        assert elapsed < 2.0  # SIGTERM to exit: shutdown_grace (1 s) at most
        assert "Traceback" not in stderr and "Task was destroyed" not in stderr, stderr
        assert "stopped:" in stderr
        assert replies[:5] == [b""] * 5  # idle connections closed, nothing sent
        if finish_request:
            assert replies[5].startswith(b"action=REJECT 5.7.1 pentagon.ml")
        else:
            assert replies[5] == b""
