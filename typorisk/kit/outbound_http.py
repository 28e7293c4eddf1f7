"""The outbound address policy for aiohttp sessions (:mod:`typorisk.kit.outbound`).

A module of its own so that importing the policy does not load aiohttp (``typorisk resolve``
needs neither).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import aiohttp
from aiohttp.abc import ResolveResult

from typorisk.kit.outbound import AddressPolicy


class PolicyConnector(aiohttp.TCPConnector):
    """An aiohttp connector that connects only where ``policy`` allows.

    aiohttp connects to exactly the addresses ``_resolve_host`` returns (names through its
    resolver, IP literals as they are), so filtering them there is the check on the address
    actually connected to: no second lookup follows. A host with no allowed address fails
    with :class:`AddressRefused`, which aiohttp reports as a connection error (its ``os_error``).
    """

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy

    async def _resolve_host(
        self, host: str, port: int, traces: Sequence[Any] | None = None
    ) -> list[ResolveResult]:
        found = await super()._resolve_host(host, port, traces)
        kept = set(self.policy.permitted([str(r["host"]) for r in found]))
        return [r for r in found if str(r["host"]) in kept]
