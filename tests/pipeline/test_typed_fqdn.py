"""The scan resolves the name that was typed: ``cha.se.com`` (``chase.com`` with an extra dot)
is asked itself, not ``se.com``, so a wildcard MX at ``se.com`` shows that the typed name
receives mail. The row keeps the registrable domain in ``domain`` and the typed name in
``block``. Everything runs against the demo DNS server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from typorisk.cli import main

from ..probe.test_cli_e2e import dns_world
from ..register.test_cli import Background


@pytest.fixture(scope="module")
def background() -> Iterator[Background]:
    bg = Background()
    yield bg
    bg.close()


def test_scan_resolves_the_typed_fqdn(
    background: Background, capsys: pytest.CaptureFixture[str]
) -> None:
    zones = {
        "com.": "@ NS ns.registry.\nse NS ns1.se.com.\n",
        "se.com.": "@ NS ns1.se.com.\n@ MX 10 mx.se.com.\n* MX 10 mx.se.com.\nmx A 192.0.2.25\n",
    }
    with dns_world(background, zones) as port:
        argv = ["scan", "chase.com", "--kind", "extra-dot", "--format", "jsonl", "--no-rank",
                "--max-unknown", "1", "--nameserver", f"127.0.0.1:{port}"]  # fmt: skip
        assert main(argv) == 0
    rows = {r["block"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    typed = rows["cha.se.com"]
    assert typed["domain"] == "se.com" and typed["fqdn"] == "cha.se.com"
    # the typed name itself was asked: only the wildcard MX of se.com answers for it
    assert typed["mx"] == ["mx.se.com"] and typed["wildcard"] is True
    assert typed["zone_wildcard"] is True
    free = rows["ch.ase.com"]  # ase.com does not exist here: the typed name is NXDOMAIN
    assert (free["domain"], free["registration"]) == ("ase.com", "unregistered")
