"""The resolve stage on several processes of this host, one per core (``--processes``).

Why: the engine is CPU-bound in Python (building questions, the event loop, parsing answers)
and one process holds one core; with two or more cores, a process per core resolves that many
names at once. Measured with ``tests/benchmarks/bench_resolve.py`` (the CLI with its defaults).

How:

- **The names are dealt out, not hashed**: the parent sends each shard batches of names over
  its own pipe and keeps at most :data:`CREDIT` unanswered names per shard, so a shard that is
  slowed (a zone that times out) gets fewer, and no pipe ever fills (the parent never blocks
  on a send while a shard waits to hand results back).
- **Each shard is a full engine** (:class:`~typorisk.resolve.ResolveScan` over its own
  :class:`~typorisk.resolve.DnsClient`), fed asynchronously, with ``1/N`` of the rate ceiling,
  of the start rate and of the concurrency: the shards together never exceed ``--rate``. Each
  probes the wildcard zones it meets, so a zone may be probed once per shard (counted).
- **Results are merged as they come**: a shard hands back (name, resolution) pairs in batches
  (at most :data:`FLUSH_ITEMS` or :data:`FLUSH_SECONDS`), and its :class:`ResolveStats` at the end;
  the parent maps each name back to the item it came from and sums the statistics
  (:func:`merge_stats`). Every item comes out exactly once: a shard that dies leaves its
  unanswered names ``unknown`` (outcome ``error``, saying so), never dropped nor doubled.
- **Start**: ``fork`` when the caller is this process's only thread (the CLI: a few ms per
  shard), else ``spawn`` (a fresh interpreter per shard, ~0.2 s). Shards are stopped by their
  own handles (join, then terminate and kill), never by name.

Pickle carries the messages: both ends are this program, over pipes it created.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import struct
import threading
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any, Generic, TypeVar

from typorisk.kit import loops
from typorisk.resolve.records import (
    Mail,
    Outcome,
    Registration,
    Resolution,
    ResolveStats,
    ServerStats,
)
from typorisk.resolve.spec import ResolveSpec

T = TypeVar("T")

BATCH = 128
"""Names per message to a shard."""
CREDIT = 2048
"""Names a shard may hold unanswered (in its pipe, queue or in flight)."""
FLUSH_ITEMS = 256
"""Results per message back from a shard, at most."""
FLUSH_SECONDS = 0.02
"""A shard hands back what it has at least this often (seconds) while results come."""
JOIN_SECONDS = 5.0
"""Seconds a finished shard may take to exit before it is terminated."""


def shard_spec(spec: ResolveSpec, shards: int) -> ResolveSpec:
    """``spec`` with one shard's share of the rate ceiling and of the concurrency."""
    return replace(
        spec,
        rate=spec.rate / shards if spec.rate else None,
        concurrency=max(1, -(-spec.concurrency // shards)),
    )


class _Frames:
    """The messages of a :class:`multiprocessing.connection.Connection` read as the event loop
    says its pipe is readable: whatever bytes are there, split into the frames ``send_bytes``
    wrote (a 4-byte big-endian length, or -1 and an 8-byte length, then the body).

    Why not ``recv_bytes`` in the callback: it assumes a blocking descriptor, and uvloop's
    ``add_reader`` makes the descriptor non-blocking (libuv's poll handle), so a message that
    had not fully arrived raised ``BlockingIOError`` and its shard was taken for dead (one run
    in two of 7,426 names on two shards). The descriptor is made non-blocking here, so both
    loops read it the same way.
    """

    def __init__(self, connection: multiprocessing.connection.Connection) -> None:
        self.fd = connection.fileno()
        os.set_blocking(self.fd, False)
        self._buffer = bytearray()
        self.closed = False
        """The writer's end is closed (every frame before it has been returned)."""

    def read(self) -> list[bytes]:
        """The frames complete so far (none when the pipe had nothing new)."""
        while True:
            try:
                chunk = os.read(self.fd, _READ_SIZE)
            except BlockingIOError:
                break
            except OSError:
                self.closed = True
                break
            if not chunk:
                self.closed = True
                break
            self._buffer += chunk
            if len(chunk) < _READ_SIZE:
                break
        frames: list[bytes] = []
        buffer = self._buffer
        start = 0
        while len(buffer) - start >= 4:
            (size,) = struct.unpack_from("!i", buffer, start)
            head = 4
            if size == -1:
                if len(buffer) - start < 12:
                    break
                (size,) = struct.unpack_from("!Q", buffer, start + 4)
                head = 12
            if len(buffer) - start < head + size:
                break
            frames.append(bytes(buffer[start + head : start + head + size]))
            start += head + size
        del buffer[:start]
        return frames


_READ_SIZE = 1 << 16
"""Bytes read from a pipe at a time."""


# -- the shard (child process) -----------------------------------------------------------------


def _shard_main(
    names: multiprocessing.connection.Connection,
    results: multiprocessing.connection.Connection,
    spec: ResolveSpec,
    shards: int,
) -> None:
    """A shard's process: resolve what arrives on ``names`` until its end mark, answering on
    ``results``; the last message is ``("stats", ResolveStats)`` (or ``("error", text)``)."""
    with contextlib.suppress(AttributeError):  # a forked child keeps the parent's running loop
        asyncio.events._set_running_loop(None)
    try:
        loops.run(_serve(names, results, spec, shards))
    except BaseException as exc:  # reported to the parent, which marks this shard's names
        with contextlib.suppress(OSError):
            results.send_bytes(pickle.dumps(("error", f"{type(exc).__name__}: {exc}")))
        raise


async def _serve(
    names_in: multiprocessing.connection.Connection,
    results_out: multiprocessing.connection.Connection,
    spec: ResolveSpec,
    shards: int,
) -> None:
    """Resolve the names arriving on ``names_in``; the statistics are the last message.
    Results leave through a writer thread, so this loop never blocks on a full pipe and always
    drains ``names_in`` (the parent's sends then never block either: no deadlock)."""
    loop = asyncio.get_running_loop()
    inbox: asyncio.Queue[list[str] | None] = asyncio.Queue()
    outbox: queue.Queue[bytes | None] = queue.Queue()

    def write() -> None:
        while (data := outbox.get()) is not None:
            results_out.send_bytes(data)

    writer = threading.Thread(target=write, name="typorisk-shard-writer", daemon=True)
    writer.start()

    frames = _Frames(names_in)

    def readable() -> None:
        for data in frames.read():
            if not data:  # the end mark
                loop.remove_reader(frames.fd)
                inbox.put_nowait(None)
                return
            inbox.put_nowait(data.decode("ascii", "surrogateescape").split("\n"))
        if frames.closed:  # the parent is gone
            loop.remove_reader(frames.fd)
            inbox.put_nowait(None)

    loop.add_reader(frames.fd, readable)

    async def source() -> AsyncIterator[str]:
        while (batch := await inbox.get()) is not None:
            for name in batch:
                yield name

    buffer: list[tuple[str, Resolution]] = []
    timer: asyncio.TimerHandle | None = None

    def flush() -> None:
        nonlocal buffer, timer
        if timer is not None:
            timer.cancel()
            timer = None
        if buffer:
            outbox.put(pickle.dumps(("rows", buffer)))
            buffer = []

    try:
        async with spec.client(share=1.0 / shards) as client:
            scan = spec.scan(client)
            async for pair in scan.run(source()):
                buffer.append(pair)
                if len(buffer) >= FLUSH_ITEMS:
                    flush()
                elif timer is None:
                    timer = loop.call_later(FLUSH_SECONDS, flush)
            flush()
        outbox.put(pickle.dumps(("stats", scan.stats())))
    finally:
        outbox.put(None)
        await asyncio.to_thread(writer.join)


# -- the parent --------------------------------------------------------------------------------


class _Shard:
    """One shard seen from the parent: its process, pipes and unanswered names."""

    def __init__(self, process: Any, names: Any, results: Any) -> None:
        self.process = process
        self.names = names
        self.results = results
        self.unanswered: Counter[str] = Counter()
        self.outstanding = 0
        self.stats: ResolveStats | None = None
        self.error: str | None = None
        self.done = False


class ShardPool:
    """``shards`` resolving processes, started now (see the module docstring for fork vs.
    spawn); :meth:`resolve` streams items through them. Close with :meth:`close` (also done
    when :meth:`resolve` ends)."""

    def __init__(self, spec: ResolveSpec, shards: int) -> None:
        if shards < 2:
            raise ValueError("a shard pool needs at least 2 shards")
        alone = threading.current_thread() is threading.main_thread() and (
            threading.active_count() == 1
        )
        method = "fork" if alone and "fork" in multiprocessing.get_all_start_methods() else "spawn"
        if method == "fork" and spec.wildcards:
            # Each shard needs the PSL at its first existing name (zones to probe): parsed
            # here once (~60 ms), the forked shards share it instead of each parsing it mid-run.
            from typorisk.parse.psl import load_psl  # noqa: PLC0415

            load_psl()
        context: Any = multiprocessing.get_context(method)
        each = shard_spec(spec, shards)
        self.shards: list[_Shard] = []
        for _ in range(shards):
            names_read, names_write = context.Pipe(duplex=False)
            results_read, results_write = context.Pipe(duplex=False)
            process = context.Process(
                target=_shard_main,
                args=(names_read, results_write, each, shards),
                name="typorisk-shard",
                daemon=True,
            )
            process.start()
            names_read.close()
            results_write.close()
            self.shards.append(_Shard(process, names_write, results_read))
        self.stats: ResolveStats | None = None
        """The shards' statistics merged, once :meth:`resolve` has ended."""
        self.errors: list[str] = []
        self.notes: list[str] = []
        """Statistics lines for the user (none: :attr:`stats` says it all)."""
        """Why each shard that failed or died stopped, one reason each."""

    @property
    def pids(self) -> list[int]:
        """The shards' process ids."""
        return [s.process.pid for s in self.shards]

    async def resolve(
        self, items: Iterable[T], domain_of: Callable[[T], str]
    ) -> AsyncIterator[tuple[T, Resolution]]:
        """``(item, resolution)`` for every item, in completion order, each exactly once."""
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        run = _Run(self, iter(items), domain_of)
        for shard in self.shards:
            loop.add_reader(shard.results.fileno(), run.reader(shard))
        try:
            for shard in self.shards:
                run.feed(shard)
            live = len(self.shards)
            while live:
                shard, kind, body = await run.arrived.get()
                if kind == "rows":
                    for pair in run.answered(shard, body):
                        yield pair
                    continue
                live -= 1
                for pair in run.ended(shard, kind, body, last=not live):
                    yield pair
        finally:
            for shard in self.shards:
                with contextlib.suppress(ValueError, OSError):
                    loop.remove_reader(shard.results.fileno())
            self.close()
            elapsed = time.monotonic() - started
            self.stats = merge_stats([s.stats for s in self.shards if s.stats], elapsed)

    def send(self, shard: _Shard, data: bytes) -> None:
        """Send ``data`` to ``shard`` (a shard that is gone is marked done)."""
        try:
            shard.names.send_bytes(data)
        except OSError:  # the shard is gone: its reader reports it
            shard.done = True

    def end(self, shard: _Shard) -> None:
        """Send ``shard`` its end mark and close its names pipe (once)."""
        if not shard.names.closed:
            with contextlib.suppress(OSError):
                shard.names.send_bytes(b"")
            shard.names.close()

    def close(self) -> None:
        """End every shard: an end mark, a wait, then terminate and kill by handle."""
        for shard in self.shards:
            self.end(shard)
        deadline = time.monotonic() + JOIN_SECONDS
        for shard in self.shards:
            shard.process.join(max(0.0, deadline - time.monotonic()))
            if shard.process.is_alive():
                shard.process.terminate()
                shard.process.join(1.0)
            if shard.process.is_alive():
                shard.process.kill()
                shard.process.join()
            with contextlib.suppress(OSError):
                shard.results.close()


class _Run(Generic[T]):
    """One :meth:`ShardPool.resolve`: the items still to send, the items sent (by name, in
    order), and the messages that arrived."""

    def __init__(self, pool: ShardPool, source: Iterator[T], domain_of: Callable[[T], str]) -> None:
        self.pool = pool
        self.source = source
        self.domain_of = domain_of
        self.held: dict[str, deque[T]] = {}
        self.exhausted = False
        self.arrived: asyncio.Queue[tuple[_Shard, str, Any]] = asyncio.Queue()

    def reader(self, shard: _Shard) -> Callable[[], None]:
        """The loop's callback for ``shard``'s results pipe."""
        loop = asyncio.get_running_loop()
        frames = _Frames(shard.results)
        ended = False

        def on_readable() -> None:
            nonlocal ended
            for data in frames.read():
                if ended:
                    return
                # Our own shard, over a pipe we created (see the module docstring).
                kind, body = pickle.loads(data)  # noqa: S301
                ended = kind != "rows"
                self.arrived.put_nowait((shard, kind, body))
            if frames.closed and not ended:
                ended = True
                self.arrived.put_nowait((shard, "died", None))
            if ended:
                loop.remove_reader(frames.fd)

        return on_readable

    def feed(self, shard: _Shard) -> None:
        """Send ``shard`` batches until it holds :data:`CREDIT` names or the items end (then
        every shard gets its end mark)."""
        while not self.exhausted and not shard.done and shard.outstanding < CREDIT - BATCH:
            batch: list[str] = []
            for item in self.source:
                name = self.domain_of(item)
                self.held.setdefault(name, deque()).append(item)
                batch.append(name)
                if len(batch) == BATCH:
                    break
            else:
                self.exhausted = True
            if batch:
                shard.unanswered.update(batch)
                shard.outstanding += len(batch)
                self.pool.send(shard, "\n".join(batch).encode("ascii", "surrogateescape"))
        if self.exhausted:
            for each in self.pool.shards:
                self.pool.end(each)

    def answered(
        self, shard: _Shard, pairs: list[tuple[str, Resolution]]
    ) -> Iterator[tuple[T, Resolution]]:
        """The items of a batch of results; then ``shard`` gets more names."""
        for name, resolution in pairs:
            shard.unanswered[name] -= 1
            if not shard.unanswered[name]:
                del shard.unanswered[name]
            shard.outstanding -= 1
            yield _take(self.held, name), resolution
        self.feed(shard)

    def ended(
        self, shard: _Shard, kind: str, body: Any, *, last: bool
    ) -> Iterator[tuple[T, Resolution]]:
        """``shard`` ended (its statistics, an error or a death): its unanswered items come out
        unknown, and the names still to come go to the others (``last``: there is none)."""
        shard.done = True
        if kind == "stats":
            shard.stats = body
        else:
            shard.error = body or f"exit code {shard.process.exitcode}"
            self.pool.errors.append(f"a resolver process stopped: {shard.error}")
        for name, count in list(shard.unanswered.items()):
            for _ in range(count):
                yield _take(self.held, name), _lost(name)
        shard.unanswered.clear()
        shard.outstanding = 0
        if not last:
            for other in self.pool.shards:
                if not other.done:
                    self.feed(other)
        elif not self.exhausted:  # no shard left: the rest cannot be resolved
            self.exhausted = True
            for item in self.source:
                yield item, _lost(self.domain_of(item))


def _take(held: dict[str, deque[T]], name: str) -> T:
    queue = held[name]
    item = queue.popleft()
    if not queue:
        del held[name]
    return item


def _lost(name: str) -> Resolution:
    """``name`` left unknown: its shard stopped before answering (the summary says why)."""
    return Resolution(
        name,
        Registration.UNKNOWN,
        Outcome.ERROR,
        Mail.UNKNOWN,
    )


def merge_stats(parts: Iterable[ResolveStats], elapsed: float) -> ResolveStats:
    """The statistics of shards that ran side by side: counts summed, per-server rates summed
    (the shards share each server), wildcard zones united; ``elapsed`` is the run's wall time."""
    parts = list(parts)
    servers: dict[str, ServerStats] = {}
    for part in parts:
        for key, s in part.servers.items():
            old = servers.get(key)
            servers[key] = s if old is None else _merge_server(old, s)
    rcodes: Counter[str] = Counter()
    registrations: Counter[str] = Counter()
    for part in parts:
        rcodes.update(part.rcodes)
        registrations.update(part.registrations)
    return ResolveStats(
        names=sum(p.names for p in parts),
        queries=sum(p.queries for p in parts),
        rcodes=dict(rcodes),
        timeouts=sum(p.timeouts for p in parts),
        retries=sum(p.retries for p in parts),
        tcp=sum(p.tcp for p in parts),
        mismatched=sum(p.mismatched for p in parts),
        registrations=dict(registrations),
        wildcard_zones=tuple(dict.fromkeys(z for p in parts for z in p.wildcard_zones)),
        elapsed=elapsed,
        servers=servers,
        malformed=sum(p.malformed for p in parts),
    )


def _merge_server(a: ServerStats, b: ServerStats) -> ServerStats:
    def add(x: float | None, y: float | None) -> float | None:
        return None if x is None and y is None else (x or 0.0) + (y or 0.0)

    return ServerStats(
        a.sent + b.sent,
        a.answered + b.answered,
        a.timeouts + b.timeouts,
        a.malformed + b.malformed,
        rate=add(a.rate, b.rate),
        peak_rate=add(a.peak_rate, b.peak_rate),
        cuts=a.cuts + b.cuts,
        resent=a.resent + b.resent,
    )
