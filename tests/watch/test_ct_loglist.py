"""The CT log list (log_list.json v3): the shipped snapshot, its lookup order, malformed lists,
and ``typorisk update-data --only ct`` against a local server."""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from typorisk.cli import main
from typorisk.errors import DataFileError
from typorisk.watch.ct import load_log_list, parse_log_list, shipped_log_list
from typorisk.watch.ct_static import expected_origin

from ..conftest import Ledger


def test_the_shipped_snapshot_has_both_kinds_of_logs() -> None:
    doc = json.loads(shipped_log_list().read_text(encoding="utf-8"))
    logs = load_log_list(shipped_log_list())
    assert len(logs) == sum(len(o["logs"]) + len(o["tiled_logs"]) for o in doc["operators"])
    kinds = Counter(log.api for log in logs)
    assert kinds["rfc6962"] > 10 and kinds["static"] > 10
    assert all(log.url.startswith("https://") and log.url.endswith("/") for log in logs)
    static = [log for log in logs if log.api == "static"]
    assert all(log.submission_url and expected_origin(log.submission_url) for log in static)
    usable = {log.state for log in logs if log.usable}
    assert usable == {"usable", "qualified"}
    assert {log.state for log in logs if not log.usable} <= {"readonly", "retired"}


def tiny(url: str = "https://ct.example/log/", stamp: str = "2026-01-01T00:00:00Z") -> Any:
    return {
        "version": "1",
        "log_list_timestamp": stamp,
        "operators": [{"name": "Op", "logs": [{"description": "L", "url": url, "state": {}}]}],
    }


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ([], "no 'operators' list"),
        ({"operators": "x"}, "no 'operators' list"),
        ({"operators": [7]}, "operators[0]: not an object"),
        ({"operators": [{"name": "Op", "logs": {}}]}, "'logs' is not a list"),
        ({"operators": [{"name": "Op", "logs": [3]}]}, "a log is not a JSON object"),
        (tiny("ftp://ct.example/"), "no http(s) read URL"),
        ({"operators": [{"name": "Op", "tiled_logs": [{"url": "https://x/"}]}]}, "read URL"),
    ],
)
def test_a_malformed_list_is_refused_with_the_place(doc: Any, problem: str) -> None:
    with pytest.raises(DataFileError, match="not a CT log list") as info:
        parse_log_list(doc, "list.json")
    assert problem in str(info.value) and str(info.value).startswith("list.json: ")


def test_lookup_order_cache_then_snapshot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "typorisk" / "ct_log_list.json"
    cache.parent.mkdir()
    shipped = len(load_log_list(shipped_log_list()))
    assert len(load_log_list()) == shipped  # no cache yet
    cache.write_text(json.dumps(tiny(stamp="2099-01-01T00:00:00Z")))
    assert [log.url for log in load_log_list()] == ["https://ct.example/log/"]  # newer wins
    cache.write_text(json.dumps(tiny(stamp="2001-01-01T00:00:00Z")))
    assert len(load_log_list()) == shipped  # an older cache loses to the snapshot
    cache.write_text("{not json")
    assert len(load_log_list()) == shipped  # a damaged cache never stops a watch
    with pytest.raises(DataFileError, match="cannot read the CT log list"):
        load_log_list(cache)  # ... but an explicit path must be readable


def test_a_deeply_nested_list_is_refused_not_a_recursion_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ledger: Ledger
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cache = tmp_path / "typorisk" / "ct_log_list.json"
    cache.parent.mkdir()
    shipped = len(load_log_list(shipped_log_list()))
    with ledger.row("CT log list nested 30,000 deep (cache, explicit path)").case():
        cache.write_text("[" * 30_000 + "]" * 30_000)
        assert len(load_log_list()) == shipped
        with pytest.raises(DataFileError, match="nested deeper than"):
            load_log_list(cache)


@pytest.fixture
def list_server() -> Iterator[str]:
    async def good(_: web.Request) -> web.Response:
        return web.Response(body=shipped_log_list().read_bytes())

    async def html(_: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>", content_type="text/html")

    async def wrong(_: web.Request) -> web.Response:
        return web.json_response({"services": []})

    async def deep(_: web.Request) -> web.Response:
        return web.Response(text="[" * 30_000 + "]" * 30_000, content_type="application/json")

    app = web.Application()
    for path, handler in (("/good", good), ("/html", html), ("/wrong", wrong), ("/deep", deep)):
        app.router.add_get(path, handler)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    server = TestServer(app, host="127.0.0.1")
    asyncio.run_coroutine_threadsafe(server.start_server(), loop).result(10)
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_update_data_refreshes_the_ct_log_list(
    list_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["update-data", "--only", "ct", "--cache-dir", str(tmp_path),
            "--allow-private-network", "127.0.0.0/8"]  # fmt: skip
    assert main([*args, "--ct-url", f"{list_server}/good"]) == 0
    written = tmp_path / "ct_log_list.json"
    assert written.read_bytes() == shipped_log_list().read_bytes()
    out = capsys.readouterr().out
    stamp = json.loads(written.read_text())["log_list_timestamp"]
    assert "ct:" in out and f"{len(load_log_list(written))} logs" in out and stamp in out
    for bad, why in (("/html", "did not return a CT log list"), ("/wrong", "no 'operators'"),
                     ("/missing", "HTTP 404"), ("/deep", "nested deeper than")):  # fmt: skip
        assert main([*args, "--ct-url", list_server + bad]) == 2
        err = capsys.readouterr().err
        assert why in err and err.count("\n") == 1
        assert written.read_bytes() == shipped_log_list().read_bytes()  # the old copy kept
