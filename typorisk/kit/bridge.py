"""The bridges between async and blocking code, written once.

:func:`iterate`: run an async iterator on an event loop in a background thread and yield its
items in the caller's thread as they arrive (the sync twins of the pipeline).
:func:`aiterate`: the other way round, a blocking iterator (the Dask client) consumed in a worker
thread and its items awaited in the loop.

The caller's thread keeps Ctrl-C: closing the iterator (exhausted, ``break``, or an exception,
``KeyboardInterrupt`` included) cancels the task, and every task it started ends before
:func:`iterate` returns (structured concurrency). The queue between them is bounded
(:data:`QUEUE_SIZE` items), so a slow consumer slows the producer instead of growing memory.

:func:`iterate` hands items over in batches of up to :data:`BATCH` (flushed at once when full,
and at most :data:`FLUSH_SECONDS` after the first item of a batch, so a slow stream still shows
its rows promptly): a thread hand-off per item costs a GIL switch each, which a stream of
small items cannot afford (figures in ``tests/benchmarks/README.md``).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import TypeVar

from typorisk.kit.loops import new_loop

T = TypeVar("T")
QUEUE_SIZE = 4096
"""Items buffered between the loop's thread and the caller's (at most)."""
BATCH = 256
"""Items handed over at once by :func:`iterate`."""
FLUSH_SECONDS = 0.05
"""Longest wait of an item in a batch that is not full, in seconds."""


WAITING: contextvars.ContextVar[Callable[[], None] | None] = contextvars.ContextVar(
    "WAITING", default=None
)
"""Called in the caller's thread each time :func:`iterate` is about to wait for the loop (every
item handed over so far is consumed): a writer that holds output back in large chunks writes
it now, so that a slow stream still shows every row it has."""


class _Failed:
    __slots__ = ("exc",)

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_END = object()


def _close(loop: asyncio.AbstractEventLoop) -> None:
    """Close ``loop`` the way :func:`asyncio.run` does: cancel what is left, let transports
    finish closing (their callbacks are already scheduled), shut down generators and the
    default executor, then close. Nothing is scheduled on a closed loop afterwards."""
    try:
        left = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in left:
            task.cancel()
        if left:
            loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
        loop.run_until_complete(asyncio.sleep(0))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        loop.close()


class _Sender:
    """The loop side of :func:`iterate`: batches items and puts them on the bounded queue."""

    def __init__(self, batches: queue.Queue[object], stop: threading.Event) -> None:
        self.batches = batches
        self.stop = stop
        self.buffer: list[object] = []
        self.timer: asyncio.TimerHandle | None = None

    def put(self, item: object) -> None:
        """Put ``item`` (blocking, but giving up once the consumer has stopped)."""
        while not self.stop.is_set():
            try:
                self.batches.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    async def add(self, item: object) -> None:
        """Buffer ``item``; hand the batch over when full, or soon (a timer) when not."""
        self.buffer.append(item)
        if len(self.buffer) >= BATCH:
            await self.flush()
        elif self.timer is None:
            self.timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._timed)

    def _timed(self) -> None:  # on the loop: never blocks, tries again while the queue is full
        self.timer = None
        if not self.buffer:
            return
        try:
            self.batches.put_nowait(self.buffer)
        except queue.Full:
            self.timer = asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._timed)
            return
        self.buffer = []

    async def flush(self) -> None:
        """Hand over what is buffered (waiting in a worker thread if the queue is full)."""
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        batch, self.buffer = self.buffer, []
        if not batch:
            return
        if self.batches.full():
            await asyncio.to_thread(self.put, batch)
        else:
            self.put(batch)


def _next_batch(batches: queue.Queue[object]) -> object:
    """The next batch, calling :data:`WAITING`'s hook first when none is ready."""
    try:
        return batches.get_nowait()
    except queue.Empty:
        idle = WAITING.get()
        if idle is not None:
            idle()
        return batches.get()


def iterate(make: Callable[[], AsyncIterator[T]], *, name: str = "typorisk-loop") -> Iterator[T]:
    """Items of the async iterator ``make()`` (created inside the loop's thread), in this one,
    in order, handed over in batches (see the module docstring).

    An exception raised by the async side is re-raised here, unchanged, after the items that
    came before it.
    """
    batches: queue.Queue[object] = queue.Queue(max(1, QUEUE_SIZE // BATCH))
    ready = threading.Event()
    stop = threading.Event()
    sender = _Sender(batches, stop)
    handles: dict[str, object] = {}

    async def main() -> None:
        try:
            async for item in make():
                await sender.add(item)
        finally:
            if not stop.is_set():
                await sender.flush()

    def thread_main() -> None:
        loop = new_loop()
        task = loop.create_task(main())
        handles["loop"], handles["task"] = loop, task
        ready.set()
        last: object = _END
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the caller's thread, which re-raises it
            last = _Failed(exc)
        finally:
            _close(loop)  # before the hand-over: the caller never sees a failure on a live loop
            sender.put(last)

    thread = threading.Thread(target=thread_main, name=name, daemon=True)
    thread.start()
    ready.wait()
    try:
        while (batch := _next_batch(batches)) is not _END:
            if isinstance(batch, _Failed):
                raise batch.exc
            yield from batch  # type: ignore[misc]
    finally:
        stop.set()
        if thread.is_alive():
            loop = handles["loop"]
            task = handles["task"]
            # RuntimeError: the loop closed in between, so the task has already ended
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)  # type: ignore[attr-defined]
            thread.join()


async def aiterate(make: Callable[[], Iterable[T]]) -> AsyncIterator[T]:
    """Items of the blocking iterable ``make()`` (created and consumed in a worker thread),
    awaited in the running loop through a bounded queue.

    An exception of the iterable is re-raised here. When the consumer stops early (closed,
    cancelled), the worker stops at its next item and is awaited: no thread is left behind.
    """
    loop = asyncio.get_running_loop()
    items: asyncio.Queue[object] = asyncio.Queue(QUEUE_SIZE)
    stop = threading.Event()

    def put(item: object) -> bool:
        sent = asyncio.run_coroutine_threadsafe(items.put(item), loop)
        while True:
            try:
                sent.result(timeout=0.1)
                return True
            except concurrent.futures.TimeoutError:
                if stop.is_set():
                    sent.cancel()
                    return False

    def work() -> None:
        try:
            for item in make():
                if not put(item):
                    return
        except BaseException as exc:  # handed to the loop, which re-raises it
            put(_Failed(exc))
        finally:
            put(_END)

    worker = loop.run_in_executor(None, work)
    try:
        while (item := await items.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        await worker
