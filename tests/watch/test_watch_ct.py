"""``watch ct``: the CT reader wired to the matcher and the store, against the test CT log."""

from __future__ import annotations

import asyncio
import base64
import json
from functools import cache
from pathlib import Path

import aiohttp
import pytest

from typorisk.cli import main
from typorisk.match import Matcher, MatchSettings, build_matcher
from typorisk.store import Store
from typorisk.watch.ct import CTLog, parse_log_list
from typorisk.watch.runs import CTOptions, WatchReport, ct_source, watch_ct

from .ctlog_server import PLANTED, Corpus, CTLogServer, make_corpus, serve_in_thread

TARGETS = ("paypal.com", "examplebank.com")


@cache
def corpus() -> Corpus:
    return make_corpus(600, bad=(7, 300))


@cache
def matcher() -> Matcher:
    return build_matcher(TARGETS, MatchSettings(top=100))


def run_watch(
    server: CTLogServer, store: Store, api: str, **options: object
) -> tuple[WatchReport, CTLog]:
    async def body() -> tuple[WatchReport, CTLog]:
        log = next(x for x in parse_log_list(server.log_list()) if x.api == api)
        async with aiohttp.ClientSession() as session:
            chosen = CTOptions(rate=1000.0, **options)  # type: ignore[arg-type]
            return await watch_ct([log], matcher(), store, session, chosen), log

    return asyncio.run(body())


@pytest.fixture
def server():  # type: ignore[no-untyped-def]
    with serve_in_thread(CTLogServer(corpus(), page=64)) as running:
        yield running


@pytest.mark.parametrize("api", ["rfc6962", "static"])
def test_planted_lookalikes_are_found_and_the_state_is_kept(api, server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with Store(tmp_path / "w.db") as store:
        report, log = run_watch(server, store, api, from_start=True, max_entries=10_000)
        assert not report.incomplete
        assert {h.name for h in report.new} == set(PLANTED)
        assert report.extra["entries"] == 600
        assert report.extra["unparsable"] == 2
        assert store.watch_state(ct_source(log)) == {
            "next_index": 600,
            "tree_size": 600,
            "root_hash": base64.b64encode(server.root(api)).decode(),
            "log": log.url,
        }
        again, _ = run_watch(server, store, api)
        assert again.new == [] and again.extra["entries"] == 0


def test_resume_reads_on_from_the_stored_index(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with Store(tmp_path / "w.db") as store:
        first, log = run_watch(server, store, "rfc6962", from_start=True, max_entries=200)
        assert store.watch_state(ct_source(log))["next_index"] == 200  # type: ignore[index]
        rest, _ = run_watch(server, store, "rfc6962", max_entries=10_000)
        assert first.extra["entries"] + rest.extra["entries"] == 600
        assert {h.name for h in first.new + rest.new} == set(PLANTED)


def test_a_log_that_goes_down_leaves_its_state_and_the_run_incomplete(server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    with Store(tmp_path / "w.db") as store:
        _, log = run_watch(server, store, "static", from_start=True, max_entries=128)
        kept = store.watch_state(ct_source(log))
        server.fail_after = len(server.requests)  # down from now on
        report, _ = run_watch(server, store, "static", max_entries=10_000)
        assert report.incomplete and "test log (static)" in report.incomplete[0]
        assert store.watch_state(ct_source(log)) == kept
        server.fail_after = None
        server.size = 300  # the tree shrank: an error, the state is not moved
        shrunk, _ = run_watch(server, store, "static", max_entries=10_000)
        assert shrunk.incomplete and "shrank" in shrunk.incomplete[0]
        assert store.watch_state(ct_source(log)) == kept


def test_cli_watch_ct(server, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    listed = tmp_path / "logs.json"
    listed.write_text(json.dumps(server.log_list()))
    db = str(tmp_path / "w.db")
    argv = ["watch", "ct", "--log-list", str(listed), "--log", server.rfc_url, "--from-start",
            "--rate", "1000", "--db", db, "--format", "jsonl",
            "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
    for target in TARGETS:
        argv += ["--target", target]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code == 3, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert {r["name"] for r in rows} == set(PLANTED)
    assert "ALERT: 6 new look-alike(s)" in err
    assert "600 CT entries (2 unparsable)" in err
    assert main(argv) == 0  # nothing new
    capsys.readouterr()
    server.fail_after = len(server.requests)
    assert main(argv) == 4  # the log is down: incomplete
    assert "INCOMPLETE" in capsys.readouterr().err
    assert main([*argv[:4], "https://nowhere.invalid/", *argv[5:]]) == 2


def test_watch_hits_lists_what_the_sources_found(server, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "w.db"
    with Store(db) as store:
        run_watch(server, store, "rfc6962", from_start=True)
    assert main(["watch", "hits", "--db", str(db), "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert len(out.splitlines()) == len(PLANTED)
    assert "first seen since" in err
    assert main(["watch", "hits", "--db", str(db), "--since", "2999-01-01"]) == 0
    assert main(["watch", "hits", "--db", str(Path(tmp_path / "none.db"))]) == 2
