"""The demo's synthetic DNS world: clearly labelled, deterministic, served only on 127.0.0.1.

Three protected targets, and around them what a weekly review meets in real life: a squatting
operation whose single MX collects mail for typo domains of two brands (and grows between the two
weeks, onto a second network of the same hosting company), a wildcarded suffix (``.ml``, as the
.mil leak of 2023), defensive registrations on a brand's own name servers, parked domains with
only an address (implicit MX), a null MX, and unregistered noise. Candidates are picked from
:func:`typorisk.permute` output, so the world always matches what the engine generates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from typorisk.model import Target
from typorisk.parse.targets import parse_target
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
    # Every registered name is its own zone (as on the Internet: the registry delegates it), so
    # the world is served the same by the in-process server and by a real NSD.
    children: dict[str, list[str]] = {
        "examplebank.com": ["NS ns1.examplebank.com.", "MX 10 mx.examplebank.com."],
        "examplecorp.com": [
            "NS ns1.examplecorp.com.",
            "MX 10 mx.examplecorp.com.",
            "us MX 10 mx.examplecorp.com.",
        ],
        "army.mil": ["NS ns1.army.mil.", "MX 10 mail.army.mil."],
    }
    for i, name in enumerate(operation):
        children[name] = [
            f"NS ns{i % 2}.parking.example.",
            f"MX 10 {COLLECTOR}.",
            # the operation rents from one hosting company, on two of its networks
            f"A 198.51.100.{10 + i}" if i < 5 else f"A 192.0.2.{130 + i}",
        ]
    children[world.defensive[0]] = ["NS ns1.examplebank.com."]
    children[world.defensive[1]] = ["NS ns1.examplebank.com."]
    children[world.defensive[2]] = ["NS ns1.army.mil."]
    for i, name in enumerate(world.parked):
        children[name] = ["NS ns.parking.example.", f"A 203.0.113.{i + 5}"]
    for name in world.null_mx:
        children[name] = ["NS ns.parking.example.", "MX 0 ."]
    registry = "@ NS ns.registry.example.\n"
    zones = {
        "com.": SOA + registry,
        "mil.": SOA + registry,
        # the registry wildcards the whole suffix: every typo into .ml receives mail
        "ml.": SOA + registry + "* MX 10 mx.wildcard.ml.\n* A 192.0.2.66\n",
        "example.": SOA + registry + f"{COLLECTOR}. A {collector_ip}\n",
        # the world's root knows nothing else: every other name does not exist
        ".": SOA + registry,
    }
    for name, records in children.items():
        parent = name.partition(".")[2] + "."
        zones[parent] += f"{name}. {records[0]}\n"  # the delegation (an NS record)
        # records are "TYPE RDATA" at the apex, or "OWNER TYPE RDATA" below it
        zones[f"{name}."] = SOA + "".join(
            f"@ {r}\n" if r.split()[0] in ("NS", "MX", "A") else f"{r}\n" for r in records
        )
    world.zones = zones
    return world
