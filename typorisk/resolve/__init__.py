"""Async DNS: registration, mail capability and wildcards for many names at once.

Public API::

    async with DnsClient([NameServer("127.0.0.1", 5353)], rate=500) as client:
        scan = ResolveScan(client, concurrency=256)
        async for item, resolution in scan.run(["example.com", "exampel.com"]):
            ...
        print(scan.stats())

Layers (each imports only those below it): ``engine``/``authoritative`` → ``client`` (rate limit,
retries, TCP fallback) → ``transport`` (the only network I/O) → ``wire`` (hand-built messages);
``classify`` and ``records`` are pure.
"""

from __future__ import annotations

from typorisk.resolve.client import DnsClient, RateLimiter
from typorisk.resolve.engine import ResolveScan, resolve
from typorisk.resolve.records import (
    Mail,
    MxHost,
    Outcome,
    Records,
    Registration,
    Resolution,
    ScanStats,
)
from typorisk.resolve.transport import NameServer

__all__ = [
    "DnsClient",
    "Mail",
    "MxHost",
    "NameServer",
    "Outcome",
    "RateLimiter",
    "Records",
    "Registration",
    "Resolution",
    "ResolveScan",
    "ScanStats",
    "resolve",
]
