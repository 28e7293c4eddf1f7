"""A world of scan rows with three planted operations and two hub providers, for the operations
tests and the review's take-down section.

- **op-mx** (MX only): six look-alikes of alpha.com and beta.com whose mail goes to one
  collecting MX; they are parked at a parking service (its NS and its IP) that sixty
  unrelated look-alikes use too.
- **op-ns-favicon**: five look-alikes of alpha.com on one operator's name servers serving
  alpha.com's favicon (cloned); neither the NS nor the favicon alone would join them.
- **op-cert-net** (certificate plus /24): four look-alikes of gamma.org on one TLS certificate
  naming them all, on four addresses of one /24; their mail goes to a listed mail host.
- **hub by degree**: the parking service, name server ``ns1.parkfarm.example`` and address
  ``192.0.2.53`` (and its /24), sixty unrelated look-alikes plus op-mx's six: over ``hub_ns``
  (30) and ``hub_ip`` (50); sharing both would join them (0.3 + 0.6).
- **hub by the list**: ``mailstore1.secureserver.net``, fifteen unrelated look-alikes plus
  op-cert-net's four: under any degree limit, recognised by the shipped provider list.
- **controls**, which must join nothing: one look-alike on op-ns-favicon's NS only, one with
  alpha.com's favicon only (another cloner), one on op-cert-net's /24 only, and alpha.com's
  two defensive registrations (on its own MX and NS, one serving its favicon), which would
  join each other on that MX were it not the brand's.

Every look-alike outside the operations has its own NS, address and /24. ``unregistered``
adds free candidates, which have no infrastructure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from typorisk.store import Store

TARGETS = {
    "alpha.com": ("mx.alpha.com", "ns1.alpha.com"),
    "beta.com": ("mx.beta.com", "ns1.beta.com"),
}
TARGETS["gamma.org"] = ("mx.gamma.org", "ns1.gamma.org")
COLLECTOR = "mx.collector.example"
PARKING_IP = "192.0.2.53"
PARKING_NS = "ns1.parkfarm.example"
LISTED_MX = "mailstore1.secureserver.net"
OP2_NS = "ns1.op2dns.example"
FAVICON = -1200719813
CERT = "3f" * 32
OP3_NET = "203.0.113."


@dataclass
class OpsWorld:
    rows: list[dict[str, object]] = field(default_factory=list)
    operations: dict[str, set[str]] = field(default_factory=dict)
    """Planted name → its look-alikes."""
    hub_users: dict[str, set[str]] = field(default_factory=dict)
    """Hub → the unrelated look-alikes on it."""
    controls: set[str] = field(default_factory=set)
    defensive: set[str] = field(default_factory=set)


def _row(target: str, domain: str, n: int, **facts: object) -> dict[str, object]:
    own_mx, own_ns = TARGETS[target]
    row: dict[str, object] = {
        "target": target,
        "domain": domain,
        "suffix": domain.partition(".")[2],
        "likelihood": 10 ** -(3 + n % 4),
        "kinds": ["replacement"],
        "registration": "registered",
        "mail": "implicit",
        "mx": [],
        "ns": [f"ns.{domain}"],
        "a": [f"198.18.{n % 250}.{1 + n // 250}"],
        "registrar": "Example Registrar",
        "abuse_email": "abuse@registrar.example",
        "target_mx": [own_mx],
        "target_ns": [own_ns],
        "created": "2026-10-01",
    }
    row.update(facts)
    return row


def make_ops_world(unregistered: int = 0, noise_per_hub: tuple[int, int] = (60, 15)) -> OpsWorld:
    """The world (see the module docstring); ``unregistered`` free candidates of alpha.com."""
    world = OpsWorld()
    n = 0

    def add(target: str, domain: str, **facts: object) -> str:
        nonlocal n
        n += 1
        world.rows.append(_row(target, domain, n, **facts))
        return domain

    op1 = {
        add(t, f"{t.split('.')[0]}-mail{i}.com", mail="mx", mx=[COLLECTOR], a=[PARKING_IP],
            ns=[PARKING_NS],
            registrar="Cheap Names", abuse_email="abuse@cheapnames.example",
            net_abuse="abuse@parking.example", asn=64501, asn_name="PARKCO")
        for i, t in enumerate(["alpha.com", "beta.com"] * 3)
    }  # fmt: skip
    op2 = {
        add("alpha.com", f"alpha-login{i}.net", ns=[OP2_NS], web="clone", web_favicon=FAVICON,
            registrar="Fast Domains", abuse_email="abuse@fastdomains.example",
            net_abuse=f"abuse@host{i}.example")
        for i in range(5)
    }  # fmt: skip
    names = [f"gamma-pay{i}.org" for i in range(4)]
    op3 = {
        add("gamma.org", name, mail="mx", mx=[LISTED_MX], a=[f"{OP3_NET}{10 + i}"],
            web_cert_sha256=CERT, web_cert_names=names, registrar="Registrar Three",
            net_abuse="abuse@netco.example", asn=64503, asn_name="NETCO")
        for i, name in enumerate(names)
    }  # fmt: skip
    world.operations = {"op-mx": op1, "op-ns-favicon": op2, "op-cert-net": op3}
    degree_hub, listed_hub = noise_per_hub
    world.hub_users[PARKING_IP] = {
        add("beta.com", f"beta-park{i}.com", a=[PARKING_IP], ns=[PARKING_NS])
        for i in range(degree_hub)
    }
    world.hub_users[LISTED_MX] = {
        add("gamma.org", f"gamma-shop{i}.org", mail="mx", mx=[LISTED_MX]) for i in range(listed_hub)
    }
    world.controls = {
        add("alpha.com", "alpha-nsonly.com", ns=[OP2_NS]),
        add("alpha.com", "alpha-iconly.com", web="clone", web_favicon=FAVICON),
        add("gamma.org", "gamma-netonly.org", a=[f"{OP3_NET}99"], asn=64503, asn_name="NETCO"),
    }
    world.defensive = {
        add(
            "alpha.com",
            "alpha-own1.com",
            ns=["ns1.alpha.com"],
            mx=["mx.alpha.com"],
            mail="mx",
            web_favicon=FAVICON,
        ),
        add("alpha.com", "alpha-own2.com", ns=["ns1.alpha.com"], mx=["mx.alpha.com"], mail="mx"),
    }
    for i in range(unregistered):
        world.rows.append(
            {
                "target": "alpha.com",
                "domain": f"alpha-free{i}.com",
                "suffix": "com",
                "likelihood": 1e-6,
                "kinds": ["insertion"],
                "registration": "unregistered",
                "mail": "none",
                "target_mx": ["mx.alpha.com"],
                "target_ns": ["ns1.alpha.com"],
            }
        )
    return world


WEEKS = ("2026-11-21T03:00:00+00:00", "2026-11-28T03:00:00+00:00")
"""When the two runs of :func:`ops_store` were recorded."""


def ops_store(path: Path, world: OpsWorld | None = None) -> Store:
    """Two weekly runs of feed ``ops``: in the first, two members of each operation are
    registered (the others are still free); in the second, the whole world."""
    world = world or make_ops_world(unregistered=30)
    members = set().union(*world.operations.values())
    early = {d for ds in world.operations.values() for d in sorted(ds)[:2]}
    free = {"registration": "unregistered", "mail": "none", "mx": [], "a": [], "ns": []}
    first = [{**r, **free} if r["domain"] in members - early else r for r in world.rows]
    store = Store(path)
    for when, rows in zip(WEEKS, (first, world.rows), strict=True):
        run = store.begin_run("ops", {}, now=when)
        store.add(run, rows, now=when)
        store.finish_run(run, {}, now=when)
    return store
