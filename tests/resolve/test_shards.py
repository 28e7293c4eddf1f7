"""The resolve stage on several processes (:mod:`typorisk.resolve.shards`), against the real
Unbound of the lab: every item exactly once, the same verdicts as one process, statistics
that add up, the rate ceiling shared, a killed shard losing nothing, no process left behind."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import signal
import struct
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from typorisk.kit import loops
from typorisk.pipeline import ScanOptions, Verdict
from typorisk.pipeline.names import ResolveNames
from typorisk.resolve import DnsClient, NameServer, Outcome, Registration, ResolveScan
from typorisk.resolve.shards import ShardPool, _Frames, merge_stats, shard_spec
from typorisk.resolve.spec import ResolveSpec

from ..reliability.faultproxy import FaultProxy
from .conftest import CHILDREN, Lab

EXISTING = [origin.rstrip(".") for origin in CHILDREN]


def _names(count: int) -> list[str]:
    """The lab's names, ``count`` that do not exist, and a few given twice."""
    missing = [f"nx{i}.test" for i in range(count)]
    return [*EXISTING, *missing, "withmx.test", "nx1.test", "lame.test"]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _spec(lab: Lab, **changes: object) -> ResolveSpec:
    return ResolveSpec(servers=((lab.resolver[0], lab.resolver[1]),), **changes)  # type: ignore[arg-type]


def _one_process(lab: Lab, names: list[str]) -> dict[str, tuple[str, str]]:
    async def run() -> dict[str, tuple[str, str]]:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            scan = ResolveScan(client)
            return {n: (r.registration.value, r.mail.value) async for n, r in scan.run(names)}

    return asyncio.run(run())


@pytest.mark.parametrize("runner", [asyncio.run, loops.run], ids=["asyncio", "uvloop"])
def test_every_item_once_with_the_verdicts_of_one_process(
    lab: Lab, runner: Callable[[Coroutine[Any, Any, Any]], Any]
) -> None:
    """On both loops: uvloop's ``add_reader`` makes a pipe non-blocking, which once made a
    message that had not fully arrived look like a dead shard (one run in two)."""
    names = _names(3000)
    pool = ShardPool(_spec(lab), 3)
    pids = pool.pids

    async def run() -> list[tuple[str, tuple[str, str]]]:
        return [
            (n, (r.registration.value, r.mail.value)) async for n, r in pool.resolve(names, str)
        ]

    got = runner(run())
    assert Counter(n for n, _ in got) == Counter(names)  # none lost, none doubled
    assert dict(got) == _one_process(lab, names)
    stats = pool.stats
    assert stats is not None and stats.names == len(names) and pool.errors == []
    assert stats.registrations == dict(Counter(v[0] for _, v in got))
    server = stats.servers[f"{lab.resolver[0]}:{lab.resolver[1]}"]
    assert server.sent == server.answered + server.timeouts + server.resent == stats.queries
    assert all(_gone(pid) for pid in pids)


def test_items_keep_their_identity_through_the_shards(lab: Lab) -> None:
    """Items other than strings come back as themselves, in the number given."""
    items = [("a", "withmx.test"), ("b", "withmx.test"), ("c", "nx9.test")]
    pool = ShardPool(_spec(lab), 2)

    async def run() -> list[tuple[str, str]]:
        return [item async for item, _ in pool.resolve(items, lambda item: item[1])]

    assert sorted(asyncio.run(run())) == sorted(items)


def test_a_killed_shard_leaves_its_names_unknown_and_loses_none(lab: Lab) -> None:
    names = [f"slow{i}.test" for i in range(600)]

    async def run() -> tuple[list[tuple[str, Outcome]], ShardPool]:
        async with FaultProxy(lab.resolver) as proxy:
            proxy.delay = 0.3
            spec = ResolveSpec(servers=(("127.0.0.1", proxy.port),), timeout=2.0)
            pool = ShardPool(spec, 2)
            victim = pool.pids[0]
            got = []
            async for name, res in pool.resolve(names, str):
                got.append((name, res.outcome))
                if len(got) == 20:
                    os.kill(victim, signal.SIGKILL)
            return got, pool

    got, pool = asyncio.run(run())
    assert Counter(n for n, _ in got) == Counter(names)
    lost = [n for n, outcome in got if outcome is Outcome.ERROR]
    assert lost, "the killed shard held names: they come out unknown"
    assert len(pool.errors) == 1 and "stopped" in pool.errors[0]
    resolved = [n for n, outcome in got if outcome is Outcome.NXDOMAIN]
    assert len(resolved) + len(lost) == len(names)
    assert all(_gone(pid) for pid in pool.pids)


def test_the_shards_share_the_rate_ceiling(lab: Lab) -> None:
    assert shard_spec(_spec(lab, rate=1000.0, concurrency=256), 4).rate == 250.0
    assert shard_spec(_spec(lab, rate=None, concurrency=10), 4).concurrency == 3
    names = [f"nx{i}.test" for i in range(900)]

    async def run() -> tuple[FaultProxy, float, float]:
        async with FaultProxy(lab.resolver) as proxy:
            spec = ResolveSpec(servers=(("127.0.0.1", proxy.port),), rate=300.0)
            pool = ShardPool(spec, 3)
            loop = asyncio.get_running_loop()
            start = loop.time()
            async for _ in pool.resolve(names, str):
                pass
            return proxy, start, loop.time()

    proxy, start, end = asyncio.run(run())
    # The three shards together: at most 300 q/s and their bursts (10 slots each).
    assert len(proxy.arrivals) <= 300 * (end - start) + 3 * 10 + 1


def test_merged_statistics_add_up() -> None:
    from typorisk.resolve.records import ResolveStats, ServerStats

    a = ResolveStats(3, 4, {"NXDOMAIN": 3}, 1, 1, 0, 0, {"unregistered": 3}, ("x",), 1.0,
                  {"s:53": ServerStats(4, 3, 1, rate=100.0, peak_rate=200.0, cuts=1)})  # fmt: skip
    b = ResolveStats(2, 2, {"NOERROR": 2}, 0, 0, 0, 1, {"registered": 2}, ("x", "y"), 0.5,
                  {"s:53": ServerStats(2, 2, 0, rate=50.0, peak_rate=60.0)})  # fmt: skip
    merged = merge_stats([a, b], 1.2)
    assert (merged.names, merged.queries, merged.timeouts, merged.mismatched) == (5, 6, 1, 1)
    assert merged.rcodes == {"NXDOMAIN": 3, "NOERROR": 2}
    assert merged.wildcard_zones == ("x", "y") and merged.elapsed == 1.2
    assert merged.servers["s:53"] == ServerStats(6, 5, 1, rate=150.0, peak_rate=260.0, cuts=1)


def test_resolve_names_uses_processes_and_a_dead_shard_makes_the_run_incomplete(
    lab: Lab,
) -> None:
    options = ScanOptions(nameservers=(f"{lab.resolver[0]}:{lab.resolver[1]}",), processes=2)
    names = _names(300)
    resolved = ResolveNames(iter(names), options)
    got = [(n, r.registration) for n, r in resolved]
    assert Counter(n for n, _ in got) == Counter(names)
    assert resolved.summary.dns is not None and resolved.summary.dns.names == len(names)
    assert {n: r.value for n, r in got} == {n: v[0] for n, v in _one_process(lab, names).items()}
    # lame.test SERVFAILs by design (one name of 303): within max_unknown
    assert 0 < sum(r is Registration.UNKNOWN for _, r in got) <= 0.02 * len(names)
    assert resolved.summary.verdict is Verdict.COMPLETE


def test_a_consumer_that_stops_early_leaves_no_process(lab: Lab) -> None:
    pool = ShardPool(_spec(lab), 2)

    async def run() -> None:
        stream = pool.resolve((f"nx{i}.test" for i in range(5000)), str)
        async for _ in stream:
            break
        await stream.aclose()  # type: ignore[attr-defined]

    asyncio.run(run())
    assert all(_gone(pid) for pid in pool.pids)


def test_the_cli_with_processes_gives_the_rows_of_one_process(lab: Lab, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("".join(f"{n}\n" for n in _names(400)))
    rows = {}
    for processes in ("1", "3"):
        done = subprocess.run(
            [sys.executable, "-m", "typorisk", "resolve", str(names), "--format", "jsonl",
             "--nameserver", f"{lab.resolver[0]}:{lab.resolver[1]}", "--processes", processes],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        found = [json.loads(line) for line in done.stdout.splitlines()]
        rows[processes] = sorted((r["domain"], r["registration"], r["mail"]) for r in found)
        assert "run complete" in done.stderr
    assert rows["1"] == rows["3"] and len(rows["1"]) == len(_names(400))


@pytest.mark.parametrize("processes", [2])
def test_a_dead_resolver_stops_the_shards_too(processes: int, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("a.test\nb.test\n")
    done = subprocess.run(
        [sys.executable, "-m", "typorisk", "resolve", str(names), "--nameserver", "127.0.0.1:9",
         "--timeout", "0.3", "--retries", "0", "--processes", str(processes)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 4 and done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_frames_come_whole_however_the_bytes_arrive() -> None:
    """A message split across reads, several in one read, one larger than a read, and the
    writer's end closing: each frame comes out whole, once, in order."""
    read_end, write_end = multiprocessing.Pipe(duplex=False)
    frames = _Frames(read_end)
    assert frames.read() == [] and not frames.closed  # nothing there: no block, no frame
    whole = struct.pack("!i", 5) + b"hello"
    os.write(write_end.fileno(), whole[:3])
    assert frames.read() == []
    os.write(write_end.fileno(), whole[3:] + struct.pack("!i", 0))
    assert frames.read() == [b"hello", b""]
    big = os.urandom(200_000)
    write_end.send_bytes(big[:100])
    sender = threading.Thread(target=write_end.send_bytes, args=(big,))
    sender.start()
    got: list[bytes] = []
    while len(got) < 2:
        got += frames.read()
    sender.join()
    assert got == [big[:100], big]
    os.write(write_end.fileno(), struct.pack("!i", -1) + struct.pack("!Q", 3) + b"abc")
    write_end.close()
    got = frames.read()
    got += [] if frames.closed else frames.read()  # the end may come with the next read
    assert got == [b"abc"] and frames.closed
