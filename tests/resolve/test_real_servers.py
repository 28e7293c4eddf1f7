"""Every classification against real servers: NSD (authoritative) behind Unbound (recursive)."""

from __future__ import annotations

import asyncio

import pytest

from typorisk.resolve import (
    DnsClient,
    Mail,
    MxHost,
    NameServer,
    Outcome,
    Registration,
    Resolution,
    ResolveScan,
    ResolveStats,
)

from .conftest import Lab

NAMES = [
    "withmx.test",
    "www.withmx.test",
    "onlya.test",
    "nullmx.test",
    "nomail.test",
    "nope.test",
    "missing.test",
    "lame.test",
    "wild.test",
    "anything.wild.test",
    "foo.wtld.test",
    "real.wtld.test",
    "big.test",
]

# name: (registration, mail, wildcard, zone_wildcard)
COMMON = {
    "withmx.test": (Registration.REGISTERED, Mail.MX, False, False),
    "onlya.test": (Registration.REGISTERED, Mail.IMPLICIT, False, False),
    "nullmx.test": (Registration.REGISTERED, Mail.NULL_MX, False, False),
    "nomail.test": (Registration.REGISTERED, Mail.NONE, False, False),
    "nope.test": (Registration.UNREGISTERED, Mail.NONE, False, False),
    "missing.test": (Registration.UNREGISTERED, Mail.NONE, False, False),
    "wild.test": (Registration.REGISTERED, Mail.IMPLICIT, False, False),
    "anything.wild.test": (Registration.UNKNOWN, Mail.UNKNOWN, True, True),
    "foo.wtld.test": (Registration.UNKNOWN, Mail.UNKNOWN, True, True),
    "real.wtld.test": (Registration.REGISTERED, Mail.MX, False, True),
    "big.test": (Registration.REGISTERED, Mail.IMPLICIT, False, False),
    "www.withmx.test": (Registration.REGISTERED, Mail.MX, False, False),
}


def _run(lab: Lab, *, authoritative: bool) -> tuple[dict[str, Resolution], ResolveStats]:
    async def main() -> tuple[dict[str, Resolution], ResolveStats]:
        async with DnsClient([NameServer(*lab.resolver)], timeout=1.0, retries=1) as client:
            scan = ResolveScan(
                client, concurrency=8, authoritative=authoritative, authoritative_port=lab.port
            )
            found = {item: r async for item, r in scan.run(NAMES)}
        return found, scan.stats()

    return asyncio.run(main())


@pytest.fixture(scope="module")
def recursive(lab: Lab) -> tuple[dict[str, Resolution], ResolveStats]:
    return _run(lab, authoritative=False)


@pytest.fixture(scope="module")
def authoritative(lab: Lab) -> tuple[dict[str, Resolution], ResolveStats]:
    return _run(lab, authoritative=True)


@pytest.mark.parametrize("mode", ["recursive", "authoritative"])
@pytest.mark.parametrize("name", sorted(COMMON))
def test_classification(name: str, mode: str, request: pytest.FixtureRequest) -> None:
    results, _ = request.getfixturevalue(mode)
    r = results[name]
    assert (r.registration, r.mail, r.wildcard, r.zone_wildcard) == COMMON[name]
    assert r.domain == name
    if r.wildcard:
        assert r.outcome is Outcome.WILDCARD and r.error == "wildcard"


def test_records_of_a_mail_domain(recursive: tuple[dict[str, Resolution], ResolveStats]) -> None:
    r = recursive[0]["withmx.test"]
    assert r.outcome is Outcome.ANSWER
    assert r.records.ns == ("ns2.test",)
    assert r.records.a == ("192.0.2.1",) and r.records.aaaa == ("2001:db8::1",)
    assert r.records.mx == (MxHost(10, "mail.withmx.test"), MxHost(20, "backup.example"))
    assert r.records.spf and r.records.dmarc
    assert r.records.cname is None
    assert recursive[0]["www.withmx.test"].records.cname == "withmx.test"
    assert recursive[0]["nullmx.test"].records.mx == (MxHost(0, ""),)
    assert not recursive[0]["onlya.test"].records.spf


def test_nonexistent_names_cost_one_query(
    recursive: tuple[dict[str, Resolution], ResolveStats],
) -> None:
    assert recursive[0]["nope.test"].queries == 1
    assert recursive[0]["nope.test"].outcome is Outcome.NXDOMAIN


def test_lame_delegation(
    recursive: tuple[dict[str, Resolution], ResolveStats],
    authoritative: tuple[dict[str, Resolution], ResolveStats],
) -> None:
    # Through a resolver a lame delegation is a SERVFAIL: unknown, never registered nor free.
    through_resolver = recursive[0]["lame.test"]
    assert through_resolver.registration is Registration.UNKNOWN
    assert through_resolver.outcome is Outcome.SERVFAIL and through_resolver.error == "servfail"
    # Asking the registry: delegated (registered), and the delegation is lame.
    direct = authoritative[0]["lame.test"]
    assert direct.registration is Registration.REGISTERED
    assert direct.outcome is Outcome.REFERRAL and direct.lame and direct.error == "lame"


def test_authoritative_mode_sees_referrals(
    authoritative: tuple[dict[str, Resolution], ResolveStats],
) -> None:
    results = authoritative[0]
    for name in ("withmx.test", "onlya.test", "real.wtld.test"):
        assert results[name].outcome is Outcome.REFERRAL and not results[name].lame, name
        assert results[name].authoritative
    assert results["nope.test"].queries == 1


def test_statistics(recursive: tuple[dict[str, Resolution], ResolveStats]) -> None:
    stats = recursive[1]
    assert stats.names == len(NAMES)
    assert set(stats.wildcard_zones) == {"wild.test", "wtld.test"}
    assert stats.tcp >= 1  # big.test's TXT set exceeds 1232 bytes
    assert stats.rcodes["NXDOMAIN"] >= 2 and stats.rcodes["SERVFAIL"] >= 1
    assert stats.registrations == {"registered": 8, "unregistered": 2, "unknown": 3}
    assert stats.queries >= sum(r.queries for r in recursive[0].values())
    assert stats.queries_per_second > 0
