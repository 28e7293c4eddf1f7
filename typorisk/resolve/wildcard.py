"""Wildcard detection: ask a random label under a zone, once per zone, shared by names below it.

A zone is wildcarded when a random 20-character label under it exists. A name below that zone is
"answered only by the wildcard" when its records equal the random label's (same NS, A, AAAA, MX and
CNAME): it is then reported as ``wildcard``, not as a registered hit. Registries have wildcarded
whole TLDs (``.cm`` in 2006), so a wildcarded suffix is a finding of its own.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

_ALPHABET = string.ascii_lowercase + string.digits

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def random_label(length: int = 20) -> str:
    """A random label of ``length`` (≥ 16) lowercase letters and digits: surely unregistered."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(max(16, length)))


@dataclass(frozen=True, slots=True)
class ZoneWildcard:
    """The result of probing one zone."""

    zone: str
    wildcarded: bool | None
    """True: a random label exists; False: NXDOMAIN; None: the probe failed (timeout, SERVFAIL)."""
    fingerprint: tuple[object, ...] | None = None
    """The random label's records (see ``Records.fingerprint``), when wildcarded."""
    queries: int = 0
    """Queries the probe sent."""


class OnceCache(Generic[K, V]):
    """Computes each key once, however many tasks ask concurrently.

    The computations run as tasks of ``group`` (so none outlives the scan) and are awaited through
    :func:`asyncio.shield`, so a waiter hitting its own deadline does not cancel the shared work.
    """

    def __init__(self, group: asyncio.TaskGroup, compute: Callable[[K], Awaitable[V]]) -> None:
        self._group = group
        self._compute = compute
        self._tasks: dict[K, asyncio.Task[V]] = {}

    async def get(self, key: K) -> V:
        """The value for ``key``, computing it on first request."""
        task = self._tasks.get(key)
        if task is None:
            task = self._group.create_task(self._run(key))
            self._tasks[key] = task
        return await asyncio.shield(task)

    async def _run(self, key: K) -> V:
        return await self._compute(key)

    def done_values(self) -> list[V]:
        """Values computed so far."""
        return [t.result() for t in self._tasks.values() if t.done() and not t.cancelled()]

    def cancel_pending(self) -> None:
        """Cancel computations nobody will wait for any more (end of scan)."""
        for task in self._tasks.values():
            task.cancel()
