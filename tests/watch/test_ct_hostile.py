"""Hostile CT logs: one log's malformed, oversized or lying answers are that log's error.

Two test logs on 127.0.0.1 (tests/watch/ctlog_server.py), one healthy and one hostile, read in
one ``watch ct`` run: the healthy log's hits are reported, the run exits 4, and the hostile
log's stored state is what it was before the run. A log that serves entries outside the tree it
signed, or a tree that does not extend the one read before, is refused the same way.
"""

from __future__ import annotations

import asyncio
import json
from functools import cache
from pathlib import Path

import aiohttp
import pytest

from typorisk.cli import main
from typorisk.match import Matcher, MatchSettings, build_matcher
from typorisk.store import Store
from typorisk.watch.ct import MAX_NAMED_PROOFS, CTLog, _picked, parse_log_list
from typorisk.watch.ct_types import BatchBuilder
from typorisk.watch.runs import CTOptions, WatchReport, ct_source, watch_ct

from ..conftest import Ledger
from .ctlog_server import (
    PLANTED,
    CertFactory,
    Corpus,
    CTLogServer,
    Logged,
    log_entry,
    make_corpus,
    serve_in_thread,
)

TARGETS = ("paypal.com", "examplebank.com")
DEEP = b"[" * 30_000 + b"]" * 30_000
"""JSON nested 30,000 deep (60,000 bytes, under every size cap): ``json.loads`` raises
RecursionError on it."""
DEEP_OBJECT = b'{"entries": ' + b'{"a": ' * 8_000 + b"1" + b"}" * 8_001
HOSTILE_ANSWERS = {
    "get-sth": {
        "nested 30,000 deep": DEEP,
        "objects nested 8,000 deep": DEEP_OBJECT.replace(b"entries", b"tree_size"),
        "not JSON": b"\xff\xfe garbage",
        "a 5,000-digit tree_size": b'{"tree_size": ' + b"9" * 5000 + b"}",
        "over the size cap": b'{"x": "' + b"a" * (100 << 10) + b'"}',
    },
    "get-entries": {
        "1,000,000 escaped quotes never closed": b'{"entries": ["' + b'\\"' * 1_000_000,
        "nested 30,000 deep": DEEP,
        "objects nested 8,000 deep": DEEP_OBJECT,
        "not JSON": b"<html>",
    },
    "checkpoint": {
        "binary garbage": bytes(range(256)) * 4,
        "over the size cap": b"x" * (100 << 10),
        "no signature": b"origin\n10\nAAAA\n\n",
    },
    "data-tile": {"garbage": b"\x00\x01" * 5000, "empty": b""},
    "hash-tile": {"garbage": b"\x07" * 8192, "short": b"\x07" * 33},
}


@cache
def corpus() -> Corpus:
    return make_corpus(600, bad=(7, 300))


@cache
def matcher() -> Matcher:
    return build_matcher(TARGETS, MatchSettings(top=100))


def logs_of(*servers: CTLogServer, api: str) -> list[CTLog]:
    return [next(x for x in parse_log_list(s.log_list()) if x.api == api) for s in servers]


def run_watch(logs: list[CTLog], store: Store, **options: object) -> WatchReport:
    async def body() -> WatchReport:
        async with aiohttp.ClientSession() as session:
            chosen = CTOptions(rate=1000.0, **options)  # type: ignore[arg-type]
            return await watch_ct(logs, matcher(), store, session, chosen)

    return asyncio.run(body())


@pytest.fixture
def pair():  # type: ignore[no-untyped-def]
    """(healthy, hostile): two logs of the same corpus, each with its own key."""
    with (
        serve_in_thread(CTLogServer(corpus(), page=64)) as healthy,
        serve_in_thread(CTLogServer(corpus(), page=64)) as hostile,
    ):
        yield healthy, hostile


API_OF = {"get-sth": "rfc6962", "get-entries": "rfc6962", "checkpoint": "static",
          "data-tile": "static", "hash-tile": "static"}  # fmt: skip
CASES = [(route, name) for route, answers in HOSTILE_ANSWERS.items() for name in answers]


@pytest.mark.parametrize(("route", "name"), CASES)
def test_a_hostile_answer_is_that_logs_error_and_the_healthy_logs_hits_stay(
    route: str, name: str, pair: tuple[CTLogServer, CTLogServer], tmp_path: Path, ledger: Ledger
) -> None:
    healthy, hostile = pair
    api = API_OF[route]
    logs = logs_of(healthy, hostile, api=api)
    with (
        ledger.row(f"CT {api}: hostile {route} answer ({name}), a healthy log beside").case(),
        Store(tmp_path / "w.db") as store,
    ):
        first = run_watch(logs, store, from_start=True, max_entries=100)
        assert not first.incomplete
        before = store.watch_state(ct_source(logs[1]))
        assert before is not None and before["next_index"] == 100
        hostile.hostile[route] = HOSTILE_ANSWERS[route][name]
        report = run_watch(logs, store, max_entries=10_000)
        assert len(report.incomplete) == 1 and "test log" in report.incomplete[0]
        assert hostile.base in report.incomplete[0]
        # every planted look-alike of the healthy log beyond its first 100 entries
        later = {n for i, names in corpus().names.items() if i >= 100 for n in names}
        assert {h.name for h in report.new} == set(PLANTED) & later
        assert {h.source for h in report.new} == {ct_source(logs[0])}
        assert store.watch_state(ct_source(logs[1])) == before
        assert store.watch_state(ct_source(logs[0]))["next_index"] == 600  # type: ignore[index]


def test_cli_one_hostile_and_one_healthy_log_exit_4_with_the_hits(
    pair: tuple[CTLogServer, CTLogServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy, hostile = pair
    listed = tmp_path / "logs.json"
    doc = healthy.log_list()
    other = hostile.log_list()
    doc["operators"] += other["operators"]  # type: ignore[operator]
    listed.write_text(json.dumps(doc))
    db = tmp_path / "w.db"
    argv = ["watch", "ct", "--log-list", str(listed), "--log", healthy.rfc_url,
            "--log", hostile.rfc_url, "--rate", "1000", "--db", str(db), "--format", "jsonl",
            "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
    for target in TARGETS:
        argv += ["--target", target]
    assert main([*argv, "--from-start", "--max-entries", "100"]) in (0, 3)
    logs = logs_of(healthy, hostile, api="rfc6962")
    with Store(db) as store:
        before = store.watch_state(ct_source(logs[1]))
    capsys.readouterr()
    hostile.hostile["get-sth"] = DEEP
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 4, err
    later = {n for i, names in corpus().names.items() if i >= 100 for n in names}
    assert {json.loads(line)["name"] for line in out.splitlines()} == set(PLANTED) & later
    assert "ALERT" in err and "INCOMPLETE: 1 source(s) failed" in err
    assert "get-sth is not usable JSON (nested deeper than 8 levels)" in err
    assert "Traceback" not in err
    with Store(db) as store:
        assert store.watch_state(ct_source(logs[1])) == before


def test_a_log_on_a_private_address_is_refused_without_the_opt_in(
    pair: tuple[CTLogServer, CTLogServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    healthy, _ = pair
    listed = tmp_path / "logs.json"
    listed.write_text(json.dumps(healthy.log_list()))
    argv = ["watch", "ct", "--log-list", str(listed), "--log", healthy.rfc_url, "--from-start",
            "--rate", "1000", "--db", str(tmp_path / "w.db"), "--target", "paypal.com"]  # fmt: skip
    assert main(argv) == 4
    err = capsys.readouterr().err
    assert "refused: private address 127.0.0.1 (loopback)" in err
    assert not healthy.requests  # nothing reached the log
    assert main([*argv, "--allow-private-network", "10.0.0.0/8"]) == 4  # another network
    assert not healthy.requests
    assert main([*argv, "--allow-private-network", "not-a-network"]) == 2
    assert main([*argv, "--allow-private-network", "127.0.0.0/8"]) == 3
    assert "CT connections may reach 127.0.0.0/8" in capsys.readouterr().err
    feed = tmp_path / "feed.yaml"  # the feed's key opens the network as the flag does
    feed.write_text("feed: f\ntargets: [paypal.com]\nscan: {allow_private_network: [127.0.0.1]}\n"
                    "outputs: [{format: list, path: out.txt}]\n")  # fmt: skip
    fed = [*argv[:9], "--db", str(tmp_path / "f.db"), "--feed", str(feed), "--top", "20"]
    assert main(fed) == 3, capsys.readouterr().err


# Entries outside the signed tree --------------------------------------------------------------


def forged_entry(index: int, name: str) -> Logged:
    """An entry for ``index`` certifying ``name``, signed by another CA: not in the tree."""
    factory = CertFactory()
    der = factory.certificate(99_000 + index, name, [name])
    return log_entry(index, der, tbs=None, factory=factory, timestamp=1)


@pytest.mark.parametrize("api", ["rfc6962", "static"])
def test_an_entry_outside_the_signed_tree_is_refused_and_not_believed(
    api: str, pair: tuple[CTLogServer, CTLogServer], tmp_path: Path, ledger: Ledger
) -> None:
    healthy, hostile = pair
    logs = logs_of(healthy, hostile, api=api)
    with (
        ledger.row(f"CT {api}: an entry served outside the signed tree").case(),
        Store(tmp_path / "w.db") as store,
    ):
        run_watch(logs, store, from_start=True, max_entries=100)
        before = store.watch_state(ct_source(logs[1]))
        # a look-alike planted by the log itself at entry 450: never in its tree
        hostile.forged[450] = forged_entry(450, "paypal-forged.com")
        report = run_watch(logs, store, max_entries=10_000, sample=0)
        assert len(report.incomplete) == 1
        assert "not in the tree" in report.incomplete[0] or "not proven" in report.incomplete[0]
        assert "paypal-forged.com" not in {h.name for h in report.new}
        hostile_state = store.watch_state(ct_source(logs[1]))
        assert hostile_state is not None and before is not None
        assert hostile_state["next_index"] <= 448  # nothing from the page or tile of 450
        assert hostile_state["tree_size"] == 600 and hostile_state["next_index"] >= 100
        assert store.watch_state(ct_source(logs[0]))["next_index"] == 600  # type: ignore[index]


def test_a_random_sample_of_rfc6962_entries_is_proven(
    pair: tuple[CTLogServer, CTLogServer], tmp_path: Path, ledger: Ledger
) -> None:
    _, hostile = pair
    logs = logs_of(hostile, api="rfc6962")  # sample 4 per 256: one entry of each page of 64
    with (
        ledger.row("CT rfc6962: a page of entries outside the signed tree").case(),
        Store(tmp_path / "w.db") as store,
    ):
        for i in range(64, 128):  # the whole second page, none of them a look-alike
            hostile.forged[i] = forged_entry(i, f"benign{i}.example.org")
        report = run_watch(logs, store, from_start=True, max_entries=10_000, sample=4.0)
        assert len(report.incomplete) == 1 and "get-proof-by-hash" in report.incomplete[0]
        assert store.watch_state(ct_source(logs[0]))["next_index"] == 64  # type: ignore[index]


@pytest.mark.parametrize("lie", ["garbage path", "path of another leaf", "nested"])
def test_a_failed_inclusion_proof_is_the_logs_error(
    lie: str, pair: tuple[CTLogServer, CTLogServer], tmp_path: Path, ledger: Ledger
) -> None:
    _, hostile = pair
    logs = logs_of(hostile, api="rfc6962")
    answers = {
        "garbage path": json.dumps({"leaf_index": 3, "audit_path": ["AAAA"] * 10}).encode(),
        "path of another leaf": json.dumps({"leaf_index": 0, "audit_path": []}).encode(),
        "nested": DEEP,
    }
    with (
        ledger.row(f"CT rfc6962: a failed inclusion proof ({lie})").case(),
        Store(tmp_path / "w.db") as store,
    ):
        hostile.hostile["proof"] = answers[lie]  # one proof of the first page: it fails
        report = run_watch(logs, store, from_start=True, max_entries=10_000, sample=4.0)
        assert len(report.incomplete) == 1
        assert store.watch_state(ct_source(logs[0])) is None


@pytest.mark.parametrize("api", ["rfc6962", "static"])
def test_a_tree_that_does_not_extend_the_one_read_before_is_refused(
    api: str, pair: tuple[CTLogServer, CTLogServer], tmp_path: Path, ledger: Ledger
) -> None:
    _, hostile = pair
    logs = logs_of(hostile, api=api)
    with (
        ledger.row(f"CT {api}: the tree is rewritten between runs (a fork)").case(),
        Store(tmp_path / "w.db") as store,
    ):
        hostile.size = 300
        run_watch(logs, store, from_start=True, max_entries=100)
        before = store.watch_state(ct_source(logs[0]))
        assert before is not None and before["tree_size"] == 300
        hostile.corpus = make_corpus(600, seed=99)  # the same size, other entries
        hostile.size = 600
        report = run_watch(logs, store, max_entries=10_000)
        assert len(report.incomplete) == 1 and "fork" in report.incomplete[0]
        assert report.new == [] and store.watch_state(ct_source(logs[0])) == before
        hostile.size = 300  # the same size as before, another root
        report = run_watch(logs, store, max_entries=10_000)
        assert len(report.incomplete) == 1 and "fork" in report.incomplete[0]
        assert store.watch_state(ct_source(logs[0])) == before
        hostile.corpus = corpus()  # back to the tree it signed: it grows consistently
        hostile.size = 600
        report = run_watch(logs, store, max_entries=10_000)
        assert not report.incomplete
        assert store.watch_state(ct_source(logs[0]))["next_index"] == 600  # type: ignore[index]


def test_the_entries_proven_of_a_page() -> None:
    builder = BatchBuilder()
    builder.leaves = {i: bytes(32) for i in range(1000, 1256)}
    assert len(_picked(builder, 1.0, ())) == 1  # one per 256 entries read
    assert len(_picked(builder, 4.0, ())) == 4
    named = list(range(1000, 1100))
    picked = _picked(builder, 0.0, [*named, 5])  # 5 is not of this page
    assert len(picked) == MAX_NAMED_PROOFS and set(picked) <= set(named)
    builder.leaves = {i: bytes(32) for i in range(64)}
    counts = [len(_picked(builder, 1.0, ())) for _ in range(400)]  # 64/256: a quarter of pages
    assert set(counts) == {0, 1} and 40 < sum(counts) < 160
