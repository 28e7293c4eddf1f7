"""The CT reader against a real CT log server (tests/watch/ctlog_server.py) serving real
certificates and precertificates through both read APIs on 127.0.0.1."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import functools
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from typorisk.errors import CTLogError
from typorisk.kit.rate import TokenBucket
from typorisk.watch.ct import CTBatch, CTLog, CTState, parse_log_list, poll_log

from ..conftest import Ledger
from .ctlog_server import PLANTED, Corpus, CTLogServer, make_corpus, serve_in_thread

APIS = ("rfc6962", "static")
T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def corpus_3000() -> Corpus:
    """3,000 entries (1,000 precerts), the planted look-alikes, 4 entries that are not DER and
    one oversized certificate; built once per test run."""
    return make_corpus(3000, bad=(10, 500, 2048, 2999), oversized=(1234,))


def with_server(
    corpus: Corpus, body: Callable[[CTLogServer, aiohttp.ClientSession], Awaitable[T]], **kw: int
) -> T:
    async def main() -> T:
        server = CTLogServer(corpus, **kw)
        await server.start()
        try:
            async with aiohttp.ClientSession() as session:
                return await body(server, session)
        finally:
            await server.stop()

    return asyncio.run(main())


def log_of(server: CTLogServer, api: str) -> CTLog:
    return next(log for log in parse_log_list(server.log_list()) if log.api == api)


async def drain(
    session: aiohttp.ClientSession, log: CTLog, state: CTState | None, **kw: float
) -> list[CTBatch]:
    return [b async for b in poll_log(session, log, state, rate=1000.0, **kw)]  # type: ignore[arg-type]


def pos(state: CTState) -> tuple[int, int]:
    """Where a state points (its root hash aside)."""
    return state.next_index, state.tree_size


def names_by_index(batches: list[CTBatch]) -> dict[int, tuple[str, ...]]:
    return {e.index: e.names for b in batches for e in b.entries}


@pytest.mark.parametrize("api", APIS)
def test_every_name_of_every_entry_is_read(api: str, ledger: Ledger) -> None:
    corpus = corpus_3000()

    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        start = time.perf_counter()
        batches = await drain(session, log_of(server, api), CTState(0, 0), max_entries=10**6)
        elapsed = time.perf_counter() - start
        got = names_by_index(batches)
        assert got == corpus.names  # every name, in order, of every parsable entry
        precerts = {e.index for b in batches for e in b.entries if e.precert}
        assert precerts == corpus.precerts - corpus.bad
        assert sum(b.unparsable for b in batches) == len(corpus.bad)
        assert sum(b.oversized for b in batches) == len(corpus.oversized)
        assert sum(b.invalid_names for b in batches) == corpus.invalid_names
        assert pos(batches[-1].state) == (3000, 3000)
        found = {n for names in got.values() for n in names} & set(PLANTED)
        assert found == set(PLANTED)
        rate = len(got) / elapsed
        print(f"\n{api}: {len(got):,} certificates in {elapsed:.2f} s = {rate:,.0f}/s")

    with ledger.row(f"CT {api}: entries not DER, one oversized, CNs not host names").case():
        with_server(corpus, body)


@pytest.mark.parametrize("api", APIS)
def test_resume_from_a_state_reads_each_entry_once(api: str) -> None:
    corpus = corpus_3000()

    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        log = log_of(server, api)
        state, seen = CTState(0, 0), Counter[int]()
        for _ in range(10):
            batches = await drain(session, log, state, max_entries=700)
            seen.update(e.index for b in batches for e in b.entries)
            state = batches[-1].state
            if state.next_index == 3000:
                break
        assert pos(state) == (3000, 3000)
        assert set(seen) == set(corpus.names)
        assert max(seen.values()) == 1  # resumed mid-tile and mid-page, nothing read twice

    with_server(corpus, body)


@pytest.mark.parametrize("api", APIS)
def test_no_state_starts_at_the_head_and_reports_only_new_entries(api: str) -> None:
    corpus = corpus_3000()

    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        log = log_of(server, api)
        first = await drain(session, log, None)
        assert [(b.entries, pos(b.state)) for b in first] == [([], (2000, 2000))]
        server.size = 2300  # the log grew
        batches = await drain(session, log, first[-1].state)
        assert set(names_by_index(batches)) == {i for i in corpus.names if 2000 <= i < 2300}
        assert pos(batches[-1].state) == (2300, 2300)
        again = await drain(session, log, batches[-1].state)
        assert [(b.entries, pos(b.state)) for b in again] == [([], (2300, 2300))]

    with_server(corpus, body, size=2000)


@pytest.mark.parametrize("api", APIS)
def test_a_tree_that_shrinks_is_an_error_and_reads_nothing(api: str, ledger: Ledger) -> None:
    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        log = log_of(server, api)
        state = (await drain(session, log, CTState(0, 0)))[-1].state
        assert pos(state) == (1000, 1000)
        server.size = 990
        before = len(server.requests)
        with pytest.raises(CTLogError, match="tree shrank from 1,000 to 990") as info:
            await drain(session, log, state)
        assert info.value.log == log.name and info.value.url == log.url
        assert len(server.requests) == before + 1  # the tree head only: no entry was read

    with ledger.row(f"CT {api}: the tree shrinks (error, state kept)").case():
        with_server(corpus_3000(), body, size=1000)


@pytest.mark.parametrize("api", APIS)
def test_a_log_that_goes_down_mid_run_keeps_the_last_good_state(api: str, ledger: Ledger) -> None:
    corpus = corpus_3000()

    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        log = log_of(server, api)
        good: list[CTBatch] = []
        with pytest.raises(CTLogError, match="failed") as info:
            async for batch in poll_log(session, log, CTState(0, 0), rate=1000.0):
                good.append(batch)
                if len(good) == 3:  # every connection drops from now on
                    server.fail_after = len(server.requests)
        assert len(good) == 3 and "its state was not advanced" in str(info.value)
        kept = good[-1].state
        assert 0 < kept.next_index < 3000
        server.fail_after = None  # back up: resume from the kept state
        rest = await drain(session, log, kept, max_entries=10**6)
        got = names_by_index(good) | names_by_index(rest)
        assert got == corpus.names
        assert sum(len(b.entries) for b in good + rest) == len(corpus.names)  # none twice

    with ledger.row(f"CT {api}: the log goes down mid-run, then resumes").case():
        with_server(corpus, body)


def test_a_broken_tile_is_the_logs_error_and_the_tiles_before_it_stay(ledger: Ledger) -> None:
    corpus = corpus_3000()

    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        server.broken_tiles = {3}
        good: list[CTBatch] = []
        with pytest.raises(CTLogError, match=r"data tile 3 entry \d+ is malformed"):
            async for batch in poll_log(session, log_of(server, "static"), CTState(0, 0),
                                        rate=1000.0, max_entries=10**6):  # fmt: skip
                good.append(batch)
        assert pos(good[-1].state) == (768, 3000)  # tiles 0-2 proven and kept, none of tile 3
        assert names_by_index(good) == {i: n for i, n in corpus.names.items() if i < 768}

    with ledger.row("CT static: a data tile cut inside an entry").case():
        with_server(corpus, body)


def test_a_partial_tile_already_replaced_is_read_from_the_full_tile() -> None:
    corpus = corpus_3000()

    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        server.serve_partial = False  # the log has grown past 300: tile 1 is full now
        batches = await drain(session, log_of(server, "static"), CTState(0, 0))
        assert set(names_by_index(batches)) == {i for i in corpus.names if i < 300}
        assert "/static/tile/data/001.p/44" in server.requests
        assert "/static/tile/data/001" in server.requests

    with_server(corpus, body, size=300)


@pytest.mark.parametrize("api", APIS)
def test_requests_to_a_log_are_rate_bounded(api: str) -> None:
    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        start = time.perf_counter()
        batches = [
            b
            async for b in poll_log(
                session, log_of(server, api), CTState(0, 0), rate=20.0, sample=4.0
            )
        ]
        elapsed = time.perf_counter() - start
        requests = len(server.requests)
        # the tree head, one request per batch, and the proofs: one inclusion proof per page of
        # 64 (RFC 6962, 4 per 256); the one partial hash tile, at level 1, that proves the 4 full
        # tiles (static)
        assert requests == 1 + len(batches) * 2 if api == "rfc6962" else 2 + len(batches)
        assert elapsed >= (requests - 1) / 20.0 * 0.95  # a slot every 50 ms, burst 1

    with_server(corpus_3000(), body, size=1024, page=64)


@pytest.mark.parametrize("api", APIS)
def test_resume_after_sigkill_of_a_polling_process(
    api: str, tmp_path: Path, ledger: Ledger
) -> None:
    with ledger.row(f"CT {api}: the polling process is SIGKILLed, then resumes").case():
        sigkill_and_resume(api, tmp_path)


def sigkill_and_resume(api: str, tmp_path: Path) -> None:
    corpus = corpus_3000()
    state_file, output = tmp_path / "state.json", tmp_path / "out.txt"
    with serve_in_thread(CTLogServer(corpus, page=50)) as server:
        log_list = tmp_path / "log_list.json"
        log_list.write_text(json.dumps(server.log_list()))
        args = [str(log_list), api, str(state_file), str(output)]
        cmd = [sys.executable, "-m", "tests.watch.ct_resume_child", *args]
        child = subprocess.Popen([*cmd, "25"], cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until it is well into the log
            if state_file.exists() and json.loads(state_file.read_text())["next_index"] >= 700:
                break
            assert child.poll() is None, "the poller ended before it was killed"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
        killed_at = json.loads(state_file.read_text())  # atomic: always a whole state
        assert 700 <= killed_at["next_index"] < 3000, killed_at
        subprocess.run([*cmd, "1000"], cwd=ROOT, check=True, timeout=120)
    assert json.loads(state_file.read_text()) == {"next_index": 3000, "tree_size": 3000}
    lines = output.read_text().splitlines()
    indices = Counter(int(line.split()[0]) for line in lines if line != "unparsable")
    assert set(indices) == set(corpus.names)
    dupes = sum(n - 1 for n in indices.values())
    assert dupes <= 256  # at least once: a kill between output and state re-reads one batch
    got = {int(line.split()[0]): tuple(line.split()[1:]) for line in lines if line != "unparsable"}
    assert got == corpus.names
    print(f"\n{api}: killed at index {killed_at['next_index']}, resumed, {dupes} re-read")


def other_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(spki).decode()


@pytest.mark.parametrize("api", APIS)
def test_tree_heads_are_verified_with_the_key_of_the_log_list(api: str) -> None:
    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        log = log_of(server, api)
        assert log.key  # every poll of the other tests verified the tree head
        wrong = dataclasses.replace(log, key=other_key())
        with pytest.raises(CTLogError, match=r"does not verify|no signature line by the log"):
            await drain(session, wrong, CTState(0, 0))
        server.forge_signature = True
        with pytest.raises(CTLogError, match="does not verify with the log's key"):
            await drain(session, log, CTState(0, 0))
        unkeyed = dataclasses.replace(log, key=None)  # as the keyless logs of the snapshot
        assert pos((await drain(session, unkeyed, CTState(0, 0)))[-1].state) == (300, 300)

    with_server(corpus_3000(), body, size=300)


@pytest.mark.parametrize("api", APIS)
def test_a_429_pauses_the_log_and_is_retried(api: str) -> None:
    corpus = corpus_3000()

    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        server.throttle_every = 3
        start = time.perf_counter()
        batches = await drain(session, log_of(server, api), CTState(0, 0), max_entries=10**6)
        assert names_by_index(batches) == {i: n for i, n in corpus.names.items() if i < 1024}
        throttled = len(server.requests) // 3
        assert throttled >= 2 and time.perf_counter() - start >= throttled * 0.2 * 0.95
        server.throttle_every = 1  # every request: the retries run out
        with pytest.raises(CTLogError, match="HTTP 429"):
            await drain(session, log_of(server, api), CTState(0, 0))

    with_server(corpus, body, size=1024, page=128)


def test_one_bucket_bounds_successive_polls_of_a_log() -> None:
    async def body(server: CTLogServer, session: aiohttp.ClientSession) -> None:
        bucket = TokenBucket(10.0, 1)
        log, state = log_of(server, "rfc6962"), CTState(0, 0)
        start = time.perf_counter()
        for _ in range(4):
            async for batch in poll_log(session, log, state, max_entries=100, bucket=bucket):
                state = batch.state
        assert pos(state) == (400, 1024)
        requests = len(server.requests)  # 4 tree heads and 4 pages
        assert time.perf_counter() - start >= (requests - 1) / 10.0 * 0.95

    with_server(corpus_3000(), body, size=1024, page=100)
