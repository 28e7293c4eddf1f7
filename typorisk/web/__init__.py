"""Web evidence: what a registered look-alike serves over HTTP(S), compared with its target's.

Public API::

    async with Fetcher(FetchLimits(), lookup) as fetcher:      # lookup: host → A/AAAA
        inspector = Inspector(fetcher, load_parking(), now)
        result = await inspector.inspect("brand.com", "brnad.com", ["192.0.2.7"], ns)
        web_row(result)   # the row cells: web, web_final_url, web_similarity, ...

Layers: ``inspect`` (the stage's logic) → ``fetch`` (the only network I/O; a custom aiohttp
resolver answering from typorisk's DNS results) and ``shot`` (headless Chromium, optional);
``compare``, ``tls`` and ``classify`` are pure.
"""

from __future__ import annotations

from typorisk.kit.text import clean
from typorisk.web.classify import Evidence, Parking, WebClass, classify, load_parking
from typorisk.web.fetch import AddressLookup, Fetcher, FetchLimits, Page, ScanResolver
from typorisk.web.inspect import Inspector, WebResult

__all__ = [
    "WEB_COLUMNS",
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
    "web_row",
]

WEB_COLUMNS = (
    "web",
    "web_final_url",
    "web_similarity",
    "web_cert_age_days",
    "web_cert_issuer",
    "web_cert_sha256",
    "web_cert_names",
    "web_favicon",
    "web_fuzzy",
    "web_error",
)
"""Row columns added by :func:`web_row`."""


def web_row(result: WebResult) -> dict[str, object]:
    """The row cells of a web result (text cells cleaned of control and bidi characters: they
    come from a stranger's server)."""
    cert = result.cert
    return {
        "web": result.web_class.value,
        "web_final_url": clean(result.final_url),
        "web_similarity": result.similarity,
        "web_cert_age_days": cert.age_days if cert else None,
        "web_cert_issuer": clean(cert.issuer) if cert else None,
        "web_cert_sha256": cert.sha256 or None if cert else None,
        "web_cert_names": list(cert.names) if cert else [],
        "web_favicon": result.favicon,
        "web_fuzzy": result.fuzzy,
        "web_error": clean(result.error),
    }
