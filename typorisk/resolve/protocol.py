"""What the engine's parts need of the engine, declared once.

The driver (:mod:`typorisk.resolve.pump`) and the authoritative path
(:mod:`typorisk.resolve.authoritative`) are called by
:class:`~typorisk.resolve.scanner.ResolveScan` and call back into it; :class:`Engine` is that
surface, a protocol so that neither imports the engine that imports them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, Protocol

from typorisk.resolve.client import DnsClient
from typorisk.resolve.names import Item
from typorisk.resolve.question import Question
from typorisk.resolve.records import Outcome, Resolution, ZoneServers
from typorisk.resolve.transport import NameServer, Reply


class Engine(Protocol):
    """One resolve run: its client, limits and the steps of settling a name."""

    client: DnsClient
    concurrency: int
    """Names in flight at once (≥ 1)."""
    authoritative_port: int

    @property
    def room(self) -> asyncio.Event:
        """Set while the consumer keeps up (no name is started while it is cleared)."""
        ...

    @property
    def fast(self) -> bool:
        """Names may start by callback (:meth:`DnsClient.start`): recursive mode, no budget."""
        ...

    def hand_out(self, source: object, result: Resolution, out: asyncio.Queue[object]) -> None:
        """Count ``result`` and queue it, with the item it came from, for the consumer."""
        ...

    def at_once(self, item: Item[object]) -> Resolution | None:
        """The result of an item settled without a query (a name that cannot be asked, or
        the budget spent), else ``None``."""
        ...

    def settle(self, item: Item[object]) -> Coroutine[Any, Any, Resolution]:
        """Settle one item on the coroutine path (within the budget, in the run's mode)."""
        ...

    def decide(self, name: str, reply: Reply | None, sent: int) -> Resolution | Outcome:
        """What the NS question's final reply settles (see the engine)."""
        ...

    def recursive(
        self, item: Item[object], name: str, question: Question | None = None
    ) -> Coroutine[Any, Any, Resolution]:
        """Settle ``name`` by its NS question (``question``: already under way)."""
        ...

    def existing(
        self,
        item: Item[object],
        name: str,
        outcome: Outcome,
        *,
        first: Reply | None,
        sent: int,
        ns: tuple[str, ...] = (),
        probe_servers: tuple[NameServer, ...] | None = None,
        lame: bool = False,
    ) -> Coroutine[Any, Any, Resolution]:
        """The resolution of a name known to exist."""
        ...

    def zone_servers(self, suffix: str) -> Coroutine[Any, Any, ZoneServers]:
        """Authoritative mode: the suffix's zone and servers."""
        ...
