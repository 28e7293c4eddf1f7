"""The demo's synthetic DNS world: clearly labelled, deterministic, served only on 127.0.0.1.

Three protected targets, and around them what a weekly review meets in real life: a squatting
operation whose single MX collects mail for typo domains of two brands (and grows between the two
weeks), a wildcarded suffix (``.ml``, as the .mil leak of 2023), defensive registrations on a
brand's own name servers, parked domains with only an address (implicit MX), a null MX, and
unregistered noise. Candidates are picked from :func:`typorisk.permute` output, so the world
always matches what the engine generates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from typorisk.domains import parse_target
from typorisk.model import Target
from typorisk.permute import permute

TARGETS = ("army.mil", "examplebank.com", "us.examplecorp.com")
WEIGHTS = {"army.mil": 2.0, "examplebank.com": 1.5, "us.examplecorp.com": 1.0}
COLLECTOR = "mx.collector.example"
TOP = 60
SOA = "@ 300 IN SOA ns.registry.example. hostmaster.registry.example. 1 3600 600 86400 60\n"


@dataclass
class World:
    """Zone texts for one week, and the roles of the names (ground truth for tests)."""

    zones: dict[str, str]
    operation: list[str] = field(default_factory=list)
    defensive: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)
    null_mx: list[str] = field(default_factory=list)


def targets() -> list[Target]:
    """The demo's protected targets."""
    return [parse_target(t) for t in TARGETS]


def _typos(target: str, suffix: str) -> list[str]:
    return [c.domain for c in permute([target], top=TOP) if c.suffix == suffix]


def build_world(week: int, collector_ip: str = "127.0.0.1") -> World:
    """The world in ``week`` 1 or 2: in week 2 the operation has grown from 3 to 10 domains."""
    bank = _typos("examplebank.com", "com")
    corp = _typos("us.examplecorp.com", "com")
    army = _typos("army.mil", "mil")
    operation = (bank[:6] + corp[:4]) if week >= 2 else (bank[:2] + corp[:1])
    world = World(
        zones={},
        operation=operation,
        defensive=[bank[6], bank[7], army[0]],
        parked=[bank[8], corp[4]],
        null_mx=[corp[5]],
    )
    com = [
        "@ NS ns.registry.example.",
        "examplebank.com. NS ns1.examplebank.com.",
        "examplebank.com. MX 10 mx.examplebank.com.",
        "examplecorp.com. NS ns1.examplecorp.com.",
        "examplecorp.com. MX 10 mx.examplecorp.com.",
        "us.examplecorp.com. MX 10 mx.examplecorp.com.",
    ]
    for i, name in enumerate(operation):
        com += [
            f"{name}. NS ns{i % 2}.parking.example.",
            f"{name}. MX 10 {COLLECTOR}.",
            f"{name}. A 198.51.100.{10 + i}",
        ]
    com += [f"{name}. NS ns1.examplebank.com." for name in world.defensive[:2]]
    com += [
        f"{n}. NS ns.parking.example.\n{n}. A 203.0.113.{i + 5}" for i, n in enumerate(world.parked)
    ]
    com += [f"{n}. NS ns.parking.example.\n{n}. MX 0 ." for n in world.null_mx]
    mil = [
        "@ NS ns.registry.example.",
        "army.mil. NS ns1.army.mil.",
        "army.mil. MX 10 mail.army.mil.",
        f"{world.defensive[2]}. NS ns1.army.mil.",
    ]
    world.zones = {
        "com.": SOA + "\n".join(com) + "\n",
        "mil.": SOA + "\n".join(mil) + "\n",
        # the registry wildcards the whole suffix: every typo into .ml receives mail
        "ml.": SOA + "@ NS ns.registry.example.\n* MX 10 mx.wildcard.ml.\n* A 192.0.2.66\n",
        "example.": SOA + f"@ NS ns.registry.example.\n{COLLECTOR}. A {collector_ip}\n",
        # the world's root knows nothing else: every other name does not exist
        ".": SOA + "@ NS ns.registry.example.\n",
    }
    return world
