"""Internet-wide infrastructure shipped with typorisk: providers whose name servers, mail hosts,
networks or privacy services serve countless unrelated domains, so sharing one of them says
nothing about who runs a look-alike.

The list is one of two ways :mod:`typorisk.rank.operations` recognises a hub (the other is the
degree of a node across the scan); a node is a hub when either says so. Matching is by suffix
of a host name (``ns1.sedoparking.com`` ends in ``sedoparking.com``), by origin AS of a network
owner (``AS13335 CLOUDFLARENET`` has AS 13335) and by registrant organisation text (privacy
and proxy services, lowercase substring). Pure data and two pure functions.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

HOST_SUFFIXES: frozenset[str] = frozenset(
    {
        # DNS hosting of registrars and large providers
        "domaincontrol.com",
        "registrar-servers.com",
        "cloudflare.com",
        "awsdns-cn.com",
        "googledomains.com",
        "google.com",
        "googlemail.com",
        "azure-dns.com",
        "azure-dns.net",
        "nsone.net",
        "ultradns.net",
        "dnsmadeeasy.com",
        "name-services.com",
        "hostgator.com",
        "bluehost.com",
        "ovh.net",
        "hetzner.com",
        "digitalocean.com",
        "linode.com",
        "wixdns.net",
        "squarespacedns.com",
        "dynect.net",
        "akam.net",
        # parking and aftermarket
        "sedoparking.com",
        "parkingcrew.net",
        "bodis.com",
        "above.com",
        "dan.com",
        "afternic.com",
        "parklogic.com",
        "namebrightdns.com",
        "uniregistrymarket.link",
        # mail hosting
        "outlook.com",
        "secureserver.net",
        "zoho.com",
        "yandex.net",
        "mailgun.org",
        "protonmail.ch",
        "icloud.com",
        "messagingengine.com",
        "mimecast.com",
        "pphosted.com",
    }
)
"""Host suffixes (lowercase, no dot at either end) of name servers and mail hosts that serve
unrelated customers. Amazon's Route 53 name servers (``ns-1.awsdns-01.org``) are matched by
:data:`HOST_LABELS` instead."""
HOST_LABELS: frozenset[str] = frozenset({"awsdns"})
"""Label prefixes that mark a provider wherever they appear (``awsdns-01``)."""
ASNS: frozenset[int] = frozenset(
    {
        13335,  # Cloudflare
        16509,  # Amazon
        14618,  # Amazon
        15169,  # Google
        396982,  # Google Cloud
        8075,  # Microsoft
        20940,  # Akamai
        16625,  # Akamai
        63949,  # Akamai (Linode)
        54113,  # Fastly
        26496,  # GoDaddy
        398101,  # GoDaddy
        46606,  # Newfold (Bluehost, HostGator)
        24940,  # Hetzner
        16276,  # OVH
        14061,  # DigitalOcean
        47846,  # Sedo
        22612,  # Namecheap
        209242,  # Cloudflare (Spectrum)
    }
)
"""Autonomous systems of clouds, CDNs, large hosters and parking services."""
PRIVACY_ORGS: tuple[str, ...] = (
    "privacy",
    "proxy",
    "redacted",
    "withheld",
    "domains by proxy",
    "whoisguard",
    "perfect privacy",
    "data protected",
    "not disclosed",
)
"""Lowercase substrings of registrant organisations that are privacy services, not owners."""


@dataclass(frozen=True, slots=True)
class Providers:
    """A list of Internet-wide infrastructure (:func:`known_provider` matches against it)."""

    host_suffixes: Collection[str] = HOST_SUFFIXES
    host_labels: Collection[str] = HOST_LABELS
    asns: Collection[int] = ASNS
    privacy_orgs: tuple[str, ...] = PRIVACY_ORGS
    extra: Collection[tuple[str, str]] = field(default_factory=frozenset)
    """Exact ``(kind, name)`` nodes to treat as providers too (a user's own list)."""


KNOWN_PROVIDERS = Providers()
"""The shipped list."""
NO_PROVIDERS = Providers((), (), (), (), frozenset())
"""An empty list: hubs are then recognised by degree alone."""


def _asn(owner: str) -> int | None:
    head = owner.split(" ", 1)[0]
    if head[:2].upper() == "AS" and head[2:].isdigit():
        return int(head[2:])
    return None


def known_provider(kind: str, name: str, providers: Providers = KNOWN_PROVIDERS) -> str | None:
    """The provider a ``(kind, name)`` node belongs to (the matching suffix, AS or text), or
    None. Host kinds (``mx``, ``ns``) match by suffix or label; ``owner`` by its AS number;
    ``registrant`` by privacy-service text."""
    if (kind, name) in providers.extra:
        return name
    if kind in ("mx", "ns"):
        labels = name.lower().rstrip(".").split(".")
        for i in range(len(labels) - 1):
            if ".".join(labels[i:]) in providers.host_suffixes:
                return ".".join(labels[i:])
        for label in labels:
            if any(label.startswith(p) for p in providers.host_labels):
                return label
    elif kind == "owner":
        asn = _asn(name)
        if asn is not None and asn in providers.asns:
            return f"AS{asn}"
    elif kind == "registrant":
        org = name.split(" at ", 1)[0].lower()
        return next((p for p in providers.privacy_orgs if p in org), None)
    return None
