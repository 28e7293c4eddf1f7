"""``scan --drop-unregistered`` (old name ``--registered-only``) leaves out only what DNS shows
free: a wildcard TLD's collision (``army.ml``, registration unknown) is live and stays; against
the demo world served by a real NSD."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.resolve.servers import free_port, nsd, require
from typorisk.cli import main
from typorisk.cli.scan import is_free
from typorisk.demo.world import build_world


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("nsd")
    zones = build_world(2).zones
    with nsd(tmp_path_factory.mktemp("filters"), zones, port=free_port()) as (host, port):
        yield f"{host}:{port}"


def _scan(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, object]]:
    assert main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    return {str(r["domain"]): r for r in rows}


@pytest.mark.parametrize("flag", ["--drop-unregistered", "--registered-only"])
def test_filter_keeps_unknown_wildcard_tld_collisions(
    server: str, flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["scan", "army.mil", "--top", "60", "--format", "jsonl", "--nameserver", server]
    argv += ["--timeout", "2", "--retries", "1"]
    every = _scan(argv, capsys)
    assert every["army.ml"]["registration"] == "unknown"  # the .ml wildcard answers for it
    assert every["army.ml"]["capture"] == "wildcard-mail"
    kept = _scan([*argv, flag], capsys)
    assert "army.ml" in kept  # live: the .ml wildcard receives army.mil's mail
    assert {d for d, r in every.items() if not is_free(r)} == set(kept)
    assert all(r["registration"] != "unregistered" for r in kept.values())
    assert any(r["registration"] == "unregistered" for r in every.values())


def test_is_free_trusts_a_registry_that_found_the_name() -> None:
    assert is_free({"registration": "unregistered"})
    assert not is_free({"registration": "unregistered", "registration_lookup": "found"})
    assert not is_free({"registration": "unknown"}) and not is_free({"registration": None})
