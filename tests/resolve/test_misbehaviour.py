"""The engine against a server that drops, delays, fails, truncates and sends wrong replies."""

from __future__ import annotations

import asyncio

from typorisk.resolve import (
    DnsClient,
    Mail,
    NameServer,
    Outcome,
    Registration,
    Resolution,
    ResolveScan,
    ResolveStats,
)

from ..conftest import Ledger
from .nanoserver import NanoServer

EXPECTED = {
    "nx": (Registration.UNREGISTERED, Outcome.NXDOMAIN),
    "ok": (Registration.REGISTERED, Outcome.ANSWER),
    "drop": (Registration.UNKNOWN, Outcome.TIMEOUT),
    "dropfirst": (Registration.REGISTERED, Outcome.ANSWER),
    "slow": (Registration.REGISTERED, Outcome.ANSWER),
    "servfail": (Registration.UNKNOWN, Outcome.SERVFAIL),
    "refused": (Registration.UNKNOWN, Outcome.REFUSED),
    "tc": (Registration.REGISTERED, Outcome.ANSWER),
    "badid": (Registration.REGISTERED, Outcome.ANSWER),
    "wrongq": (Registration.REGISTERED, Outcome.ANSWER),
    "notqr": (Registration.REGISTERED, Outcome.ANSWER),
}


async def _scan(
    names: list[str], **options: object
) -> tuple[dict[str, Resolution], ResolveStats, NanoServer]:
    async with NanoServer() as server:
        client = DnsClient(
            [NameServer("127.0.0.1", server.port)], timeout=0.2, retries=2, backoff=0.01
        )
        async with client:
            scan = ResolveScan(client, concurrency=40, **options)  # type: ignore[arg-type]
            results: dict[str, Resolution] = {}
            async for item, resolution in scan.run(names):
                assert item not in results, f"{item} reported twice"
                results[item] = resolution
        return results, scan.stats(), server


def test_nothing_misclassified_nothing_lost(ledger: Ledger) -> None:
    names = [f"{kind}-{i}.mis.test" for kind in EXPECTED for i in range(12)]
    results, stats, server = asyncio.run(_scan(names))
    for kind, expected in EXPECTED.items():
        row = ledger.row(f"DNS server misbehaves: {kind}")
        ours = [n for n in names if n.startswith(f"{kind}-")]
        row.lose(sum(1 for n in ours if n not in results))
        for name in ours:
            with row.case():
                resolution = results[name]
                assert (resolution.registration, resolution.outcome) == expected, name
                if resolution.registration is Registration.UNKNOWN:
                    assert resolution.mail is Mail.UNKNOWN
                    assert resolution.error == resolution.outcome.value
    assert set(results) == set(names)
    assert stats.names == len(names)
    assert stats.tcp >= 12  # every tc- name went over TCP
    assert stats.mismatched >= 36  # badid-, wrongq- and notqr- decoys were all dropped
    assert stats.timeouts >= 12 * 3  # drop-: first try and two retries
    assert stats.retries >= 12 * 2 + 12  # drop- twice each, dropfirst- once each
    assert server.queries["drop-0.mis.test."] == 3
    assert results["nx-0.mis.test"].queries == 1


def test_budget_reports_unsettled_names_as_unknown() -> None:
    names = [f"drop-{i}.mis.test" for i in range(30)] + [f"nx-{i}.mis.test" for i in range(30)]
    results, stats, _ = asyncio.run(_scan(names, budget=0.3))
    assert set(results) == set(names)
    for name in names[:30]:
        assert results[name].outcome in (Outcome.BUDGET, Outcome.TIMEOUT), name
        assert results[name].registration is Registration.UNKNOWN
    assert any(r.outcome is Outcome.BUDGET for r in results.values())
    assert stats.names == 60
    assert stats.elapsed < 2.0


def test_closing_early_ends_every_task() -> None:
    async def main() -> list[asyncio.Task[object]]:
        async with NanoServer() as server:
            client = DnsClient([NameServer("127.0.0.1", server.port)], timeout=0.2)
            async with client:
                scan = ResolveScan(client, concurrency=10)
                stream = scan.run(f"slow-{i}.mis.test" for i in range(1000))
                first = await anext(stream)
                await stream.aclose()
                assert first[1].registration is Registration.REGISTERED
            # Once the scan and its client are closed, only the test server's own handlers may
            # still run (asked after the client, whose socket sweepers live as long as it does).
            current = asyncio.current_task()
            return [
                t
                for t in asyncio.all_tasks()
                if t is not current and "NanoServer" not in repr(t.get_coro())
            ]

    assert asyncio.run(main()) == []


def test_rate_limit_spaces_queries() -> None:
    async def main() -> float:
        async with NanoServer() as server:
            client = DnsClient([NameServer("127.0.0.1", server.port)], rate=200)
            async with client:
                scan = ResolveScan(client, concurrency=50)
                loop = asyncio.get_running_loop()
                start = loop.time()
                async for _ in scan.run(f"nx-{i}.mis.test" for i in range(110)):
                    pass
                return loop.time() - start

    # 110 queries at 200/s with a burst of 10: at least (110 - 10) / 200 = 0.5 s.
    assert asyncio.run(main()) >= 0.45
