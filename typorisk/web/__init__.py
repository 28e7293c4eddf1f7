"""Web evidence: what a registered look-alike serves over HTTP(S), compared with its target's.

Public API::

    async with Fetcher(FetchLimits(), lookup) as fetcher:      # lookup: host → A/AAAA
        inspector = Inspector(fetcher, load_parking(), now)
        result = await inspector.inspect("brand.com", "brnad.com", ["192.0.2.7"], ns)

Layers: ``inspect`` (the stage's logic) → ``fetch`` (the only network I/O; a custom aiohttp
resolver answering from typorisk's DNS results) and ``shot`` (headless Chromium, optional);
``compare``, ``tls`` and ``classify`` are pure.
"""

from __future__ import annotations

from typorisk.web.classify import Evidence, Parking, WebClass, classify, load_parking
from typorisk.web.fetch import AddressLookup, Fetcher, FetchLimits, Page, ScanResolver
from typorisk.web.inspect import Inspector, WebResult

__all__ = [
    "AddressLookup",
    "Evidence",
    "FetchLimits",
    "Fetcher",
    "Inspector",
    "Page",
    "Parking",
    "ScanResolver",
    "WebClass",
    "WebResult",
    "classify",
    "load_parking",
]
