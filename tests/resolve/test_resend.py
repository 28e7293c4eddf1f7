"""Early resend (``UdpChannel``): a query whose datagram is lost is sent again after the
channel's RTO, long before its timeout, against the lab's real Unbound behind the fault proxy."""

from __future__ import annotations

import asyncio
import time

from typorisk.kit.rate import AdaptiveRate
from typorisk.resolve import DnsClient, NameServer, Registration, ResolveScan
from typorisk.resolve.transport import INITIAL_RTO, MIN_RTO, UdpChannel

from ..reliability.faultproxy import FaultProxy
from .conftest import CHILDREN, Lab

TIMEOUT = 5.0
# left out: lame.test (the resolver itself waits out its dead name server) and big.test (its
# truncated reply is asked again over TCP, which the UDP proxy does not carry)
EXISTING = [o.rstrip(".") for o in CHILDREN if o not in ("lame.test.", "big.test.")]
NAMES = [*EXISTING, *(f"gone{i}.test" for i in range(40))]


def test_a_lost_datagram_costs_the_rto_not_the_timeout(lab: Lab) -> None:
    """Every first copy is lost: every query is answered through its resend, after about
    INITIAL_RTO (no round trip is ever sampled: Karn's rule), none waits out the 5 s timeout
    (with no retry, a timeout would leave its name unknown), and the counters say what was
    sent."""

    async def run() -> tuple[dict[str, Registration], DnsClient, FaultProxy, float]:
        async with FaultProxy(lab.resolver) as proxy:
            proxy.drop_first = True
            async with DnsClient(
                [NameServer("127.0.0.1", proxy.port)], timeout=TIMEOUT, retries=0
            ) as client:
                started = time.monotonic()
                scan = ResolveScan(client)
                found = {name: res.registration async for name, res in scan.run(NAMES)}
                return found, client, proxy, time.monotonic() - started

    found, client, proxy, elapsed = asyncio.run(run())
    assert Registration.UNKNOWN not in found.values()
    assert found["gone1.test"] is Registration.UNREGISTERED
    counts = client.stats()
    assert counts.timeouts == 0 and counts.resent == counts.sent // 2 > 0
    assert proxy.received == counts.sent  # every copy reached the proxy, and was counted
    server = next(iter(client.server_stats().values()))
    assert server.sent == server.answered + server.timeouts + server.resent
    # no query waited out its 5 s (none timed out, and retries are off): each waited ~1 s,
    # for a few rounds in a row (NS, then the records and the zone's wildcard probes)
    assert elapsed < 9 * INITIAL_RTO


def test_the_rto_follows_the_round_trips_and_stays_above_its_floor() -> None:
    channel = UdpChannel()
    assert channel.rto() == INITIAL_RTO
    for _ in range(50):
        channel._sample(0.001)  # a local resolver's cache: ~1 ms
    assert channel.rto() == MIN_RTO
    for _ in range(50):
        channel._sample(0.5)  # a slow upstream
    assert 0.5 < channel.rto() < 2.0


def test_a_resend_takes_a_slot_of_the_rate_controller_and_reports_a_loss(lab: Lab) -> None:
    """With every first copy lost, the controller sees each resend as a failure (congestion is
    seen at the resend), and the resends never exceed the ceiling: the proxy's arrivals over
    any second stay within ceiling + burst."""
    ceiling = 40.0

    async def run() -> tuple[DnsClient, FaultProxy]:
        async with FaultProxy(lab.resolver) as proxy:
            proxy.drop_first = True
            async with DnsClient(
                [NameServer("127.0.0.1", proxy.port)], timeout=TIMEOUT, retries=0, rate=ceiling
            ) as client:
                scan = ResolveScan(client)
                names = [f"gone{i}.test" for i in range(60)]
                assert len([n async for n, _ in scan.run(names)]) == len(names)
                return client, proxy

    client, proxy = asyncio.run(run())
    pace: AdaptiveRate = next(iter(client._paces.values()))
    assert client.stats().resent == 60 and pace.rate <= ceiling
    arrivals = sorted(proxy.arrivals)
    for i, start in enumerate(arrivals):
        within = sum(1 for t in arrivals[i:] if t < start + 1.0)
        assert within <= ceiling + 10 + 1, (start, within)
