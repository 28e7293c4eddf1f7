"""Address helpers shared by the stages (the ranking graph and the network-owner lookups)."""

from __future__ import annotations

import ipaddress


def network_of(address: str) -> str | None:
    """The /24 (IPv4) or /48 (IPv6) network of an address, as CIDR text, or None when it does
    not parse. Both the graph's ``net`` nodes and the owner lookups' one-query-per-block rule
    group addresses by this."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
