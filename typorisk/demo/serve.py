"""The demo world kept running: its DNS, RDAP and SMTP servers on 127.0.0.1 until stopped, so
that ``typorisk scan``, ``run`` and ``serve`` can be tried against it with the flags
:meth:`ServedWorld.flags` gives.

Nothing here reaches the Internet: the servers listen on loopback only, and the flags open only
127.0.0.0/8 to the outbound address policy (``--allow-private-network``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from typorisk.demo.dnsserver import DemoDnsServer
from typorisk.demo.rdap import DemoRdapServer
from typorisk.demo.smtp import CatchAllServer
from typorisk.demo.world import COLLECTOR, TARGETS, TOP, build_world

RDAP_RATE = 100.0
"""RDAP queries/s the flags allow the world's one RDAP server (the default, 1/s, is for
registries on the Internet)."""


@dataclass(frozen=True, slots=True)
class ServedWorld:
    """Where the running world answers."""

    week: int
    """The world's week (1 or 2: in week 2 the squatting operation has grown)."""
    dns_port: int
    """UDP port of the authoritative DNS server on 127.0.0.1."""
    rdap_port: int
    """TCP port of the RDAP server (registry, registrar and RIR levels) on 127.0.0.1."""
    smtp_port: int
    """TCP port of the collector's catch-all SMTP server on 127.0.0.1."""
    bootstraps: Path
    """Directory of the RDAP bootstrap files naming the RDAP server (dns.json, ipv4.json...)."""

    def flags(self) -> tuple[str, ...]:
        """The ``typorisk scan`` flags that use this world, as command-line words."""
        return (
            "--nameserver", f"127.0.0.1:{self.dns_port}",
            "--rdap",
            "--rdap-bootstrap", str(self.bootstraps / "dns.json"),
            "--rdap-network-bootstrap", str(self.bootstraps),
            "--rdap-insecure-http",
            "--no-registration-cache",
            "--rdap-rate", f"{RDAP_RATE:g}",
            "--probe-smtp",
            "--smtp-port", str(self.smtp_port),
            "--allow-private-network", "127.0.0.0/8",
            "--top", str(TOP),
        )  # fmt: skip

    def feed_scan(self) -> dict[str, object]:
        """The same settings as a feed definition's ``scan:`` section."""
        return {
            "top": TOP,
            "resolve": {"nameservers": [f"127.0.0.1:{self.dns_port}"]},
            "registration": {
                "rdap": True,
                "bootstrap": str(self.bootstraps / "dns.json"),
                "network_bootstrap": str(self.bootstraps),
                "insecure_http": True,
                "cache": False,
                "rate": RDAP_RATE,
            },
            "probe": {"smtp": True, "port": self.smtp_port},
            "allow_private_network": ["127.0.0.0/8"],
        }

    @property
    def targets(self) -> tuple[str, ...]:
        """The world's protected targets."""
        return TARGETS


@contextlib.asynccontextmanager
async def served_world(
    bootstraps: Path,
    *,
    week: int = 2,
    today: dt.date | None = None,
    dns_port: int = 0,
    rdap_port: int = 0,
    smtp_port: int = 0,
) -> AsyncIterator[ServedWorld]:
    """``async with served_world(dir) as world``: the world of ``week`` served on 127.0.0.1
    (ports 0: the OS picks), RDAP bootstrap files written to ``bootstraps``; every server stops
    when the block ends. ``today`` (default: the date) is the day registration ages count from.
    """
    world = build_world(week)
    day = today or dt.date.today()
    with CatchAllServer(names=(COLLECTOR,), port=smtp_port) as smtp:
        async with (
            DemoDnsServer(world.zones, port=dns_port) as dns,
            DemoRdapServer(world, day, port=rdap_port) as rdap,
        ):
            rdap.write_bootstraps(bootstraps)
            yield ServedWorld(week, dns.port, rdap.port, smtp.port, bootstraps)
