"""The one async→sync bridge: run an async iterator on an event loop in a background thread and
yield its items in the caller's thread as they arrive.

The caller's thread keeps Ctrl-C: closing the iterator (exhausted, ``break``, or an exception,
``KeyboardInterrupt`` included) cancels the task, and every task it started ends before
:func:`iterate` returns (structured concurrency). The queue between them is bounded
(:data:`QUEUE_SIZE` items), so a slow consumer slows the producer instead of growing memory.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar

T = TypeVar("T")
QUEUE_SIZE = 4096
"""Items buffered between the loop's thread and the caller's."""


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


def iterate(make: Callable[[], AsyncIterator[T]], *, name: str = "typorisk-loop") -> Iterator[T]:
    """Items of the async iterator ``make()`` (created inside the loop's thread), in this one.

    An exception raised by the async side is re-raised here, unchanged.
    """
    items: queue.Queue[object] = queue.Queue(QUEUE_SIZE)
    ready = threading.Event()
    stop = threading.Event()
    handles: dict[str, object] = {}

    def put(item: object) -> None:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    async def main() -> None:
        async for item in make():
            # A full queue blocks this thread's loop briefly; hand the wait to a worker thread.
            if items.full():
                await asyncio.to_thread(put, item)
            else:
                put(item)

    def thread_main() -> None:
        loop = asyncio.new_event_loop()
        task = loop.create_task(main())
        handles["loop"], handles["task"] = loop, task
        ready.set()
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the caller's thread, which re-raises it
            put(_Failed(exc))
        finally:
            _close(loop)
            put(_END)

    thread = threading.Thread(target=thread_main, name=name, daemon=True)
    thread.start()
    ready.wait()
    try:
        while (item := items.get()) is not _END:
            if isinstance(item, _Failed):
                raise item.exc
            yield item  # type: ignore[misc]
    finally:
        if thread.is_alive():
            loop = handles["loop"]
            task = handles["task"]
            loop.call_soon_threadsafe(task.cancel)  # type: ignore[attr-defined]
            stop.set()
            thread.join()
