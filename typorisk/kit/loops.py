"""The event loop typorisk's own loops run on: uvloop's where it is installed, asyncio's
otherwise (``TYPORISK_LOOP=asyncio`` forces asyncio's, to rule the loop out when debugging).

Only the loops typorisk starts itself use it (the bridge thread of the CLI and of the sync
twins ``Scan``/``ResolveNames``, the resolver processes); a library caller's loop stays
whatever the caller runs. Why: the resolve stage is bound by the loop's CPU (a reply, its
future, the task that awaited it). On 7,426 dnstwist candidates against a local Unbound,
``typorisk resolve`` took 1.0 CPU s and 1.19 s wall on uvloop against 1.1 and 1.39 on
asyncio's loop (medians of 6 interleaved runs, loaded machine; the whole-process benchmark is
``tests/benchmarks/bench_resolve.py``). Its transports behave as asyncio's for what the
client uses: connected UDP sockets with ``error_received`` for ICMP errors, ``setsockopt``
through ``get_extra_info("socket")``, TCP streams. One difference: its ``add_reader`` makes
the descriptor non-blocking, so a reader must take what bytes are there (the resolver
processes' pipes are read as frames for that reason, ``typorisk.resolve.shards._Frames``). The
suites run both: the CLI and the sync twins on this loop, the async API on asyncio's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """The constructor of a new event loop (see the module docstring)."""
    if os.environ.get("TYPORISK_LOOP", "").lower() != "asyncio":
        try:
            import uvloop  # noqa: PLC0415 - only where a loop starts (~10 ms of imports)
        except ImportError:
            pass
        else:
            return uvloop.new_event_loop
    return asyncio.new_event_loop


def new_loop() -> asyncio.AbstractEventLoop:
    """A new event loop of :func:`loop_factory`'s kind."""
    return loop_factory()()


def run(main: Coroutine[Any, Any, T]) -> T:
    """:func:`asyncio.run` (an :class:`asyncio.Runner`) on a loop of :func:`loop_factory`'s
    kind."""
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(main)
