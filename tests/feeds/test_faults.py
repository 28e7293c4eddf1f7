"""Faults never pass as success: a feed run that did not see the world exits 4, says why in one
line and leaves every previous output byte for byte (the old bug replaced the blocklist with an
empty one under ``include_unknown: false``, or with every candidate under ``true``).

Real parts only: a live NSD on 127.0.0.1 for the good run, a UDP port with nothing behind it for
the dead resolver, and the in-process nanoserver answering SERVFAIL for ``servfail-*`` names.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk.cli import main

from ..conftest import Ledger, ledger_row
from ..resolve.nanoserver import in_thread
from ..resolve.servers import free_port, nsd

TYPORISK = Path(sys.executable).with_name("typorisk")
"""The console script of the virtualenv running the tests (``.venv/bin/typorisk``)."""
ROOT_ZONE = """$ORIGIN .
$TTL 60
@ SOA ns. h. 1 3600 600 86400 60
@ NS ns.
ns A 127.0.0.1
pentagon.mil. MX 10 mail.pentagon.mil.
mail.pentagon.mil. A 192.0.2.1
penagon.mil. MX 10 mx.collector.example.
pentago.mil. A 192.0.2.66
"""
"""One root zone holding every record: NSD answers each name itself, NXDOMAIN for the rest."""
FEED = """feed: faults
targets: [pentagon.mil]
scan:
  top: 20
  resolve: {{nameservers: ["{server}"], timeout: {timeout}, retries: 0{extra}}}
thresholds: {{include_unknown: {include_unknown}}}
outputs:
  - {{format: rpz, path: out/t.rpz}}
  - {{format: csv, path: out/t.csv}}
  - {{format: jsonl, path: out/t.jsonl}}
  - {{format: stix, path: out/t.stix.json}}
  - {{format: misp, path: out/misp}}
"""

Snapshot = dict[str, tuple[bytes, int, int]]


def dead_udp_port() -> int:
    """A UDP port on 127.0.0.1 with nothing behind it (bound, read, closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_feed(path: Path, server: str, *, timeout: float = 0.3, **settings: object) -> Path:
    include_unknown = str(settings.pop("include_unknown", True)).lower()
    extra = "".join(f", {k}: {v}" for k, v in settings.items())
    path.write_text(
        FEED.format(server=server, timeout=timeout, extra=extra, include_unknown=include_unknown)
    )
    return path


def snapshot(out: Path) -> Snapshot:
    """Every output file under ``out``: bytes, mtime (ns) and inode (a replaced file has a new
    one). The run's status file (``.<feed>.status.json``) is not an output: every attempt
    rewrites it."""
    found = {}
    for path in sorted(out.rglob("*")):
        if path.is_file() and not path.name.endswith(".status.json"):
            st = path.stat()
            found[str(path.relative_to(out))] = (path.read_bytes(), st.st_mtime_ns, st.st_ino)
    return found


def assert_untouched(out: Path, before: Snapshot) -> None:
    after = snapshot(out)
    assert sorted(after) == sorted(before), "files appeared or vanished (a temp file left?)"
    for name, (data, mtime, inode) in before.items():
        assert after[name][0] == data, f"{name}: bytes changed"
        assert after[name][1:] == (mtime, inode), f"{name}: replaced (mtime or inode changed)"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_run(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(TYPORISK), *argv], capture_output=True, text=True, timeout=60, check=False
    )


def assert_one_dead_server_line(err: str, port: int) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, err
    line = lines[0]
    assert f"127.0.0.1:{port}" in line and "replaced nothing" in line, line
    assert "Traceback" not in err
    return line


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``127.0.0.1:PORT`` of an NSD serving :data:`ROOT_ZONE`."""
    with nsd(tmp_path_factory.mktemp("faults"), {".": ROOT_ZONE}, port=free_port()) as (h, p):
        yield f"{h}:{p}"


DEAD_FEED = ledger_row("dead resolver: feed run exits 4, every old output byte unchanged")


@pytest.mark.parametrize("include_unknown", [False, True])
def test_dead_resolver_replaces_nothing(
    include_unknown: bool, live: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed = tmp_path / "feed.yaml"
    write_feed(feed, live, timeout=1, include_unknown=include_unknown)
    code, _, err = cli(capsys, "run", str(feed))
    assert code == 0, err
    out = tmp_path / "out"
    rows = [json.loads(line) for line in (out / "t.jsonl").read_text().splitlines()]
    registered = {r["domain"] for r in rows if r["registration"] == "registered"}
    assert registered == {"penagon.mil", "pentago.mil"}  # the good feed saw the world
    assert len(rows) == 20  # nothing unknown: both thresholds keep all 20 candidates
    before = snapshot(out)
    assert len(before) == 7  # rpz, csv, jsonl, stix, misp/{event, hashes.csv, manifest.json}

    port = dead_udp_port()
    write_feed(feed, f"127.0.0.1:{port}", include_unknown=include_unknown)
    with DEAD_FEED.case():  # in process
        code, stdout, err = cli(capsys, "run", str(feed))
        assert code == 4
        assert stdout == ""
        line = assert_one_dead_server_line(err, port)
        assert line.startswith("typorisk: faults: name server ")
        assert_untouched(out, before)
        status = json.loads((out / ".faults.status.json").read_text())
        # the status is published by serve: the stderr line names the server, the file does not
        assert status["verdict"] == "incomplete" and "name server <address>" in status["reasons"][0]
        assert "127.0.0.1" not in json.dumps(status)

    with DEAD_FEED.case():  # the console script
        done = subprocess_run("run", str(feed))
        assert done.returncode == 4, done.stderr
        assert assert_one_dead_server_line(done.stderr, port) == line
        assert done.stdout == ""
        assert_untouched(out, before)


def test_dead_resolver_scan_and_resolve_exit_4_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    row = ledger.row("dead resolver: scan, resolve and the console script exit 4 in one line")
    port = dead_udp_port()
    dns = ["--nameserver", f"127.0.0.1:{port}", "--timeout", "0.3", "--retries", "0"]
    with row.case():
        code, out, err = cli(capsys, "scan", "example.com", "--top", "5", "--format", "jsonl", *dns)
        assert code == 4 and out == ""
        assert_one_dead_server_line(err, port)
    names = tmp_path / "names.txt"
    names.write_text("example.test\nexample.com\n")
    with row.case():
        code, out, err = cli(capsys, "resolve", str(names), "--format", "jsonl", *dns)
        assert code == 4 and out == ""
        assert_one_dead_server_line(err, port)
    with row.case():
        done = subprocess_run("resolve", str(names), *dns)
        assert done.returncode == 4 and done.stdout == ""
        assert_one_dead_server_line(done.stderr, port)


PREVIOUS = {
    "t.rpz": b"; the previous RPZ\n",
    "t.csv": b"domain\nprevious.mil\n",
    "t.jsonl": b'{"domain": "previous.mil"}\n',
    "t.stix.json": b"{}\n",
}
"""Previous outputs written by hand, with known bytes."""
SOME_SERVFAIL = "targets: [ok-a.mil, servfail-b.mil]"
"""Of these targets' 40 candidates, the nanoserver answers 5 (12.5%) with SERVFAIL: those whose
first label still starts with ``servfail-`` (``servfail-b.ml``, ``servfail-v.mil``...); the rest
are answered."""


def test_too_many_servfail_names_replace_nothing_until_max_unknown_allows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ledger: Ledger
) -> None:
    row = ledger.row("SERVFAIL for 12.5% of names: feed run exits 4 until max_unknown allows")
    out = tmp_path / "out"
    (out / "misp").mkdir(parents=True)
    for name, data in PREVIOUS.items():
        (out / name).write_bytes(data)
    before = snapshot(out)
    feed = tmp_path / "feed.yaml"
    with in_thread() as server:
        write_feed(feed, f"127.0.0.1:{server.port}", timeout=1)
        feed.write_text(feed.read_text().replace("targets: [pentagon.mil]", SOME_SERVFAIL))
        with row.case():  # over max_unknown: nothing replaced
            code, stdout, err = cli(capsys, "run", str(feed))
            assert code == 4 and stdout == ""
            lines = err.splitlines()
            assert len(lines) == 1, err
            assert lines[0].startswith("typorisk: faults: ") and "nothing replaced" in lines[0]
            assert "5 of 40 names (12.5%) stayed unknown, more than max_unknown 2.0%" in lines[0]
            assert_untouched(out, before)

        write_feed(feed, f"127.0.0.1:{server.port}", timeout=1, max_unknown=0.5)
        feed.write_text(feed.read_text().replace("targets: [pentagon.mil]", SOME_SERVFAIL))
        code, _, err = cli(capsys, "run", str(feed))
    with row.case():  # within max_unknown: every output replaced, the unknown names listed
        assert code == 0, err
        assert "run complete: 5 outputs replaced" in err
        for name, data in PREVIOUS.items():
            assert (out / name).read_bytes() != data, f"{name} was not replaced"
        rows = list(csv.DictReader(io.StringIO((out / "t.csv").read_text(), newline="")))
        unknown = sorted(r["domain"] for r in rows if r["registration"] == "unknown")
        assert len(rows) == 40 and len(unknown) == 5
        assert all(d.startswith("servfail-") for d in unknown)
        assert "servfail-" in (out / "t.rpz").read_text()  # include_unknown: listed
        assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
