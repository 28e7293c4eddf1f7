"""How a resolve stage that runs elsewhere resolves: :class:`ResolveSpec`, the picklable
settings a resolver process (:mod:`typorisk.resolve.shards`) or a Dask batch
(:mod:`typorisk.resolve.dask`) builds its own client and engine from, written once for both.
"""

from __future__ import annotations

from dataclasses import dataclass

from typorisk.resolve.client import DnsClient
from typorisk.resolve.scanner import ResolveScan
from typorisk.resolve.transport import NameServer


@dataclass(frozen=True, slots=True)
class ResolveSpec:
    """The client's and the engine's settings, as plain values (picklable: it travels to
    spawned processes and Dask workers)."""

    servers: tuple[tuple[str, int], ...]
    """Recursive resolvers as (address, port)."""
    timeout: float = 2.0
    """Seconds per query attempt."""
    retries: int = 2
    rate: float | None = None
    """Ceiling per server, queries/s (a process pool or a cluster divides a run's ceiling
    among its members, see ``shard_spec`` and ``resolve_dask``)."""
    concurrency: int = 256
    """Names in flight."""
    budget: float | None = None
    authoritative: bool = False
    authoritative_port: int = 53
    wildcards: bool = True

    def client(self, *, share: float = 1.0) -> DnsClient:
        """A new client for :attr:`servers` (``share``: its part of the start rate, for one
        of several processes)."""
        servers = [NameServer(host, port) for host, port in self.servers]
        return DnsClient(
            servers, timeout=self.timeout, retries=self.retries, rate=self.rate, share=share
        )

    def scan(self, client: DnsClient) -> ResolveScan:
        """The engine over ``client``, with these settings."""
        return ResolveScan(
            client,
            concurrency=self.concurrency,
            budget=self.budget,
            authoritative=self.authoritative,
            authoritative_port=self.authoritative_port,
            wildcards=self.wildcards,
        )
