"""``typorisk serve`` under idle and slow-header connections past its open-file limit, then under
20 simultaneous pulls of a 50 MiB file.

    PYTHONPATH=. .venv/bin/python tests/benchmarks/bench_serve.py [--idle 1100] [--slow 300]
        [--files 1024] [--pulls 20] [--size-mib 50]

Starts the real CLI as a user would (``sh -c 'ulimit -n 1024 && exec typorisk serve ...'``,
default flags: header timeout 15 s, keep-alive 30 s, the connection cap derived from the
limit) on a free 127.0.0.1 port, over a feed that ``typorisk run`` wrote (offline). Then:

1. opens ``--idle`` connections that each get one answer and stay idle (kept alive), then
   ``--slow`` connections that send a request head one byte a second, never finishing it;
2. pulls the feed's list with curl (a real pull) and prints how long it took, beside the same
   pull on an unloaded server (the named peer);
3. waits past both timeouts and prints how many idle and slow connections are still open, the
   longest any lived past its timeout's start, and the server's own count of what it closed;
4. in a second server process (same limit), replaces an output with a ``--size-mib`` file and
   pulls it ``--pulls`` times at once, checking each body's SHA-256 against the ETag, and prints
   the server's peak resident memory (``VmHWM``) before and after.

Figures only, no assertion on time (``tests/serve/test_hostile.py`` checks the behaviour).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.resolve.servers import free_port
from tests.serve.clients import HEAD, open_descriptors, peak_rss_mib, raise_file_limit
from tests.serve.conftest import FEED
from typorisk.cli import main
from typorisk.serve.guard import ConnectionLimits

MiB = 1 << 20


@dataclass
class Conn:
    """One hostile connection: when it opened, went idle, and was closed by the server."""

    opened: float
    idle_since: float | None = None
    closed: float | None = None


@dataclass
class World:
    """A feed written by ``typorisk run`` and a ``typorisk serve`` process over it."""

    feed: Path
    process: subprocess.Popen[bytes]
    port: int
    log: Path
    conns: list[Conn] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)
        return self.log.read_text()


def start(feed: Path, files: int, tag: str) -> World:
    port = free_port()
    log = feed.parent / f"serve-{tag}.log"
    argv = [sys.executable, "-m", "typorisk", "serve", str(feed), "--listen", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        ["sh", "-c", f'ulimit -n {files} && exec "$@"', "sh", *argv],
        stderr=log.open("wb"),
        env={**os.environ, "PYTHONPATH": str(Path.cwd())},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return World(feed, process, port, log)
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"serve did not come up: {log.read_text()}")


def curl(url: str) -> float:
    """Seconds curl took to fetch ``url`` whole (raises when it failed)."""
    started = time.monotonic()
    done = subprocess.run(
        ["curl", "-sf", "-o", "/dev/null", "--max-time", "30", url], check=False, timeout=60
    )
    if done.returncode:
        raise SystemExit(f"the pull failed: curl exit {done.returncode}")
    return time.monotonic() - started


async def idle(world: World, conn: Conn) -> None:
    """One request, then idle until the server closes the connection."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", world.port)
        writer.write(HEAD + b"\r\n")
        seen = b""
        while b"ok\n" not in seen:
            chunk = await reader.read(4096)
            if not chunk:
                break
            seen += chunk
        conn.idle_since = time.monotonic()
        while await reader.read(4096):
            pass
    except OSError:
        pass
    conn.closed = time.monotonic()


async def slow(world: World, conn: Conn) -> None:
    """A request head, one byte a second, never finished, until the server closes it."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", world.port)
        ended = asyncio.ensure_future(reader.read())
        offset = 0
        while not ended.done():
            writer.write(HEAD[offset % len(HEAD) : offset % len(HEAD) + 1])
            offset += 1
            await asyncio.wait([ended], timeout=1.0)
        ended.result()
    except OSError:
        pass
    conn.closed = time.monotonic()


async def flood(world: World, idles: int, slows: int, limits: ConnectionLimits, files: int) -> None:
    tasks = []
    for count, kind in ((idles, idle), (slows, slow)):
        for _ in range(count):
            conn = Conn(time.monotonic())
            world.conns.append(conn)
            tasks.append(asyncio.ensure_future(kind(world, conn)))
            await asyncio.sleep(0.002)
    await asyncio.sleep(2)
    opened = time.monotonic()
    server_fds = open_descriptors(world.process.pid)
    took = await asyncio.to_thread(curl, f"{world.base}/edl/typo-edl.txt")
    print(
        f"{idles} idle + {slows} slow-header connections opened; server holds {server_fds} "
        f"descriptors (limit {files})"
    )
    print(f"real pull under that load: {took * 1000:.0f} ms")
    wait = max(limits.header_timeout, limits.keepalive_timeout) + 3
    await asyncio.sleep(wait - (time.monotonic() - opened))
    open_idle = sum(c.closed is None for c in world.conns[:idles])
    open_slow = sum(c.closed is None for c in world.conns[idles:])
    idle_life = [c.closed - c.idle_since for c in world.conns[:idles] if c.closed and c.idle_since]
    slow_life = [c.closed - c.opened for c in world.conns[idles:] if c.closed]
    print(
        f"after the timeouts: {open_idle} idle and {open_slow} slow connections still open; "
        f"server holds {open_descriptors(world.process.pid)} descriptors"
    )
    print(
        f"longest idle {max(idle_life, default=0):.1f} s (keep-alive {limits.keepalive_timeout:g}"
        f" s); longest slow head {max(slow_life, default=0):.1f} s "
        f"(header timeout {limits.header_timeout:g} s)"
    )
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def pulls(world: World, count: int) -> list[bool]:
    async def one(session: aiohttp.ClientSession) -> bool:
        sha = hashlib.sha256()
        async with session.get(f"{world.base}/edl/typo-edl.txt") as response:
            async for chunk in response.content.iter_chunked(1 << 16):
                sha.update(chunk)
            return response.status == 200 and response.headers["ETag"] == (
                f'"{sha.hexdigest()[:40]}"'
            )

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=300)) as session:
        return list(await asyncio.gather(*(one(session) for _ in range(count))))


def run(args: argparse.Namespace) -> None:
    raise_file_limit(args.idle + args.slow + 1024)
    limits = ConnectionLimits()
    with tempfile.TemporaryDirectory() as tmp:
        feed = Path(tmp) / "edl.yaml"
        feed.write_text(FEED)
        assert main(["run", str(feed)]) == 0
        world = start(feed, args.files, "flood")
        peer = min(curl(f"{world.base}/edl/typo-edl.txt") for _ in range(5))
        print(f"peer: the same pull on the unloaded server: {peer * 1000:.0f} ms (best of 5)")
        asyncio.run(flood(world, args.idle, args.slow, limits, args.files))
        log = world.stop()
        print("server:", next(line for line in log.splitlines() if "stopped" in line))
        print("server log: tracebacks", log.count("Traceback"), "lines", len(log.splitlines()))

        world = start(feed, args.files, "pulls")
        out = feed.parent / "out"
        big = out / "typo-edl.txt.tmp"
        with big.open("wb") as handle:
            for i in range(args.size_mib):
                handle.write(hashlib.sha256(str(i).encode()).hexdigest().encode() * (MiB // 64))
        os.replace(big, out / "typo-edl.txt")
        before = peak_rss_mib(world.process.pid)
        started = time.monotonic()
        good = asyncio.run(pulls(world, args.pulls))
        took = time.monotonic() - started
        after = peak_rss_mib(world.process.pid)
        world.stop()
        print(
            f"{args.pulls} simultaneous pulls of {args.size_mib} MiB: {sum(good)} whole and "
            f"matching their ETag in {took:.1f} s; server peak RSS (VmHWM) {before:.0f} MiB "
            f"before, {after:.0f} MiB after"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--idle", type=int, default=1100)
    parser.add_argument("--slow", type=int, default=300)
    parser.add_argument("--files", type=int, default=1024, help="the server's ulimit -n")
    parser.add_argument("--pulls", type=int, default=20)
    parser.add_argument("--size-mib", type=int, default=50)
    run(parser.parse_args())
