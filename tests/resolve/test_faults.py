"""Faults never pass as success: malformed replies, rotating and failing wildcards, RFC 6604
NXDOMAIN-with-CNAME, and per-server liveness, against the in-process misbehaving server (and a
real NSD for liveness)."""

from __future__ import annotations

import asyncio
import io
import json
import socket
import time

import pytest

from typorisk.cli import main
from typorisk.resolve import (
    DnsClient,
    Mail,
    NameServer,
    Outcome,
    Registration,
    Resolution,
    ResolveScan,
    ResolveStats,
    ServerCheck,
    check_servers,
)

from ..conftest import Ledger, ledger_row
from .conftest import Lab
from .nanoserver import NanoServer, in_thread

TIMEOUT = 0.2


async def _scan(
    names: list[str], *, extra_servers: tuple[NameServer, ...] = (), **options: object
) -> tuple[dict[str, Resolution], ResolveStats, NanoServer]:
    async with NanoServer() as server:
        client = DnsClient(
            [NameServer("127.0.0.1", server.port), *extra_servers],
            timeout=TIMEOUT,
            retries=2,
            backoff=0.01,
        )
        async with client:
            scan = ResolveScan(client, concurrency=40, **options)  # type: ignore[arg-type]
            results: dict[str, Resolution] = {}
            async for item, resolution in scan.run(names):
                assert item not in results, f"{item} reported twice"
                results[item] = resolution
        return results, scan.stats(), server


def dead_port() -> int:
    """A UDP port on 127.0.0.1 where nothing listens (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- malformed replies -----------------------------------------------------------------------

MALFORMED = {
    "junk": (Registration.UNKNOWN, Outcome.MALFORMED),
    "nxjunk": (Registration.UNKNOWN, Outcome.MALFORMED),
    "cut": (Registration.UNKNOWN, Outcome.MALFORMED),
    "garbage": (Registration.UNKNOWN, Outcome.MALFORMED),
    "junkonce": (Registration.REGISTERED, Outcome.ANSWER),
}


def test_a_malformed_reply_is_data_never_an_exception(ledger: Ledger) -> None:
    names = [f"{kind}-{i}.mis.test" for kind in MALFORMED for i in range(8)]
    results, stats, server = asyncio.run(_scan(names))
    for kind, expected in MALFORMED.items():
        row = ledger.row(f"DNS server sends malformed replies: {kind}")
        ours = [n for n in names if n.startswith(f"{kind}-")]
        row.lose(sum(1 for n in ours if n not in results))
        for name in ours:
            with row.case():
                r = results[name]
                assert (r.registration, r.outcome) == expected, name
                if r.outcome is Outcome.MALFORMED:
                    assert r.error == "malformed" and r.mail is Mail.UNKNOWN
                    assert r.records.a == () and not r.wildcard
    assert set(results) == set(names)
    # Retried once (on the next server: here the same one), then settled: two queries.
    assert server.queries["junk-0.mis.test."] == 2
    assert server.queries["nxjunk-0.mis.test."] == 2
    assert results["garbage-0.mis.test"].queries == 2
    assert stats.malformed >= 4 * 8 * 2 + 8 and stats.rcodes["MALFORMED"] == stats.malformed
    assert "NXDOMAIN" not in stats.rcodes or stats.rcodes["NXDOMAIN"] < 40  # nxjunk not counted


def test_one_malformed_reply_in_a_batch_loses_no_row(ledger: Ledger) -> None:
    names = [f"nx-{i}.mis.test" for i in range(20)] + [f"ok-{i}.mis.test" for i in range(14)]
    names.insert(17, "cut-0.mis.test")
    results, stats, _ = asyncio.run(_scan(names))
    row = ledger.row("DNS: a truncated reply amid 34 good ones (every name has its row)")
    row.lose(sum(1 for n in names if n not in results))
    for name in names:
        with row.case():
            assert name in results, name
    assert len(names) == 35 and set(results) == set(names)
    assert results["cut-0.mis.test"].outcome is Outcome.MALFORMED
    assert sum(r.registration is Registration.REGISTERED for r in results.values()) == 14
    assert stats.names == 35


def test_cli_prints_every_row_despite_a_malformed_reply(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    names = [f"nx-{i}.mis.test" for i in range(25)] + [f"ok-{i}.mis.test" for i in range(9)]
    names.insert(10, "garbage-0.mis.test")
    with in_thread() as server:
        monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(names) + "\n"))
        argv = ["resolve", "-", "--nameserver", f"127.0.0.1:{server.port}", "--format", "jsonl"]
        code = main([*argv, "--timeout", "0.3", "--rate", "0"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "ExceptionGroup" not in err
    rows = [json.loads(line) for line in out.splitlines()]
    printed = [row["domain"] for row in rows]
    kept = ledger.row("CLI resolve: a garbage reply amid 34 good ones (every row printed)")
    kept.lose(sum(1 for n in names if n not in printed))
    for name in names:
        with kept.case():
            assert printed.count(name) == 1, name
    assert len(rows) == 35 and {row["domain"] for row in rows} == set(names)
    bad = next(row for row in rows if row["domain"] == "garbage-0.mis.test")
    assert bad["registration"] == "unknown" and bad["outcome"] == "malformed"
    assert bad["error"] == "malformed"
    # 1 name of 35 (2.9%) unknown is over the 2% default: every row is printed, and the run
    # says it is incomplete (exit 4) on one line.
    assert code == 4 and "run incomplete: 1 of 35 names (2.9%) stayed unknown" in err


# -- RFC 6604: NXDOMAIN with a CNAME ---------------------------------------------------------


NXDOMAIN_CNAME = ledger_row("NXDOMAIN with a CNAME (RFC 6604): an alias, or a wildcard")


def test_nxdomain_with_a_cname_is_an_existing_alias() -> None:
    names = ["cnamenx-1.mis.test", "nx-1.mis.test"]
    results, _, _ = asyncio.run(_scan(names))
    with NXDOMAIN_CNAME.case():
        alias = results["cnamenx-1.mis.test"]
        assert alias.registration is Registration.REGISTERED and alias.outcome is Outcome.ANSWER
        assert alias.records.cname == "gone.mis.test"
        assert alias.mail is Mail.NONE  # the target does not exist: no address, no MX
    with NXDOMAIN_CNAME.case():  # a plain NXDOMAIN beside it
        assert results["nx-1.mis.test"].registration is Registration.UNREGISTERED
        assert results["nx-1.mis.test"].queries == 1  # the header-only fast path still holds


def test_a_wildcard_cname_to_nowhere_is_still_a_wildcard() -> None:
    # Every label under the zone is NXDOMAIN + CNAME: the random-label probe must see it.
    results, stats, _ = asyncio.run(_scan(["any.wild-cnamenx.mis.test"]))
    with NXDOMAIN_CNAME.case():
        r = results["any.wild-cnamenx.mis.test"]
        assert r.outcome is Outcome.WILDCARD and r.registration is Registration.UNKNOWN
        assert r.zone_wildcard is True
        assert "wild-cnamenx.mis.test" in stats.wildcard_zones


# -- wildcards ---------------------------------------------------------------------------------


def test_a_rotating_wildcard_is_detected(ledger: Ledger) -> None:
    names = [f"name{i}.wild-rotate.mis.test" for i in range(20)]
    results, stats, _ = asyncio.run(_scan([*names, "ok-1.wild-rotate.mis.test"]))
    row = ledger.row("wildcard answering a random 2 of 6 addresses")
    row.lose(sum(1 for n in names if n not in results))
    for name in names:
        with row.case():
            r = results[name]
            assert (r.registration, r.outcome, r.wildcard) == (
                Registration.UNKNOWN,
                Outcome.WILDCARD,
                True,
            ), (name, r.records)
            assert r.zone_wildcard is True and r.mail is Mail.UNKNOWN
    # A real name under the zone has what the wildcard never gives (an NS delegation).
    real = results["ok-1.wild-rotate.mis.test"]
    assert real.registration is Registration.REGISTERED and real.zone_wildcard is True
    assert stats.wildcard_zones == ("wild-rotate.mis.test",)


@pytest.mark.parametrize("failure", ["drop", "servfail", "garbage"])
def test_a_failed_wildcard_probe_never_makes_a_name_registered(
    failure: str, ledger: Ledger
) -> None:
    # Names with a prefix are answered; the zone's random probe labels get the failure.
    names = [f"ok-{i}.wild-{failure}.mis.test" for i in range(5)]
    results, stats, _ = asyncio.run(_scan([*names, "nx-1.wild-drop.mis.test"]))
    row = ledger.row(f"wildcard probe fails ({failure})")
    row.lose(sum(1 for n in names if n not in results))
    for name in names:
        with row.case():
            r = results[name]
            assert r.registration is Registration.UNKNOWN, name
            assert r.outcome is Outcome.PROBE_FAILED and r.error == "wildcard probe failed"
            assert r.zone_wildcard is None and r.mail is Mail.UNKNOWN
            assert r.records.ns == ("ns.mis.test",)  # what was found is kept
    # A name that does not exist needs no wildcard probe: still unregistered.
    assert results["nx-1.wild-drop.mis.test"].registration is Registration.UNREGISTERED
    assert stats.wildcard_zones == ()


# -- per-server liveness -----------------------------------------------------------------------


def _checks(servers: list[NameServer], probe: str, **options: float) -> list[ServerCheck]:
    async def run() -> list[ServerCheck]:
        async with DnsClient(servers, **options) as client:  # type: ignore[arg-type]
            return await check_servers(client, probe)

    return asyncio.run(run())


DEAD_CHECK = ledger_row("dead resolver: the check before the run says so (in time)")


def test_check_servers_reports_a_dead_port_in_time() -> None:
    port = dead_port()
    started = time.monotonic()
    with DEAD_CHECK.case():
        (check,) = _checks([NameServer("127.0.0.1", port)], ".", timeout=0.3, retries=2)
        elapsed = time.monotonic() - started
        assert check.server == f"127.0.0.1:{port}" and not check.ok and check.rcode is None
        assert check.problem is not None
        assert check.problem.startswith("no reply within 0.3 s after 3 tries"), check.problem
        assert check.tries == 3
        assert 0.85 <= elapsed < 0.3 * 3 + 0.5


@pytest.mark.parametrize(
    ("probe", "ok", "problem"),
    [
        ("ok-x.mis.test", True, None),
        ("nx-x.mis.test", True, None),
        ("servfail-x.mis.test", False, "SERVFAIL"),
        ("refused-x.mis.test", False, "REFUSED"),
        ("garbage-x.mis.test", False, "malformed reply"),
        ("drop-x.mis.test", False, "no reply within 0.2 s after 2 tries"),
    ],
)
def test_check_servers_against_the_nanoserver(probe: str, ok: bool, problem: str | None) -> None:
    async def run() -> list[ServerCheck]:
        async with NanoServer() as server:
            live = NameServer("127.0.0.1", server.port)
            async with DnsClient(
                [live, NameServer("127.0.0.1", dead_port())], timeout=0.2, retries=1
            ) as client:
                return await check_servers(client, probe)

    live, dead = asyncio.run(run())
    assert (live.ok, live.problem) == (ok, problem)
    with DEAD_CHECK.case():  # the dead server beside a live one that answers ``probe``
        assert not dead.ok and dead.problem is not None and dead.problem.startswith("no reply")


def test_check_servers_against_nsd(lab: Lab) -> None:
    registry, resolver = NameServer(*lab.registry), NameServer(*lab.resolver)
    checks = _checks([registry, resolver], "test", timeout=1.0, retries=1)
    assert [c.server for c in checks] == [str(registry), str(resolver)]
    assert all(c.ok and c.problem is None and c.rcode == "NOERROR" for c in checks)
    assert all(c.tries == 1 and c.elapsed < 1.0 for c in checks)


def test_scan_stats_count_per_server() -> None:
    dead = NameServer("127.0.0.1", dead_port())
    names = [f"nx-{i}.mis.test" for i in range(30)] + [f"ok-{i}.mis.test" for i in range(5)]
    results, stats, server = asyncio.run(_scan(names, extra_servers=(dead,)))
    assert all(r.registration is not Registration.UNKNOWN for r in results.values())
    live = stats.servers[f"127.0.0.1:{server.port}"]
    stopped = stats.servers[str(dead)]
    assert stopped.sent > 0 and stopped.answered == 0 and stopped.timeouts == stopped.sent
    assert live.answered > 0 and live.timeouts == 0 and live.sent == live.answered
    assert live.sent + stopped.sent == stats.queries
    assert stopped.timeouts == stats.timeouts
