"""The pump (``typorisk.resolve.pump``): each name's first question is sent and settled by
callbacks, with no task per name, against the lab's real Unbound; names that need more go on as
tasks, every item comes out once, errors reach the caller, and closing early leaves nothing in
flight."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator

import pytest

from typorisk.model import Candidate
from typorisk.resolve import (
    DnsClient,
    Mail,
    NameServer,
    Registration,
    Resolution,
    ResolveScan,
    scanner,
)
from typorisk.resolve import client as client_module

from .conftest import Lab

CONCURRENCY = 64


def test_nonexistent_names_settle_without_a_task_each(lab: Lab) -> None:
    """With 64 names in flight, the run holds a handful of tasks (the engine's own), not one a
    name: the old worker design held ``concurrency`` workers; a task per query would be more."""
    names = [f"pumped{i}.test" for i in range(600)]

    async def run() -> tuple[Counter[Registration], int, int]:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            scan = ResolveScan(client, concurrency=CONCURRENCY)
            found: Counter[Registration] = Counter()
            most = 0
            async for _, result in scan.run(names):
                found[result.registration] += 1
                most = max(most, len(asyncio.all_tasks()))
            return found, most, client.stats().sent

    found, most, sent = asyncio.run(run())
    assert found == {Registration.UNREGISTERED: len(names)}
    assert sent == len(names)  # one query a name, none retried
    assert most < 8, most


def test_every_item_comes_out_once_in_a_mixed_run(lab: Lab) -> None:
    """Nonexistent, existing (records, wildcard probes: on tasks; big.test's TXT only over TCP),
    invalid names and candidates, through a small window: each item exactly once, with the
    verdicts of the zone."""
    items: list[str | Candidate] = []
    for i in range(150):
        items += [f"gone{i}.test", "withmx.test", "bad..name", "-", "big.test"]
    items.append(Candidate("withmx.test", "onlya.test", "onlya.test", "onlya.test",
                           ("omission",), 0.1, "test"))  # fmt: skip

    async def run() -> tuple[list[tuple[object, Resolution]], int]:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            scan = ResolveScan(client, concurrency=8)
            return [pair async for pair in scan.run(iter(items))], client.stats().tcp

    out, tcp = asyncio.run(run())
    assert len(out) == len(items)
    assert Counter(id(item) for item, _ in out) == Counter(id(item) for item in items)
    verdicts = {(item if isinstance(item, str) else item.domain, r.registration, r.mail)
                for item, r in out}  # fmt: skip
    assert verdicts == {
        *((f"gone{i}.test", Registration.UNREGISTERED, Mail.NONE) for i in range(150)),
        ("withmx.test", Registration.REGISTERED, Mail.MX),
        ("big.test", Registration.REGISTERED, Mail.IMPLICIT),
        ("onlya.test", Registration.REGISTERED, Mail.IMPLICIT),
        ("bad..name", Registration.UNKNOWN, Mail.UNKNOWN),
        ("-", Registration.UNKNOWN, Mail.UNKNOWN),
    }
    assert tcp >= 150  # every big.test's TXT came over TCP


def test_an_error_of_the_input_reaches_the_caller(lab: Lab) -> None:
    def names() -> Iterator[str]:
        for i in range(300):
            yield f"early{i}.test"
        raise RuntimeError("the input broke")

    async def run() -> int:
        got = 0
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            async for _ in ResolveScan(client, concurrency=CONCURRENCY).run(names()):
                got += 1
        return got

    with pytest.raises(BaseException) as caught:
        asyncio.run(run())
    errors = (
        caught.value.exceptions if isinstance(caught.value, BaseExceptionGroup) else [caught.value]
    )
    assert [str(e) for e in errors] == ["the input broke"]


def test_closing_early_leaves_no_query_in_flight(lab: Lab) -> None:
    """A consumer that stops after 50 results: the queries the pump had in flight are dropped
    from the socket (their replies would be counted for nobody), and no task is left."""
    names = [f"stop{i}.test" for i in range(2000)]

    async def run() -> tuple[int, int, int]:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            gen = ResolveScan(client, concurrency=CONCURRENCY).run(names)
            got = 0
            async for _ in gen:
                got += 1
                if got == 50:
                    break
            await gen.aclose()
            channel = next(iter(client._open.values()))
            in_flight = len(channel._pending)
            others = len(asyncio.all_tasks()) - 1
            return got, in_flight, others

    got, in_flight, others = asyncio.run(run())
    assert (got, in_flight, others) == (50, 0, 0)


def test_a_bug_reading_a_reply_reaches_the_caller(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error raised while a reply is read in a callback (here: a broken check) ends the run
    with that error, instead of going to the loop's log and leaving the names unsettled."""

    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("broken check")

    monkeypatch.setattr("typorisk.resolve.client.read_reply", broken)

    async def run() -> None:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            async with asyncio.timeout(10):
                async for _ in ResolveScan(client, concurrency=4).run(["nx1.test", "nx2.test"]):
                    pass

    with pytest.raises(BaseException) as caught:
        asyncio.run(run())
    errors = (
        caught.value.exceptions if isinstance(caught.value, BaseExceptionGroup) else [caught.value]
    )
    assert [str(e) for e in errors] == ["broken check"]


def test_names_that_cannot_be_asked_respect_the_consumer(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20,000 invalid names settle without a query, but no faster than a slow consumer takes
    them: at most the high-water mark and the names in flight wait."""
    monkeypatch.setattr(scanner, "OUT_HIGH", 40)
    names = [f"bad{i}..test" for i in range(20_000)]

    async def run() -> tuple[int, int]:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            scan = ResolveScan(client, concurrency=16)
            consumed = ahead = 0
            async for _ in scan.run(names):
                consumed += 1
                ahead = max(ahead, scan.stats().names - consumed)
                if consumed % 100 == 0:
                    await asyncio.sleep(0)
            return consumed, ahead

    consumed, ahead = asyncio.run(run())
    assert consumed == len(names)
    assert ahead <= 40 + 16, ahead


def test_closing_early_waits_for_the_record_queries_it_cancels(
    lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    """big.test's TXT needs TCP; with the TCP exchange slow (and slow to clean up), closing
    the run while it waits leaves no task behind: the record queries' tasks are awaited."""

    async def slow_tcp(*args: object, **kwargs: object) -> bytes | None:
        try:
            await asyncio.sleep(30)
        finally:
            await asyncio.sleep(0.05)  # a connection's close takes a moment
        return None

    monkeypatch.setattr(client_module, "tcp_exchange", slow_tcp)

    async def run() -> int:
        async with DnsClient([NameServer(*lab.resolver)]) as client:
            gen = ResolveScan(client, concurrency=4).run(["big.test"])
            waiter = asyncio.ensure_future(gen.__anext__())
            await asyncio.sleep(1.0)  # NS answered, the TXT query is on TCP
            waiter.cancel()
            await asyncio.wait([waiter])
            await gen.aclose()
            return len(asyncio.all_tasks()) - 1

    assert asyncio.run(run()) == 0
