"""Wildcard detection: ask random labels under a zone, once per zone, shared by names below it.

Probing (once per zone and server set): a random 20-character label is asked ``NS``. NXDOMAIN
(without a CNAME, RFC 6604) means no wildcard: one query. If the label exists, the zone is
wildcarded, and :data:`SAMPLES` random labels in all are asked for their records (NS, A, AAAA, MX,
CNAME), because a wildcard may rotate its answers (a random 2 of 6 addresses each time).

If any probe fails (no reply, SERVFAIL, REFUSED, a malformed reply, one of the samples' record
lookups failing, or the samples disagreeing on whether a label exists), the zone's status is
*unknown* (``wildcarded=None``), and an existing name below it is ``unknown`` with outcome
``probe-failed``: a failed probe never lets a name pass as registered.

The rule (:meth:`ZoneWildcard.explains`): a name is "answered only by the wildcard" when, for each
of NS, A, AAAA, MX and CNAME, its values could have come from the samples:

- none, where some sample had none; otherwise
- a subset of the union of the samples' values, or anything non-empty when the samples
  disagree among themselves for that type (the wildcard rotates: DNS cannot tell its answer
  from a real record of the same type).

So a name with a record type the wildcard never gives (an NS delegation under a wildcarded TLD,
an MX where the wildcard has none), or a stable wildcard's type with a value it never gave, is
registered; everything else is reported as ``wildcard`` (unknown), not as a registered hit.
Registries have wildcarded whole TLDs (``.cm`` in 2006), so a wildcarded suffix is a finding of
its own.
"""

from __future__ import annotations

import asyncio
import secrets
import string
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from typorisk.resolve.records import Records

_ALPHABET = string.ascii_lowercase + string.digits

SAMPLES = 4
"""Random labels asked under a wildcarded zone (one only for a zone without a wildcard).

Four, so that a wildcard answering a random 2 of 6 addresses is seen to rotate unless all four
samples drew the same pair (probability (1/15)³ ≈ 0.03%)."""

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
    """True: random labels exist; False: NXDOMAIN; None: a probe failed (see module docstring)."""
    samples: tuple[Records, ...] = ()
    """The random labels' records (``SAMPLES`` of them), when wildcarded."""
    queries: int = 0
    """Queries the probes sent."""

    def explains(self, records: Records) -> bool:
        """True when ``records`` could all have come from this zone's wildcard (module docstring).

        Always False for a zone that is not (known to be) wildcarded.
        """
        if not self.wildcarded or not self.samples:
            return False
        return all(
            _explained(value, [sample_fields[i] for sample_fields in self._fields()])
            for i, value in enumerate(_fields(records))
        )

    def _fields(self) -> list[tuple[frozenset[object], ...]]:
        return [_fields(sample) for sample in self.samples]


def _fields(records: Records) -> tuple[frozenset[object], ...]:
    """The compared record sets of ``records``: NS, A, AAAA, MX, CNAME (as sets)."""
    cname = frozenset() if records.cname is None else frozenset((records.cname,))
    return (
        frozenset(records.ns),
        frozenset(records.a),
        frozenset(records.aaaa),
        frozenset(records.mx),
        cname,
    )


def _explained(value: frozenset[object], seen: list[frozenset[object]]) -> bool:
    """Whether one record type's ``value`` could come from a wildcard whose samples had ``seen``."""
    if not value:
        return any(not s for s in seen)
    given = {s for s in seen if s}
    if not given:
        return False
    return len(given) > 1 or value <= next(iter(given))


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
        task = self.start(key)
        if task.done():
            return task.result()
        return await asyncio.shield(task)

    def start(self, key: K) -> asyncio.Task[V]:
        """The computation of ``key``, started now unless it already was."""
        task = self._tasks.get(key)
        if task is None:
            task = self._group.create_task(self._run(key))
            self._tasks[key] = task
        return task

    async def _run(self, key: K) -> V:
        return await self._compute(key)

    def done_values(self) -> list[V]:
        """Values computed so far."""
        return [t.result() for t in self._tasks.values() if t.done() and not t.cancelled()]

    def cancel_pending(self) -> None:
        """Cancel computations nobody will wait for any more (end of scan)."""
        for task in self._tasks.values():
            task.cancel()
