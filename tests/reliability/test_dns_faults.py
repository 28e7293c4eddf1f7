"""DNS faults against a real NSD behind a fault injector: nothing misclassified, nothing lost.

The ground truth is the zone: a name is registered exactly when it is in it. Under every fault,
each name must come out either right or ``unknown`` — never the wrong verdict — and every name
must have a row, within the run's time budget.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator

import pytest

from typorisk.resolve import DnsClient, NameServer, ResolveScan

from ..conftest import Ledger, Row
from ..resolve.servers import free_port, nsd
from .faultproxy import FaultProxy

NAMES = [f"n{i}.test" for i in range(300)]
REGISTERED = {f"n{i}.test" for i in range(0, 300, 10)}
SOA = "@ 300 IN SOA ns.test. admin.test. 1 3600 600 86400 60\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    body = "@ NS ns.test.\nns A 127.0.0.1\n" + "".join(
        f"{n.removesuffix('.test')} A 192.0.2.1\n{n.removesuffix('.test')} MX 10 mx.test.\n"
        for n in sorted(REGISTERED)
    )
    body += 'evil A 192.0.2.9\nevil MX 10 x\\027[31mred.test.\nevil TXT "v=spf1 \\027[2J -all"\n'
    zone = f"$ORIGIN test.\n$TTL 300\n{SOA}{body}"
    with nsd(tmp_path_factory.mktemp("faults"), {"test.": zone}, port=free_port()) as address:
        yield address


Scenario = Callable[[FaultProxy], Awaitable[None]]


async def scan_through(
    upstream: tuple[str, int],
    scenario: Scenario,
    *,
    timeout: float = 0.3,
    retries: int = 3,
    budget: float | None = 20.0,
) -> tuple[dict[str, str], float, int]:
    """Scan NAMES through a fault proxy while ``scenario`` drives the faults.

    Returns (name → registration, elapsed seconds, queries received by the proxy)."""
    async with FaultProxy(upstream) as proxy:
        driver = asyncio.create_task(scenario(proxy))
        started = time.monotonic()
        async with DnsClient(
            [NameServer("127.0.0.1", proxy.port)], timeout=timeout, retries=retries, backoff=0.05
        ) as client:
            scan = ResolveScan(client, concurrency=64, budget=budget, wildcards=False)
            verdicts = {name: r.registration.value async for name, r in scan.run(NAMES)}
        elapsed = time.monotonic() - started
        driver.cancel()
        return verdicts, elapsed, proxy.received


def truth(name: str) -> str:
    """What the zone says about ``name``."""
    return "registered" if name in REGISTERED else "unregistered"


def judge(verdicts: dict[str, str]) -> tuple[int, int, int]:
    """(misclassified, unknown, lost)."""
    wrong = sum(1 for name, v in verdicts.items() if v not in ("unknown", truth(name)))
    unknown = sum(1 for v in verdicts.values() if v == "unknown")
    return wrong, unknown, len(set(NAMES) - set(verdicts))


def count(row: Row, verdicts: dict[str, str], allowed: Callable[[str], tuple[str, ...]]) -> None:
    """One case per name of NAMES: it has a row and its verdict is one ``allowed`` gives."""
    row.lose(sum(1 for name in NAMES if name not in verdicts))
    for name in NAMES:
        with row.case():
            assert verdicts.get(name) in allowed(name), (name, verdicts.get(name))


async def drop_30(proxy: FaultProxy) -> None:
    proxy.drop = 0.3


async def slow(proxy: FaultProxy) -> None:
    proxy.delay = 0.12


async def servfail_window(proxy: FaultProxy) -> None:
    proxy.servfail = True
    await asyncio.sleep(0.6)
    proxy.servfail = False


async def dies_and_returns(proxy: FaultProxy) -> None:
    await asyncio.sleep(0.05)
    proxy.dead = True
    await asyncio.sleep(0.8)
    proxy.dead = False


SCENARIOS = {
    "resolver drops 30% of queries": drop_30,
    "resolver answers slowly (+120 ms, timeout 300 ms)": slow,
    "resolver answers SERVFAIL for a while": servfail_window,
    "resolver dies mid-scan and comes back": dies_and_returns,
}


@pytest.mark.parametrize("fault", list(SCENARIOS))
def test_fault_never_turns_into_a_wrong_answer(
    server: tuple[str, int], fault: str, ledger: Ledger
) -> None:
    verdicts, elapsed, _ = asyncio.run(scan_through(server, SCENARIOS[fault]))
    count(ledger.row(fault), verdicts, lambda name: ("unknown", truth(name)))
    wrong, unknown, lost = judge(verdicts)
    assert wrong == 0 and lost == 0
    assert elapsed < 20.0
    if fault.startswith(("resolver drops", "resolver answers slowly")):
        assert unknown <= len(NAMES) // 50  # retries recover almost everything


def test_dead_resolver_ends_within_budget_all_unknown(
    server: tuple[str, int], ledger: Ledger
) -> None:
    async def dead(proxy: FaultProxy) -> None:
        proxy.dead = True

    verdicts, elapsed, received = asyncio.run(
        scan_through(server, dead, timeout=0.2, retries=1, budget=2.0)
    )
    row = ledger.row("resolver dead for the whole run (budget 2 s): every name unknown")
    count(row, verdicts, lambda name: ("unknown",))
    wrong, unknown, lost = judge(verdicts)
    assert wrong == 0 and lost == 0 and unknown == len(NAMES)
    assert elapsed < 2.0 + 1.0
    assert received <= len(NAMES) * 2  # retries are bounded: one retry per query


def test_hostile_names_in_answers_never_reach_a_terminal(
    server: tuple[str, int], ledger: Ledger
) -> None:
    """An MX exchange holding an escape sequence (ESC [31m) comes back escaped, and the table
    writer, which prints to terminals, never emits a control character."""
    import io

    from typorisk.pipeline.rows import resolution_row
    from typorisk.writers import write_rows

    async def run() -> list[dict[str, object]]:
        async with DnsClient([NameServer(*server)], timeout=1.0) as client:
            scan = ResolveScan(client, wildcards=False)
            return [resolution_row(r) async for _, r in scan.run(["evil.test"])]

    with ledger.row("hostile bytes in DNS answers (MX name with ESC)").case():
        rows = asyncio.run(run())
        assert rows[0]["registration"] == "registered" and rows[0]["mail"] == "mx"
        out = io.StringIO()
        write_rows(rows, "table", out, ("domain", "mx", "spf"))
        text = out.getvalue()
        assert "\x1b" not in text and all(c.isprintable() or c == "\n" for c in text)
