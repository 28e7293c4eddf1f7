"""The resolve stage on Dask: a real LocalCluster with two worker processes and a real NSD.

Results must equal the local executor's; killing a worker mid-run must lose and double nothing.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk.pipeline.rows import resolution_row
from typorisk.resolve import Resolution
from typorisk.resolve.dask import resolve_dask, resolve_local
from typorisk.resolve.spec import ResolveSpec

from ..resolve.servers import free_port, nsd

NAMES = 3000
SOA = "@ 300 IN SOA ns.test. admin.test. 1 3600 600 86400 60\n"


def zone() -> str:
    body = ["@ NS ns.test.", "ns A 127.0.0.1"]
    for i in range(0, NAMES, 10):  # one name in ten exists, with mail on every other one
        body.append(f"name{i} A 192.0.2.{i % 250 + 1}")
        if i % 20 == 0:
            body.append(f"name{i} MX 10 mx{i % 7}.mail.test.")
    return f"$ORIGIN test.\n$TTL 300\n{SOA}" + "\n".join(body) + "\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    with nsd(tmp_path_factory.mktemp("scale"), {"test.": zone()}, port=free_port()) as address:
        yield address


def items() -> list[dict[str, object]]:
    return [{"domain": f"name{i}.test", "target": "name.test"} for i in range(NAMES)]


def flat(pairs: Iterator[tuple[dict[str, object], Resolution]]) -> Iterator[dict[str, object]]:
    """Each input row with its resolution's cells, as the executors gave them before."""
    for item, resolution in pairs:
        yield {**item, **resolution_row(resolution)}


def facts(rows: list[dict[str, object]]) -> dict[str, tuple[object, ...]]:
    keys = ("registration", "mail", "mx", "a", "outcome", "target")
    return {str(r["domain"]): tuple(str(r[k]) for k in keys) for r in rows}


def test_dask_results_equal_local(server: tuple[str, int]) -> None:
    spec = ResolveSpec(servers=(server,), timeout=1.0)
    local = list(flat(resolve_local(items(), spec, batch_size=500)))
    distributed = list(flat(resolve_dask(items(), spec, workers=2, batch_size=500)))
    assert len(distributed) == NAMES
    assert facts(distributed) == facts(local)
    registered = [r for r in local if r["registration"] == "registered"]
    assert len(registered) == NAMES // 10


def test_a_killed_worker_loses_and_doubles_nothing(server: tuple[str, int]) -> None:
    from dask.distributed import Client, LocalCluster

    spec = ResolveSpec(servers=(server,), timeout=1.0, rate=1500.0)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        rows = []
        killed = False
        pairs = resolve_dask(items(), spec, scheduler=cluster.scheduler_address, batch_size=100)
        for row in flat(pairs):
            rows.append(row)
            if len(rows) == 300 and not killed:
                pids = client.run(os.getpid)
                os.kill(next(iter(pids.values())), signal.SIGKILL)
                killed = True
    assert killed
    domains = [str(r["domain"]) for r in rows]
    assert len(domains) == len(set(domains)) == NAMES
    assert sum(r["registration"] == "registered" for r in rows) == NAMES // 10
    assert not [r for r in rows if r["registration"] == "unknown"]


def test_unreachable_scheduler_is_a_clear_error() -> None:
    from typorisk.errors import TyporiskError

    spec = ResolveSpec(servers=(("127.0.0.1", 9),))
    with pytest.raises(TyporiskError, match="cannot reach the Dask scheduler"):
        list(
            resolve_dask(
                items()[:10], spec, scheduler=f"tcp://127.0.0.1:{free_port()}", connect_timeout=1.0
            )
        )


def test_resolve_command_on_dask(
    server: tuple[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from typorisk.cli import main

    names = tmp_path / "names.txt"
    names.write_text("".join(f"name{i}.test\n" for i in range(0, 200, 5)))
    argv = [
        "resolve",
        str(names),
        "--nameserver",
        f"{server[0]}:{server[1]}",
        "--executor",
        "dask",
        "--workers",
        "2",
        "--batch-size",
        "10",
        "--format",
        "jsonl",
    ]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    rows = {json.loads(line)["domain"]: json.loads(line) for line in out.splitlines()}
    assert len(rows) == 40 and "names on Dask" in err
    assert rows["name10.test"]["registration"] == "registered"
    assert rows["name5.test"]["registration"] == "unregistered"
