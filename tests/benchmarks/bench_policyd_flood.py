"""Flood ``typorisk policyd`` while idle connections hold every slot; nothing may fail open.

    .venv/bin/python tests/benchmarks/bench_policyd_flood.py [--idle 300] [--clients 1000]

Starts the real CLI (``typorisk policyd``, default limits: 256 connections) in a child process
on a free 127.0.0.1 port, opens ``--idle`` connections and leaves them idle (half of them after
one answered request, like Postfix's smtpd processes between mails; half never say anything),
then opens ``--clients`` connections at once, each sending one good request: even-numbered ones
for the typo domain ``pentagon.ml`` (must be REJECTed), odd-numbered ones for the real
``pentagon.mil`` (must get DUNNO). Prints p50/p99/max latency (connect to reply, milliseconds),
how many got the right verdict, a wrong one, or were reset (closed or reset without a reply).
The named peer is the same flood with no idle connections held open, run in the same script:
the ratio of the two p99s is what the idle connections cost. Not a timed assertion (the test
suite's ``tests/policyd/test_flood.py`` asserts the verdicts and the 1 s bound).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REQUEST = (
    "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
    "client_address=192.0.2.1\nsender=alice@corp.example\nrecipient={}\n\n"
)
TYPO, REAL = "general@pentagon.ml", "general@pentagon.mil"


@dataclass(frozen=True, slots=True)
class FloodResult:
    """What ``clients`` one-request clients saw; latencies in seconds, connect to reply."""

    clients: int
    verdicts: int
    """Clients that got the right action (REJECT for the typo, DUNNO for the real domain)."""
    wrong: int
    """Clients that got a reply with the wrong action."""
    resets: int
    """Clients whose connection was refused, reset or closed without a reply."""
    timeouts: int
    """Clients with no reply within the client timeout."""
    latencies: tuple[float, ...]
    """Seconds from connect to reply, one per client that got a reply, sorted."""

    def quantile(self, q: float) -> float:
        """The ``q`` quantile (q in [0, 1]) of the latencies, in seconds (inf if none)."""
        if not self.latencies:
            return float("inf")
        return self.latencies[min(len(self.latencies) - 1, int(q * len(self.latencies)))]


def raise_open_files(need: int) -> int:
    """Raise this process's soft RLIMIT_NOFILE to the hard limit (children inherit it);
    returns the soft limit. Raises RuntimeError naming the fix when ``need`` does not fit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft != resource.RLIM_INFINITY and soft < need:
        raise RuntimeError(f"{need} open files needed, hard limit is {soft}: raise `ulimit -Hn`")
    return int(soft)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def policyd_argv(targets: Path, port: int, *extra: str) -> list[str]:
    """The real CLI, run by this interpreter, with default limits."""
    return [
        sys.executable, "-m", "typorisk", "policyd", "--listen", f"127.0.0.1:{port}",
        "--file", str(targets), "--log-level", "WARNING", *extra,
    ]  # fmt: skip


def wait_listening(port: int, process: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Poll until ``127.0.0.1:port`` accepts; RuntimeError if the child exits or never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"policyd exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("policyd did not start listening")


@contextmanager
def policyd(
    targets: Path, *extra: str, stderr: IO[bytes] | None = None
) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Run ``typorisk policyd`` on a free port; yields (port, process). Stopped by its PID
    (SIGTERM, then SIGKILL after 10 s) however the block ends; its stderr goes to ``stderr``
    (discarded when None)."""
    port = free_port()
    with ExitStack() as stack:
        log = stderr if stderr is not None else stack.enter_context(tempfile.TemporaryFile())
        process = subprocess.Popen(policyd_argv(targets, port, *extra), stderr=log)
        try:
            wait_listening(port, process)
            yield port, process
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


async def _ask(port: int, recipient: str, timeout: float) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(REQUEST.format(recipient).encode())
        await writer.drain()
        async with asyncio.timeout(timeout):
            return await reader.readuntil(b"\n\n")
    finally:
        writer.close()


async def _one(port: int, n: int, timeout: float) -> tuple[str, float]:
    recipient = TYPO if n % 2 == 0 else REAL
    t0 = time.perf_counter()
    try:
        reply = await _ask(port, recipient, timeout)
    except (ConnectionError, asyncio.IncompleteReadError):
        return "reset", 0.0
    except TimeoutError:
        return "timeout", 0.0
    seconds = time.perf_counter() - t0
    right = (
        reply.startswith(b"action=REJECT 5.7.1 pentagon.ml")
        if recipient == TYPO
        else reply == b"action=DUNNO\n\n"
    )
    return ("verdict" if right else "wrong"), seconds


async def hold_idle(port: int, count: int) -> list[asyncio.StreamWriter]:
    """Open ``count`` connections and leave them idle: even ones after one answered request,
    odd ones without a word. Returns their writers (close them when done)."""
    writers = []
    for n in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writers.append(writer)
        if n % 2 == 0:
            writer.write(REQUEST.format(REAL).encode())
            await writer.drain()
            # it may already have been closed to admit a newer one: that is the point
            with suppress(ConnectionError, asyncio.IncompleteReadError):
                async with asyncio.timeout(5):
                    await reader.readuntil(b"\n\n")
    return writers


async def flood(port: int, clients: int, idle: int, timeout: float = 5.0) -> FloodResult:
    """Hold ``idle`` connections open, wait past the server's grace (0.5 s), then run
    ``clients`` one-request clients at once."""
    held = await hold_idle(port, idle)
    await asyncio.sleep(0.7 if idle else 0.0)
    try:
        outcomes = await asyncio.gather(*(_one(port, n, timeout) for n in range(clients)))
    finally:
        for writer in held:
            writer.close()
    kinds = [kind for kind, _ in outcomes]
    return FloodResult(
        clients=clients,
        verdicts=kinds.count("verdict"),
        wrong=kinds.count("wrong"),
        resets=kinds.count("reset"),
        timeouts=kinds.count("timeout"),
        latencies=tuple(sorted(s for kind, s in outcomes if kind in ("verdict", "wrong"))),
    )


def flood_from_child(port: int, clients: int, idle: int, timeout: float = 5.0) -> FloodResult:
    """:func:`flood` run by a fresh interpreter: the clients are a process of their own, as a
    mail server's are, so what the caller's process holds (a test session's heap, its loaded
    modules) does not slow the clients and blur the server's figures."""
    code = (
        "import asyncio, dataclasses, json, sys\n"
        "from tests.benchmarks.bench_policyd_flood import flood\n"
        "r = asyncio.run(flood(*map(int, sys.argv[1:4]), float(sys.argv[4])))\n"
        "print(json.dumps(dataclasses.asdict(r)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(port), str(clients), str(idle), str(timeout)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    fields = json.loads(done.stdout)
    return FloodResult(**{**fields, "latencies": tuple(fields["latencies"])})


def _line(name: str, r: FloodResult) -> str:
    return (
        f"{name:28} p50 {r.quantile(0.5) * 1e3:7.1f} ms  p99 {r.quantile(0.99) * 1e3:7.1f} ms  "
        f"max {r.quantile(1.0) * 1e3:7.1f} ms  verdicts {r.verdicts}/{r.clients}  "
        f"wrong {r.wrong}  reset {r.resets}  timeout {r.timeouts}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=300)
    parser.add_argument("--clients", type=int, default=1000)
    args = parser.parse_args()
    limit = raise_open_files(2 * (args.idle + args.clients) + 200)
    with tempfile.TemporaryDirectory() as tmp:
        targets = Path(tmp) / "targets.txt"
        targets.write_text("pentagon.mil\n")
        with policyd(targets) as (port, _):
            peer = asyncio.run(flood(port, args.clients, 0))
        with policyd(targets) as (port, _):
            loaded = asyncio.run(flood(port, args.clients, args.idle))
    print(f"policyd flood: {args.clients} clients, one request each; open-file limit {limit}")
    print(_line("peer: no idle connections", peer))
    print(_line(f"{args.idle} idle connections held", loaded))
    ratio = loaded.quantile(0.99) / peer.quantile(0.99) if peer.latencies else float("nan")
    print(f"p99 with {args.idle} idle held / p99 without: {ratio:.2f}x")


if __name__ == "__main__":
    main()
