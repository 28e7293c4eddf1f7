"""Async DNS: registration, mail capability and wildcards for many names at once.

Public API::

    async with DnsClient([NameServer("127.0.0.1", 5353)], rate=500) as client:
        scan = ResolveScan(client, concurrency=256)
        async for item, resolution in scan.run(["example.com", "exampel.com"]):
            ...
        print(scan.stats())          # .servers: per-server sent/answered/timeouts
        checks = await check_servers(client, "example.com")   # before a run: who answers?

Layers (each imports only those below it): ``executor`` (this loop, ``shards`` for processes,
``dask``) → ``scanner`` with its one driver ``pump`` and ``authoritative`` (both see the engine as
``protocol.Engine``) → ``client`` (rate limit, the I/O of a question, counted in ``stats``) →
``question`` (one question's retry policy, TCP fallback and reply check, no I/O) → ``transport``
(the only network I/O) → ``wire`` (hand-built messages); ``liveness`` (per-server check) uses
``client``; ``names`` (inputs made items once), ``classify``, ``wildcard`` rules and ``records``
are pure.
"""

from __future__ import annotations

from typorisk.resolve.client import DnsClient
from typorisk.resolve.liveness import check_servers
from typorisk.resolve.records import (
    Mail,
    MxHost,
    Outcome,
    Records,
    Registration,
    Resolution,
    ResolveStats,
    ServerCheck,
    ServerStats,
)
from typorisk.resolve.scanner import ResolveScan, resolve
from typorisk.resolve.transport import NameServer

__all__ = [
    "DnsClient",
    "Mail",
    "MxHost",
    "NameServer",
    "Outcome",
    "Records",
    "Registration",
    "Resolution",
    "ResolveScan",
    "ResolveStats",
    "ServerCheck",
    "ServerStats",
    "check_servers",
    "resolve",
]
