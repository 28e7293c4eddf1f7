"""A live Unbound loads the RPZ a feed writes (through examples/feeds/unbound-rpz.conf) in front
of a real NSD that serves every name: blocked names and their subdomains get NXDOMAIN, the
allowlisted name and the protected domain still resolve. Plus the BIND and Postfix examples."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import dns.message
import dns.query
import dns.rcode
import pytest

from typorisk.feeds.run import run_feed
from typorisk.feeds.spec import load_feed

from ..resolve.servers import free_port, nsd, start, stop, wait_until_answering
from .conftest import NOW, render, require_tool, run_tool

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "feeds"
FEED = """feed: live-test
targets: [pentagon.mil, army.mil]
scan: {top: 50}
allowlist: [pentagn.mil]
outputs:
  - {format: rpz, path: typo.rpz}
"""
ZONES = {
    "ml.": "$ORIGIN ml.\n$TTL 60\n@ SOA ns.ml. h.ml. 1 3600 600 86400 60\n@ NS ns.ml.\n"
    "ns A 127.0.0.1\npentagon A 192.0.2.10\n*.pentagon A 192.0.2.10\n",
    "mil.": "$ORIGIN mil.\n$TTL 60\n@ SOA ns.mil. h.mil. 1 3600 600 86400 60\n@ NS ns.mil.\n"
    "ns A 127.0.0.1\npentagon A 192.0.2.30\npentagn A 192.0.2.20\npenagon A 192.0.2.40\n",
}


def _query(port: int, name: str) -> tuple[str, list[str]]:
    reply = dns.query.udp(dns.message.make_query(name, "A"), "127.0.0.1", port=port, timeout=3)
    addresses = [item.to_text() for rrset in reply.answer for item in rrset if rrset.rdtype == 1]
    return dns.rcode.to_text(reply.rcode()), addresses


@contextlib.contextmanager
def _unbound(directory: Path, zone: Path, nsd_port: int) -> Iterator[int]:
    binary = require_tool("unbound")
    port = free_port()
    example = (EXAMPLES / "unbound-rpz.conf").read_text()
    example = example.replace("/var/lib/typorisk/typo.rpz", str(zone))
    stubs = "".join(
        f'stub-zone:\n    name: "{z}"\n    stub-addr: 127.0.0.1@{nsd_port}\n    stub-prime: no\n'
        for z in ZONES
    )
    conf = directory / "unbound.conf"
    conf.write_text(
        f'server:\n    interface: 127.0.0.1@{port}\n    port: {port}\n    username: ""\n'
        f'    chroot: ""\n    directory: "{directory}"\n    pidfile: "{directory}/u.pid"\n'
        f"    use-syslog: no\n    logfile: {directory}/unbound.log\n    do-daemonize: no\n"
        "    do-ip6: no\n    num-threads: 1\n    do-not-query-localhost: no\n"
        "    access-control: 127.0.0.0/8 allow\n    qname-minimisation: no\n"
        f"{example}\n{stubs}"
    )
    check = run_tool([require_tool("unbound-checkconf"), str(conf)])
    assert check.returncode == 0, check.stdout + check.stderr
    process = start([binary, "-d", "-c", str(conf)])
    try:
        wait_until_answering("127.0.0.1", port, "pentagon.mil.")
        yield port
    finally:
        stop(process)  # by the PID started here, with its process group


def test_live_unbound_enforces_the_feed_rpz(tmp_path: Path) -> None:
    require_tool("nsd")
    (tmp_path / "feed.yaml").write_text(FEED)
    report = run_feed(load_feed(tmp_path / "feed.yaml"), now=NOW)
    assert report.allowlisted == {"pentagn.mil"}  # pentagn.mil is a top-50 typo of pentagon.mil
    zone = tmp_path / "typo.rpz"
    text = zone.read_text()
    assert "pentagn.mil CNAME rpz-passthru." in text and "\npentagn.mil CNAME .\n" not in text
    with (
        nsd(tmp_path / "nsd", ZONES, port=free_port()) as (_, nsd_port),
        _unbound(tmp_path, zone, nsd_port) as port,
    ):
        # without the policy NSD answers every one of these names
        assert _query(nsd_port, "pentagon.ml.")[0] == "NOERROR"
        assert _query(port, "pentagon.ml.") == ("NXDOMAIN", [])
        assert _query(port, "mx.pentagon.ml.") == ("NXDOMAIN", [])
        assert _query(port, "penagon.mil.") == ("NXDOMAIN", [])
        assert _query(port, "pentagn.mil.") == ("NOERROR", ["192.0.2.20"])  # allowlisted
        assert _query(port, "pentagon.mil.") == ("NOERROR", ["192.0.2.30"])  # the target


def test_bind_example_loads_the_rpz(tmp_path: Path, mil_rows: list[dict[str, object]]) -> None:
    checkconf = require_tool("named-checkconf")
    zone = tmp_path / "typo.rpz"
    zone.write_text(render("rpz", mil_rows))
    conf = tmp_path / "named.conf"
    text = (EXAMPLES / "named-rpz.conf").read_text()
    text = text.replace("/var/lib/typorisk/typo.rpz", str(zone))
    conf.write_text(text.replace("/var/cache/bind", str(tmp_path)))
    proc = run_tool([checkconf, "-z", str(conf)])  # -z loads the zone, as named would
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "zone rpz.typorisk/IN: loaded serial" in proc.stdout


def test_postfix_example_lines_are_valid(tmp_path: Path, mil_rows: list[dict[str, object]]) -> None:
    postconf, postmap = require_tool("postconf"), require_tool("postmap")
    confdir = tmp_path / "postfix"
    confdir.mkdir()
    maps = tmp_path / "maps"
    maps.mkdir()
    lines = (EXAMPLES / "postfix-main.cf").read_text().replace("/var/lib/typorisk", str(maps))
    (confdir / "main.cf").write_text("compatibility_level = 3.6\n" + lines)
    (confdir / "master.cf").write_text(Path("/etc/postfix/master.cf").read_text())
    for fmt, name in (
        ("postfix-access", "typo_recipients"),
        ("postfix-transport", "typo_transport"),
    ):
        (maps / name).write_text(render(fmt, mil_rows))
        assert run_tool([postmap, "-c", str(confdir), f"hash:{maps / name}"]).returncode == 0
    proc = run_tool([postconf, "-c", str(confdir), "-n"])
    assert proc.returncode == 0 and "warning" not in proc.stderr, proc.stderr
    restrictions = run_tool([postconf, "-c", str(confdir), "-h", "smtpd_recipient_restrictions"])
    first = restrictions.stdout.split(",")[0].strip()
    assert first == f"check_recipient_access hash:{maps / 'typo_recipients'}"
    # the map named in main.cf answers the REJECT line for a typo recipient domain
    query = run_tool([postmap, "-c", str(confdir), "-q", "pentagon.ml", first.split()[1]])
    assert query.stdout.startswith("REJECT 5.7.1 pentagon.ml looks like a typo of pentagon.mil")


@pytest.mark.parametrize("previous", [None, 4_000_000_000])
def test_rpz_serial_increases_every_run(tmp_path: Path, previous: int | None) -> None:
    (tmp_path / "feed.yaml").write_text(FEED)
    spec = load_feed(tmp_path / "feed.yaml")
    serials = []
    for _ in range(3):
        if previous is not None and not serials:
            (tmp_path / "typo.rpz").write_text(f"@ SOA a. b. {previous} 1 1 1 1\n")
        run_feed(spec, now=NOW)  # the same clock every time: the serial still increases
        head = (tmp_path / "typo.rpz").read_text().split("\n@ SOA ", 1)[1]
        serials.append(int(head.split()[2]))
    assert serials[0] > (previous or 0) and serials[0] < serials[1] < serials[2]
