"""``typorisk serve``: the feeds a real ``typorisk run`` wrote, pulled the way firewalls pull
them — by aiohttp's test client in-process, and by curl against the real CLI process."""

from __future__ import annotations

import asyncio
import email.utils
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.serve.conftest import FEED, curl, make_ca, transcript, write_and_run
from typorisk.cli import main
from typorisk.errors import ServeConfigError
from typorisk.feeds.spec import load_feed
from typorisk.serve import ServeConfig, make_app

TOKEN = "s3cret-token-for-tests"


def with_client(
    feed: Path, body: Callable[[TestClient[Any, Any]], Awaitable[None]], token: str | None = None
) -> None:
    """Run ``body`` against the app of ``feed``, in-process (aiohttp's test server)."""

    async def go() -> None:
        app = make_app(ServeConfig.of([load_feed(feed)], token))
        async with TestClient(TestServer(app)) as client:
            await body(client)

    asyncio.run(go())


def test_each_output_is_published_under_its_file_name(feed: Path) -> None:
    out = feed.parent / "out"

    async def body(client: TestClient[Any, Any]) -> None:
        for name, media in [
            ("typo-edl.txt", "text/plain; charset=utf-8"),
            ("typo.rpz", "text/dns"),
            ("typo.csv", "text/csv; charset=utf-8"),
            ("typo.stix.json", "application/stix+json;version=2.1"),
        ]:
            response = await client.get(f"/edl/{name}")
            assert response.status == 200, name
            assert response.headers["Content-Type"] == media
            assert await response.read() == (out / name).read_bytes()
            assert response.headers["ETag"].startswith('"')
            modified = email.utils.parsedate_to_datetime(response.headers["Last-Modified"])
            assert abs(modified.timestamp() - (out / name).stat().st_mtime) < 1
        manifest = await client.get("/edl/misp/manifest.json")
        assert manifest.status == 200
        assert manifest.headers["Content-Type"] == "application/json"
        (event,) = json.loads(await manifest.read())
        assert (await client.get(f"/edl/misp/{event}.json")).status == 200
        assert (
            (await client.get("/edl/misp/hashes.csv"))
            .headers["Content-Type"]
            .startswith("text/csv")
        )
        assert (await client.head("/edl/typo-edl.txt")).status == 200

    with_client(feed, body)


def test_the_edl_has_the_shape_firewalls_expect(feed: Path) -> None:
    """Palo Alto EDL / Fortinet / pfBlockerNG: plain text, one entry a line, none over 255."""

    async def body(client: TestClient[Any, Any]) -> None:
        response = await client.get("/edl/typo-edl.txt")
        text = (await response.read()).decode("ascii")
        entries = [line for line in text.splitlines() if line and not line.startswith("#")]
        assert len(entries) == len(set(entries)) > 40
        assert all(len(e) <= 255 and " " not in e and "/" not in e for e in entries)
        assert "pentagon.ml" in entries and text.endswith("\n")

    with_client(feed, body)


def test_conditional_get_answers_304(feed: Path) -> None:
    async def body(client: TestClient[Any, Any]) -> None:
        first = await client.get("/edl/typo.rpz")
        tag, modified = first.headers["ETag"], first.headers["Last-Modified"]
        same = await client.get("/edl/typo.rpz", headers={"If-None-Match": tag})
        assert same.status == 304 and await same.read() == b"" and same.headers["ETag"] == tag
        listed = await client.get("/edl/typo.rpz", headers={"If-None-Match": f'"x", W/{tag}'})
        assert listed.status == 304
        other = await client.get("/edl/typo.rpz", headers={"If-None-Match": '"other"'})
        assert other.status == 200
        since = await client.get("/edl/typo.rpz", headers={"If-Modified-Since": modified})
        assert since.status == 304
        old = await client.get(
            "/edl/typo.rpz", headers={"If-Modified-Since": "Mon, 01 Jan 2001 00:00:00 GMT"}
        )
        assert old.status == 200
        # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
        both = await client.get(
            "/edl/typo.rpz", headers={"If-None-Match": '"other"', "If-Modified-Since": modified}
        )
        assert both.status == 200

    with_client(feed, body)


@pytest.mark.parametrize(
    "path",
    [
        "/nope/typo.rpz",
        "/edl/nope.txt",
        "/edl/edl.yaml",
        "/edl/.edl.status.json",
        "/edl/../edl.yaml",
        "/edl/%2e%2e/edl.yaml",
        "/edl/..%2fedl.yaml",
        "/edl/misp/..%2f..%2fedl.yaml",
        "/edl/misp/.hidden",
        "/edl/misp/%2e%2e",
        "/edl/out/typo.rpz",
        "/etc/passwd",
        "/edl",
        "/",
    ],
)
def test_anything_else_is_404_and_nothing_outside_the_outputs_is_reachable(
    feed: Path, path: str
) -> None:
    (feed.parent / "out" / "misp" / ".hidden").write_text("secret")

    async def body(client: TestClient[Any, Any]) -> None:
        response = await client.get(path)
        assert response.status == 404, path
        assert b"secret" not in await response.read()

    with_client(feed, body)


def test_a_file_replaced_by_a_run_is_picked_up_whole(feed: Path) -> None:
    async def body(client: TestClient[Any, Any]) -> None:
        before = await client.get("/edl/typo-edl.txt")
        old_tag, old_body = before.headers["ETag"], await before.read()
        write_and_run(feed.parent, FEED.replace("army.mil, top: 30", "army.mil, top: 5"))
        after = await client.get("/edl/typo-edl.txt", headers={"If-None-Match": old_tag})
        assert after.status == 200 and after.headers["ETag"] != old_tag
        new_body = await after.read()
        assert new_body == (feed.parent / "out" / "typo-edl.txt").read_bytes() != old_body

    with_client(feed, body)


def test_status_json_reports_the_last_run(feed: Path, tmp_path: Path) -> None:
    async def body(client: TestClient[Any, Any]) -> None:
        response = await client.get("/edl/status.json")
        assert response.status == 200
        status = json.loads(await response.read())
        assert status["feed"] == "edl" and status["verdict"] == "complete"
        assert status["last_complete"] == status["finished"] and status["reasons"] == []
        written = {o["file"]: o["entries"] for o in status["outputs"]}
        edl = (feed.parent / "out" / "typo-edl.txt").read_text().splitlines()
        assert written["typo-edl.txt"] == len([x for x in edl if x and not x.startswith("#")])
        assert set(written) == {"typo-edl.txt", "typo.rpz", "typo.csv", "typo.stix.json", "misp"}

    with_client(feed, body)


def test_an_incomplete_run_is_reported_and_the_lists_stay(tmp_path: Path) -> None:
    """A dead resolver: the run replaces nothing and status.json says so, keeping the time of
    the last complete run."""
    feed = write_and_run(tmp_path)
    complete = json.loads((tmp_path / "out" / ".edl.status.json").read_text())
    edl = (tmp_path / "out" / "typo-edl.txt").read_bytes()
    text = FEED.replace(
        "scan: {top: 40}",
        "scan: {top: 40, resolve: {nameservers: ['127.0.0.1:9'], timeout: 0.2, retries: 0}}",
    )
    feed.write_text(text)
    assert main(["run", str(feed)]) == 4
    status = json.loads((tmp_path / "out" / ".edl.status.json").read_text())
    assert status["verdict"] == "incomplete" and status["reasons"]
    assert status["last_complete"] == complete["finished"]
    assert status["outputs"] == complete["outputs"]
    assert (tmp_path / "out" / "typo-edl.txt").read_bytes() == edl


def test_the_token_is_required_everywhere_but_healthz(feed: Path) -> None:
    async def body(client: TestClient[Any, Any]) -> None:
        assert (await client.get("/healthz")).status == 200
        missing = await client.get("/edl/typo-edl.txt")
        assert missing.status == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
        wrong = await client.get("/edl/typo-edl.txt", headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        basic = await client.get("/edl/typo-edl.txt", headers={"Authorization": f"Basic {TOKEN}"})
        assert basic.status == 401
        good = await client.get("/edl/typo-edl.txt", headers={"Authorization": f"Bearer {TOKEN}"})
        assert good.status == 200
        unknown = await client.get("/nope", headers={"Authorization": f"Bearer {TOKEN}"})
        assert unknown.status == 404

    with_client(feed, body, TOKEN)


def test_outputs_that_would_share_a_url_are_refused_at_start(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "feed: f\ntargets: [corp.com]\noutputs:\n  - {format: list, path: a/typo.txt}\n"
        "  - {format: hosts, path: b/typo.txt}\n"
    )
    with pytest.raises(ServeConfigError, match=r"/f/typo.txt .*line 5"):
        ServeConfig.of([load_feed(path)])
    one, two = tmp_path / "g1.yaml", tmp_path / "g2.yaml"
    for path in (one, two):
        path.write_text("feed: g\ntargets: [corp.com]\noutputs: [{format: list, path: x.txt}]\n")
    with pytest.raises(ServeConfigError, match="both feed 'g'"):
        ServeConfig.of([load_feed(one), load_feed(two)])


def test_cli_errors_are_one_line_and_exit_2(
    feed: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.token"
    empty.write_text("\n")
    cases = [
        (["--token-file", str(empty)], "the first line must be the token"),
        (["--token-file", str(tmp_path / "missing")], "No such file"),
        (["--tls-cert", str(feed)], "give both --tls-cert and --tls-key"),
        (["--tls-cert", str(feed), "--tls-key", str(feed)], "cannot load them"),
        (["--listen", "127.0.0.1"], "give HOST:PORT"),
        (["--header-timeout", "0"], "must be > 0 seconds"),
        (["--max-connections", "-1"], "--max-connections >= 0"),
    ]
    for flags, message in cases:
        assert main(["serve", str(feed), *flags]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1, err


def test_curl_against_the_real_process(
    feed: Path, tmp_path: Path, serve_process: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The transcript the issue asks for: 200, 304, 404, traversal refused, token required,
    over HTTPS from a test CA, with curl against ``typorisk serve`` as a user starts it."""
    ca = make_ca(tmp_path)
    token = tmp_path / "token"
    token.write_text(TOKEN + "\n")
    os.chmod(token, 0o600)
    served = serve_process(
        feed,
        "--token-file",
        str(token),
        "--tls-cert",
        str(ca.cert),
        "--tls-key",
        str(ca.key),
        scheme="https",
        ca=ca.ca,
    )
    auth = ["--cacert", str(ca.ca), "-H", f"Authorization: Bearer {TOKEN}"]
    url = f"{served.base}/edl/typo-edl.txt"
    calls = []
    status, headers, body = curl(*auth, url)
    calls.append((f"GET {url}", status))
    assert status == 200 and headers["content-type"] == "text/plain; charset=utf-8"
    assert body == (feed.parent / "out" / "typo-edl.txt").read_bytes()
    status, _, body = curl(*auth, "-H", f"If-None-Match: {headers['etag']}", url)
    calls.append(("GET with If-None-Match", status))
    assert status == 304 and body == b""
    status, _, _ = curl(*auth, "-H", f"If-Modified-Since: {headers['last-modified']}", url)
    calls.append(("GET with If-Modified-Since", status))
    assert status == 304
    status, _, _ = curl(*auth, f"{served.base}/edl/nothing.txt")
    calls.append(("GET /edl/nothing.txt", status))
    assert status == 404
    for path in ("/edl/../edl.yaml", "/edl/%2e%2e/edl.yaml", "/edl/misp/..%2F..%2Fedl.yaml"):
        status, _, body = curl(*auth, "--path-as-is", served.base + path)
        calls.append((f"GET --path-as-is {path}", status))
        assert status == 404 and b"feed:" not in body
    status, headers, _ = curl("--cacert", str(ca.ca), url)
    calls.append(("GET without the token", status))
    assert status == 401 and "bearer" in headers["www-authenticate"].lower()
    status, _, body = curl("--cacert", str(ca.ca), f"{served.base}/healthz")
    calls.append(("GET /healthz without the token", status))
    assert status == 200 and body == b"ok\n"
    status, _, body = curl(*auth, f"{served.base}/edl/status.json")
    calls.append(("GET /edl/status.json", status))
    assert status == 200 and json.loads(body)["verdict"] == "complete"
    with capsys.disabled():
        print("\n" + transcript(calls))
    assert "GET /edl/typo-edl.txt" in served.log.read_text()  # access log on stderr


def test_serve_stops_cleanly_on_sigterm(feed: Path, serve_process: Any) -> None:
    served = serve_process(feed)
    served.process.terminate()
    assert served.process.wait(timeout=10) == 0
    assert "stopped" in served.log.read_text()


def test_plain_http_process_serves_without_a_token(feed: Path, serve_process: Any) -> None:
    served = serve_process(feed)
    status, headers, _ = curl(f"{served.base}/edl/typo.rpz")
    assert status == 200 and headers["content-type"] == "text/dns"


def test_a_big_file_over_tls_arrives_whole(feed: Path, tmp_path: Path, serve_process: Any) -> None:
    """Over TLS a file cannot go by sendfile(2); it is sent in pieces, and arrives whole."""
    import hashlib
    import ssl

    import aiohttp

    out = feed.parent / "out"
    big = out / "typo.csv.tmp"
    big.write_bytes(b"domain\n" + b"".join(b"x%07d.example\n" % i for i in range(400_000)))
    os.replace(big, out / "typo.csv")
    ca = make_ca(tmp_path)
    served = serve_process(
        feed, "--tls-cert", str(ca.cert), "--tls-key", str(ca.key), scheme="https", ca=ca.ca
    )
    context = ssl.create_default_context(cafile=str(ca.ca))

    async def go() -> tuple[str, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{served.base}/edl/typo.csv", ssl=context) as response,
        ):
            assert response.status == 200
            return response.headers["ETag"], hashlib.sha256(await response.read()).hexdigest()

    tag, sha = asyncio.run(go())
    assert sha == hashlib.sha256((out / "typo.csv").read_bytes()).hexdigest()
    assert tag == f'"{sha[:40]}"'
