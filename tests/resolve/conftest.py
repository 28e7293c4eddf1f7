"""Fixtures: a small DNS world on 127.0.0.1/127.0.0.2 served by two NSDs and one Unbound.

- NSD "registry" (127.0.0.1:P) serves the fake TLD ``test.`` (delegations to 127.0.0.2) and the
  wildcarded fake TLD ``wtld.test.``.
- NSD "hosting" (127.0.0.2:P, same port) serves the delegated child zones, except ``lame.test``.
- Unbound (127.0.0.1:U) resolves through stub zones pointing at both.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .servers import free_port, nsd, unbound

SOA = "@ 300 IN SOA ns.test. admin.test. 1 3600 600 86400 60\n"

CHILDREN = {
    "withmx.test.": """@ NS ns2.test.
@ A 192.0.2.1
@ AAAA 2001:db8::1
@ MX 10 mail.withmx.test.
@ MX 20 backup.example.
@ TXT "v=spf1 -all"
_dmarc TXT "v=DMARC1; p=reject"
mail A 192.0.2.2
www CNAME withmx.test.
""",
    "onlya.test.": "@ NS ns2.test.\n@ A 192.0.2.3\n",
    "nullmx.test.": "@ NS ns2.test.\n@ MX 0 .\n@ A 192.0.2.4\n",
    "nomail.test.": '@ NS ns2.test.\n@ TXT "hello"\n',
    "wild.test.": "@ NS ns2.test.\n@ A 192.0.2.5\n* A 192.0.2.6\n",
    "big.test.": "@ NS ns2.test.\n@ A 192.0.2.7\n"
    + "".join(f'@ TXT "{i:02d}{"x" * 60}"\n' for i in range(40)),
    "real.wtld.test.": "@ NS ns2.test.\n@ A 192.0.2.100\n@ MX 10 mx.real.wtld.test.\n",
}

TLD = """@ NS ns.test.
ns A 127.0.0.1
ns2 A 127.0.0.2
wtld NS ns.test.
lame NS ns2.test.
""" + "".join(f"{z.removesuffix('.test.')} NS ns2.test.\n" for z in CHILDREN if z.count(".") == 2)

WTLD = """@ NS ns.test.
* A 192.0.2.99
* MX 10 catchall.example.
real NS ns2.test.
"""


def zone(origin: str, body: str) -> str:
    return f"$ORIGIN {origin}\n$TTL 300\n{SOA}{body}"


@dataclass(frozen=True)
class Lab:
    """Addresses of the running servers."""

    registry: tuple[str, int]
    hosting: tuple[str, int]
    resolver: tuple[str, int]

    @property
    def port(self) -> int:
        """The port both NSDs listen on (authoritative mode's server port)."""
        return self.registry[1]


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    root: Path = tmp_path_factory.mktemp("dnslab")
    port = free_port("127.0.0.1")
    registry_zones = {"test.": zone("test.", TLD), "wtld.test.": zone("wtld.test.", WTLD)}
    hosting_zones = {origin: zone(origin, body) for origin, body in CHILDREN.items()}
    stubs = [
        (".", f"127.0.0.1@{port}"),
        ("test.", f"127.0.0.1@{port}"),
        ("wtld.test.", f"127.0.0.1@{port}"),
        ("lame.test.", f"127.0.0.2@{port}"),
        *((origin, f"127.0.0.2@{port}") for origin in CHILDREN),
    ]
    with (
        nsd(root / "registry", registry_zones, host="127.0.0.1", port=port) as registry,
        nsd(root / "hosting", hosting_zones, host="127.0.0.2", port=port) as hosting,
        unbound(root / "unbound", stubs, port=free_port()) as resolver,
    ):
        yield Lab(registry, hosting, resolver)
