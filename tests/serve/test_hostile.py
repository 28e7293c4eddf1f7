"""``typorisk serve`` against hostile clients and a hostile file system, on loopback: slow and
silent connections, more connections than the open-file limit, `accept()` out of descriptors,
many pulls of a big file, symbolic links among the outputs, a status file that would leak, a
FIFO as the token file. Each case counts into the reliability ledger."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from tests.conftest import Ledger
from tests.resolve.servers import free_port
from tests.serve.clients import (
    close_all,
    connect,
    keep_alive,
    open_descriptors,
    peak_rss_mib,
    raise_file_limit,
    still_open,
    trickle,
)
from tests.serve.conftest import FEED, curl
from typorisk.cli import main
from typorisk.feeds.spec import load_feed
from typorisk.serve import ServeConfig, make_app

MiB = 1 << 20
GIVE_UP = 60.0
"""Seconds a test waits for something the server must do (a bound on a hang, not a figure)."""


def wait_closed(socks: list[Any], *, slow: bool = False) -> tuple[int, float]:
    """Wait until the server has closed every socket (trickling a byte a 0.2 s on each when
    ``slow``); returns (sockets still open when giving up, seconds waited)."""
    started = time.monotonic()
    offset = 0
    while (left := still_open(socks)) and time.monotonic() - started < GIVE_UP:
        if slow:
            trickle(socks, offset)
            offset += 1
        time.sleep(0.2)
    return left, time.monotonic() - started


def stop(served: Any) -> str:
    """Stop the server by its PID; its log."""
    served.process.send_signal(signal.SIGTERM)
    served.process.wait(timeout=20)
    return str(served.log.read_text())


# -- timeouts -----------------------------------------------------------------------------


def test_slow_and_silent_heads_are_closed_after_the_header_timeout(
    feed: Path, serve_process: Any, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """30 connections trickling a head a byte at a time and 30 that say nothing are all
    closed after ``--header-timeout``: bytes do not extend it."""
    served = serve_process(feed, "--header-timeout", "1", "--keepalive-timeout", "30")
    port = int(served.base.rsplit(":", 1)[1])
    row = ledger.row("serve: slow-header and silent connections (header timeout)")
    with row.case():
        slow, silent = connect(port, 30), connect(port, 30)
        left, waited = wait_closed(slow, slow=True)
        assert left == 0, f"{left} slow-header connections still open after {waited:.1f} s"
        left, _ = wait_closed(silent)  # opened a little later than the slow ones
        assert left == 0, f"{left} silent connections still open"
        with capsys.disabled():
            print(f"\n60 slow/silent heads closed {waited:.1f} s after a 1 s header timeout")
        close_all(slow + silent)
    with row.case():
        status, _, body = curl(f"{served.base}/edl/typo-edl.txt")
        assert status == 200 and body
    log = stop(served)
    assert "60 header timeout" in log, log[-2000:]


def test_idle_kept_alive_connections_are_closed_after_the_keepalive_timeout(
    feed: Path, serve_process: Any, ledger: Ledger
) -> None:
    served = serve_process(feed, "--header-timeout", "30", "--keepalive-timeout", "1")
    port = int(served.base.rsplit(":", 1)[1])
    row = ledger.row("serve: idle kept-alive connections (keep-alive timeout)")
    with row.case():
        idle = keep_alive(port, 40)
        left, waited = wait_closed(idle)
        assert left == 0, f"{left} idle connections still open after {waited:.1f} s"
        close_all(idle)
    assert "40 keepalive timeout" in stop(served)


def test_a_kept_alive_connection_still_serves_its_next_request(feed: Path, tmp_path: Path) -> None:
    """The guard's states follow a connection across requests: three pulls on one
    connection, each answered in full, with 304 on the second."""

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            first = await session.get(f"{base}/edl/typo.rpz")
            tag = first.headers["ETag"]
            assert first.status == 200 and await first.read()
            again = await session.get(f"{base}/edl/typo.rpz", headers={"If-None-Match": tag})
            assert again.status == 304
            third = await session.get(f"{base}/edl/typo-edl.txt")
            assert third.status == 200 and await third.read()
            assert session.connector is not None

    process, base = _start(feed, tmp_path)
    try:
        asyncio.run(go())
    finally:
        process.terminate()
        process.wait(timeout=20)


def _start(feed: Path, tmp_path: Path, *flags: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    argv = [sys.executable, "-m", "typorisk", "serve", str(feed), "--listen"]
    process = subprocess.Popen(
        [*argv, f"127.0.0.1:{port}", *flags],
        stderr=(tmp_path / "serve.log").open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            status, _, _ = curl(f"{base}/healthz")
        except AssertionError:
            time.sleep(0.1)
            continue
        if status == 200:
            return process, base
    process.kill()
    raise AssertionError((tmp_path / "serve.log").read_text())


# -- the open-file limit ------------------------------------------------------------------


def test_a_real_pull_is_answered_past_the_open_file_limit(
    feed: Path, serve_process: Any, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """With 256 descriptors, 300 silent and 100 slow-header connections: the default cap
    sheds the connections waiting longest and the next pull is answered."""
    raise_file_limit(4096)
    served = serve_process(feed, nofile=256)
    port = int(served.base.rsplit(":", 1)[1])
    row = ledger.row("serve: more connections than the open-file limit")
    socks = connect(port, 300) + connect(port, 100)
    try:
        trickle(socks[300:], 0)
        with row.case():
            started = time.monotonic()
            status, _, body = curl(f"{served.base}/edl/typo-edl.txt")
            took = time.monotonic() - started
            assert status == 200 and body == (feed.parent / "out" / "typo-edl.txt").read_bytes()
            assert open_descriptors(served.process.pid) < 256
        with capsys.disabled():
            print(f"\npull answered in {took * 1000:.0f} ms past 400 connections, limit 256")
    finally:
        close_all(socks)
    log = stop(served)
    assert "Traceback" not in log and "shed" in log, log[-3000:]


def test_accept_out_of_descriptors_is_one_line_not_a_traceback_each(
    feed: Path, serve_process: Any, ledger: Ledger
) -> None:
    """A cap above the limit (``--max-connections 1000`` with 256 descriptors): ``accept()``
    fails with EMFILE; that is a few warning lines without a traceback, the connections
    waiting longest are shed, and a pull still gets through."""
    raise_file_limit(4096)
    served = serve_process(feed, "--max-connections", "1000", nofile=256)
    port = int(served.base.rsplit(":", 1)[1])
    row = ledger.row("serve: accept() out of file descriptors (EMFILE)")
    socks = connect(port, 400)
    try:
        with row.case():
            time.sleep(3)  # asyncio retries accept() once a second
            status, _, _ = curl(f"{served.base}/edl/typo.rpz")
            assert status == 200
    finally:
        close_all(socks)
    log = stop(served)
    with row.case():
        assert "Traceback" not in log, log[-3000:]
        lines = [line for line in log.splitlines() if "cannot accept connections" in line]
        assert 1 <= len(lines) <= 3, log[-3000:]
        assert "Too many open files" in lines[0]
        assert "above what the open-file limit" in log  # the start-up warning


# -- files from disk ----------------------------------------------------------------------


def test_twenty_pulls_of_a_50_mib_file_stay_small(
    feed: Path, serve_process: Any, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    """A 50 MiB output replaced, then pulled 20 times at once: each reply is the whole file
    (its SHA-256 is the tag), and the server's peak memory grows far less than one copy a
    client (it sends from disk)."""
    served = serve_process(feed)
    before = peak_rss_mib(served.process.pid)
    expected = hashlib.sha256(big_output(feed, 50).read_bytes()).hexdigest()

    async def pull(session: aiohttp.ClientSession) -> tuple[str, str]:
        sha = hashlib.sha256()
        async with session.get(f"{served.base}/edl/typo-edl.txt") as response:
            assert response.status == 200
            async for chunk in response.content.iter_chunked(1 << 16):
                sha.update(chunk)
            return response.headers["ETag"], sha.hexdigest()

    async def go() -> list[tuple[str, str]]:
        async with aiohttp.ClientSession() as session:
            return list(await asyncio.gather(*(pull(session) for _ in range(20))))

    row = ledger.row("serve: 20 simultaneous pulls of a 50 MiB file")
    with row.case():
        got = asyncio.run(go())
        assert all(sha == expected and tag == f'"{expected[:40]}"' for tag, sha in got)
        peak = peak_rss_mib(served.process.pid)
        with capsys.disabled():
            print(f"\npeak RSS {before:.0f} -> {peak:.0f} MiB for 20 pulls of 50 MiB")
        assert peak - before < 100, (before, peak)


def big_output(feed: Path, mib: int) -> Path:
    """Replace the feed's list by a ``mib`` MiB file (by rename, as a run does); its path."""
    out = feed.parent / "out"
    big = out / "typo-edl.txt.tmp"
    with big.open("wb") as handle:
        for i in range(mib):
            handle.write(hashlib.sha256(str(i).encode()).hexdigest().encode() * (MiB // 64))
    os.replace(big, out / "typo-edl.txt")
    return out / "typo-edl.txt"


def read_until_closed(sock: socket.socket) -> int:
    """Bytes read from ``sock`` until the server ends or resets the connection."""
    sock.setblocking(True)
    sock.settimeout(GIVE_UP)
    total = 0
    try:
        while chunk := sock.recv(1 << 20):
            total += len(chunk)
    except ConnectionResetError:
        pass
    return total


def test_a_client_that_stops_reading_is_closed_after_the_send_timeout(
    feed: Path, serve_process: Any, ledger: Ledger
) -> None:
    """nginx's ``send_timeout``: a client that asks for a 50 MiB file and stops reading is
    closed; one that hangs up halfway costs no traceback."""
    path = big_output(feed, 50)
    served = serve_process(feed, "--send-timeout", "1")
    port = int(served.base.rsplit(":", 1)[1])
    row = ledger.row("serve: clients that stop reading or hang up mid-file")
    request = b"GET /edl/typo-edl.txt HTTP/1.1\r\nHost: typorisk\r\n\r\n"
    with row.case():
        (stalled,) = connect(port, 1)
        stalled.sendall(request)
        time.sleep(4)  # reads nothing while the server's pieces time out
        got = read_until_closed(stalled)
        assert 0 < got < path.stat().st_size, got
        stalled.close()
    with row.case():
        for _ in range(5):
            (leaving,) = connect(port, 1)
            leaving.sendall(request)
            leaving.setblocking(True)
            leaving.recv(1 << 20)
            leaving.close()
        status, _, _ = curl(f"{served.base}/edl/typo.rpz")
        assert status == 200
    log = stop(served)
    assert "send timeout" in log and "Traceback" not in log, log[-3000:]


def test_over_the_cap_with_every_connection_answering_a_newcomer_gets_503(
    feed: Path, serve_process: Any, ledger: Ledger
) -> None:
    """Connections being answered are never shed: with all four slots sending a file to
    clients that do not read, a fifth connection is told 503 and closed."""
    big_output(feed, 50)
    served = serve_process(feed, "--max-connections", "4")
    port = int(served.base.rsplit(":", 1)[1])
    row = ledger.row("serve: connection cap full of requests being answered")
    busy = connect(port, 4)
    try:
        for sock in busy:
            sock.sendall(b"GET /edl/typo-edl.txt HTTP/1.1\r\nHost: typorisk\r\n\r\n")
        time.sleep(1)
        with row.case():
            (late,) = connect(port, 1)
            late.sendall(b"GET /healthz HTTP/1.1\r\nHost: typorisk\r\n\r\n")
            late.setblocking(True)
            late.settimeout(GIVE_UP)
            answer = late.recv(4096)
            assert answer.startswith(b"HTTP/1.1 503 ") and b"Retry-After" in answer, answer
            late.close()
    finally:
        close_all(busy)
    with row.case():
        status, _, _ = curl(f"{served.base}/edl/typo.rpz")  # the slots free again
        assert status == 200
    assert "1 refused" in stop(served)


def test_one_read_per_replaced_file_however_many_pulls(feed: Path) -> None:
    from typorisk.serve.app import TAGS

    out = feed.parent / "out"

    async def go() -> None:
        app = make_app(ServeConfig.of([load_feed(feed)]))
        async with TestClient(TestServer(app)) as client:
            assert (await client.get("/edl/typo.csv")).status == 200
            hashed = app[TAGS].digests
            replacement = out / "typo.csv.tmp"
            replacement.write_bytes(b"domain\n" + b"x.example\n" * 200_000)
            os.replace(replacement, out / "typo.csv")

            async def pull() -> tuple[str, bytes]:
                response = await client.get("/edl/typo.csv")
                return response.headers["ETag"], await response.read()

            got = await asyncio.gather(*(pull() for _ in range(20)))
            assert app[TAGS].digests == hashed + 1
            assert {tag for tag, _ in got} == {got[0][0]}
            assert all(body == (out / "typo.csv").read_bytes() for _, body in got)

    asyncio.run(go())


# -- symbolic links and special files -----------------------------------------------------


def test_symbolic_links_never_lead_outside_the_outputs(
    feed: Path, tmp_path: Path, ledger: Ledger
) -> None:
    out = feed.parent / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "passwd").write_text("root:x:0:0 secret\n")
    (elsewhere / "manifest.json").write_text('{"secret": 1}\n')
    row = ledger.row("serve: symbolic links and special files among the outputs")

    async def refused(path: str) -> None:
        app = make_app(ServeConfig.of([load_feed(feed)]))
        async with TestClient(TestServer(app)) as client:
            response = await asyncio.wait_for(client.get(path), 10)
            assert response.status == 404, path
            assert b"secret" not in await response.read()

    # a directory output that is a symbolic link to another folder
    misp = out / "misp"
    misp.rename(tmp_path / "misp-real")
    misp.symlink_to(elsewhere, target_is_directory=True)
    for path in ("/edl/misp/passwd", "/edl/misp/manifest.json"):
        with row.case():
            asyncio.run(refused(path))
    misp.unlink()
    (tmp_path / "misp-real").rename(misp)
    # a file in a directory output that is a link; a file output that is a link
    (misp / "passwd").symlink_to(elsewhere / "passwd")
    edl = out / "typo-edl.txt"
    edl.unlink()
    edl.symlink_to(elsewhere / "passwd")
    # a FIFO planted among the outputs (opening it must not block a thread)
    os.mkfifo(misp / "pipe.json")
    for path in ("/edl/misp/passwd", "/edl/typo-edl.txt", "/edl/misp/pipe.json"):
        with row.case():
            asyncio.run(refused(path))
    # the output directory itself swapped for a link after start-up
    with row.case():

        async def swapped() -> None:
            app = make_app(ServeConfig.of([load_feed(feed)]))
            async with TestClient(TestServer(app)) as client:
                assert (await client.get("/edl/typo.rpz")).status == 200
                out.rename(tmp_path / "out-real")
                (elsewhere / "typo.rpz").write_text("secret\n")
                out.symlink_to(elsewhere, target_is_directory=True)
                response = await client.get("/edl/typo.rpz")
                assert response.status == 404 and b"secret" not in await response.read()

        asyncio.run(swapped())


# -- status.json --------------------------------------------------------------------------


def test_status_json_names_no_path_and_no_address(
    tmp_path: Path, feed: Path, ledger: Ledger
) -> None:
    """An incomplete run against a dead resolver, and a status file written by an older
    version: the published status has file names, counts and a verdict, nothing more."""
    feed.write_text(
        FEED.replace(
            "scan: {top: 40}",
            "scan: {top: 40, resolve: {nameservers: ['127.0.0.1:9'], timeout: 0.2, retries: 0}}",
        )
    )
    assert main(["run", str(feed)]) == 4
    status_file = feed.parent / "out" / ".edl.status.json"
    row = ledger.row("serve: status.json leaking paths or addresses")

    async def published() -> dict[str, Any]:
        app = make_app(ServeConfig.of([load_feed(feed)]))
        async with TestClient(TestServer(app)) as client:
            response = await client.get("/edl/status.json")
            assert response.status == 200
            text = await response.text()
            assert str(tmp_path) not in text and "127.0.0.1" not in text, text
            return dict(json.loads(text))

    with row.case():
        on_disk = status_file.read_text()
        assert str(tmp_path) not in on_disk and "127.0.0.1" not in on_disk, on_disk
        status = asyncio.run(published())
        assert status["definition"] == "edl.yaml" and status["verdict"] == "incomplete"
        assert status["reasons"] and any("<address>" in r for r in status["reasons"])
    with row.case():  # a status file from an older version, or edited by hand
        old = json.loads(status_file.read_text())
        old["definition"] = str(feed)
        old["reasons"] = [
            "name server 10.20.0.53:53 stopped answering",
            "resolver [fd00::53]:53 and 2001:db8::1 failed",
            f"cannot write {tmp_path}/out/typo.rpz: disk full",
        ]
        old["outputs"] = [{"file": str(tmp_path / "out" / "typo.rpz"), "format": "rpz"}]
        old["secret"] = {"internal": "10.1.2.3"}
        status_file.write_text(json.dumps(old))
        status = asyncio.run(published())
        text = json.dumps(status)
        for leak in ("10.20.0.53", "fd00::53", "2001:db8::1", "10.1.2.3", "secret"):
            assert leak not in text, text
        assert status["definition"] == "edl.yaml"
        assert status["outputs"] == [{"file": "typo.rpz", "format": "rpz", "entries": None}]
        assert status["reasons"][2] == "cannot write typo.rpz: disk full"


# -- the token file -----------------------------------------------------------------------


def test_a_token_file_that_is_not_a_regular_file_is_refused_at_once(
    feed: Path, tmp_path: Path, ledger: Ledger, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "token.fifo"
    os.mkfifo(fifo)
    row = ledger.row("serve: token file that is not a regular file")
    with row.case():  # a FIFO: the real process, which must not hang
        done = subprocess.run(
            [sys.executable, "-m", "typorisk", "serve", str(feed), "--token-file", str(fifo)],
            capture_output=True,
            timeout=30,
            check=False,
        )
        err = done.stderr.decode()
        assert done.returncode == 2 and "it is a FIFO" in err and err.count("\n") == 1, err
    for path, kind in [(tmp_path, "a directory"), (Path("/dev/null"), "a device")]:
        with row.case():
            assert main(["serve", str(feed), "--token-file", str(path)]) == 2
            err = capsys.readouterr().err
            assert f"it is {kind}" in err and err.count("\n") == 1, err
    with row.case():
        assert main(["serve", str(feed), "--tls-cert", str(fifo), "--tls-key", str(fifo)]) == 2
        assert "--tls-cert" in capsys.readouterr().err
