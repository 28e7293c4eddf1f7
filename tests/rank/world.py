"""A generated world with known ground truth, for ranking tests and the benchmark."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from typorisk.rank import Observation

BRANDS = [f"brand{i}.com" for i in range(5)]
COLLECTOR = "mx.collector.example"


@dataclass
class World:
    observations: list[Observation] = field(default_factory=list)
    own: dict[str, Observation] = field(default_factory=dict)
    operation: set[str] = field(default_factory=set)
    defensive: set[str] = field(default_factory=set)
    wildcarded: set[str] = field(default_factory=set)
    noise: set[str] = field(default_factory=set)


def make_world(seed: int = 1, noise: int = 200) -> World:
    rng = random.Random(seed)
    world = World()

    def likelihood() -> float:
        return 10 ** rng.uniform(-6, -3)

    for b, brand in enumerate(BRANDS):
        label = brand.split(".")[0]
        ns = (f"ns1.{brand}", f"ns2.{brand}")
        world.own[brand] = Observation(
            brand, brand, "com", registration="registered", mail="mx", mx=(f"mx.{brand}",), ns=ns
        )
        for i in range(10):  # the operation: one MX and one /24 for 50 typo domains of 5 brands
            domain = f"{label}op{i}.com"
            world.operation.add(domain)
            world.observations.append(
                Observation(
                    brand,
                    domain,
                    "com",
                    likelihood(),
                    ("replacement",),
                    "registered",
                    "mx",
                    mx=(COLLECTOR,),
                    ns=(f"ns{i % 3}.parking.example",),
                    a=(f"198.51.100.{b * 10 + i}",),
                )
            )
        for i in range(3):  # defensive registrations on the brand's own name servers
            domain = f"{label}def{i}.com"
            world.defensive.add(domain)
            world.observations.append(
                Observation(
                    brand,
                    domain,
                    "com",
                    likelihood(),
                    ("omission",),
                    "registered",
                    "none",
                    ns=ns,
                )
            )
        domain = f"{label}.cm"  # a suffix typo into a wildcarded suffix that serves mail
        world.wildcarded.add(domain)
        world.observations.append(
            Observation(
                brand,
                domain,
                "cm",
                likelihood(),
                ("suffix-omission",),
                "unknown",
                "mx",
                mx=("mx.wildcard-registry.example",),
                wildcard=True,
                zone_wildcard=True,
            )
        )
    for i in range(noise):  # unregistered noise
        brand = rng.choice(BRANDS)
        domain = f"noise{i}.com"
        world.noise.add(domain)
        world.observations.append(
            Observation(
                brand,
                domain,
                "com",
                likelihood(),
                ("insertion",),
                "unregistered",
                "none",
            )
        )
    return world


TODAY = dt.date(2026, 11, 28)
