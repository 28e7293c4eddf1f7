"""Every consumer format is loaded by the real tool that consumes it (Debian packages; see
.ci/install-consumers.sh; stix2 and PyMISP from the test extra). Locally a missing tool skips; in
CI (``CI`` set) it fails. A format missing from the registry or the CLI always fails."""

from __future__ import annotations

import base64
import io
import json
import tempfile
from pathlib import Path

import pytest

from typorisk.writers import WriterOptions
from typorisk.writers.intel import misp_event_uuid, misp_manifest, write_misp_hashes

from .conftest import NOW, render, require_module, require_tool, run_tool


def _names(rows: list[dict[str, object]]) -> list[str]:
    return list(dict.fromkeys(str(r["domain"]) for r in rows))


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"policy": "nodata"},
        {"policy": "drop"},
        {"policy": "sinkhole", "sinkhole_ipv4": "192.0.2.53", "sinkhole_ipv6": "2001:db8::53"},
        {"passthru": ["pentagon.com"], "ttl": 60, "comments": False},
    ],
)
def test_rpz_passes_named_checkzone(
    tmp_path: Path, mil_rows: list[dict[str, object]], settings: dict[str, object]
) -> None:
    checkzone = require_tool("named-checkzone")
    zone = tmp_path / "t.rpz"
    zone.write_text(render("rpz", mil_rows, **settings))
    proc = run_tool([checkzone, "rpz.typorisk", str(zone)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "OK" in proc.stdout
    # every name and its subdomains are listed
    text = zone.read_text()
    for name in _names(mil_rows):
        assert f"\n{name} " in text and f"\n*.{name} " in text


def test_unbound_local_zones_pass_checkconf(
    tmp_path: Path, mil_rows: list[dict[str, object]]
) -> None:
    checkconf = require_tool("unbound-checkconf")
    (tmp_path / "typo.conf").write_text(render("unbound", mil_rows))
    conf = tmp_path / "unbound.conf"
    conf.write_text(
        f'server:\n    username: ""\n    chroot: ""\n    directory: "{tmp_path}"\n'
        f'include: "{tmp_path / "typo.conf"}"\n'
    )
    proc = run_tool([checkconf, str(conf)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no errors" in proc.stdout


@pytest.mark.parametrize("settings", [{}, {"sinkhole": "0.0.0.0"}])
def test_dnsmasq_test_accepts(
    tmp_path: Path, mil_rows: list[dict[str, object]], settings: dict[str, object]
) -> None:
    dnsmasq = require_tool("dnsmasq")
    conf = tmp_path / "typo.conf"
    conf.write_text(render("dnsmasq", mil_rows, **settings))
    proc = run_tool([dnsmasq, "--test", f"--conf-file={conf}"])
    assert proc.returncode == 0, proc.stderr
    assert "syntax check OK" in proc.stderr


@pytest.mark.parametrize("fmt", ["postfix-access", "postfix-transport"])
def test_postmap_builds_and_answers(
    tmp_path: Path, mil_rows: list[dict[str, object]], fmt: str
) -> None:
    postmap = require_tool("postmap")
    confdir = tmp_path / "postfix"
    confdir.mkdir()
    (confdir / "main.cf").write_text("compatibility_level = 3.6\n")
    table = tmp_path / "typo_map"
    table.write_text(render(fmt, mil_rows))
    build = run_tool([postmap, "-c", str(confdir), f"hash:{table}"])
    assert build.returncode == 0, build.stderr
    assert build.stderr == ""  # no duplicate-entry or syntax warnings
    expected = "REJECT 5.7.1" if fmt == "postfix-access" else "error:5.7.1"
    for key in ("pentagon.ml", ".pentagon.ml"):
        query = run_tool([postmap, "-c", str(confdir), "-q", key, f"hash:{table}"])
        assert query.returncode == 0 and query.stdout.startswith(expected), query
        assert "typo of pentagon.mil" in query.stdout
    missing = run_tool([postmap, "-c", str(confdir), "-q", "pentagon.mil", f"hash:{table}"])
    assert missing.returncode == 1  # the protected domain itself is never listed


def _exim_config(tmp_path: Path, listfile: Path) -> Path:
    # With -C, Exim drops root for its own user: the files must be reachable by it
    tmp_path.chmod(0o755)
    spool = tmp_path / "spool"
    spool.mkdir(mode=0o777)
    spool.chmod(0o777)
    conf = tmp_path / "exim.conf"
    conf.write_text(
        f"domainlist typo_domains = {listfile}\n"
        f"spool_directory = {spool}\n"
        f"log_file_path = {tmp_path}/%slog\n"
        "keep_environment =\n"
        "acl_smtp_rcpt = acl_check_rcpt\n"
        "begin acl\n"
        "acl_check_rcpt:\n"
        "  deny    domains = +typo_domains\n"
        "          message = $domain looks like a typo of one of our domains\n"
        "  accept\n"
    )
    return conf


def test_exim_loads_the_domainlist(mil_rows: list[dict[str, object]]) -> None:
    exim = require_tool("exim")
    # pytest's tmp_path sits in a 0700 directory the exim user cannot traverse
    with tempfile.TemporaryDirectory(prefix="typorisk-exim-") as tmp:
        _exim_session(exim, Path(tmp), mil_rows)


def _exim_session(exim: str, tmp_path: Path, mil_rows: list[dict[str, object]]) -> None:
    listfile = tmp_path / "typo_domains"
    listfile.write_text(render("exim", mil_rows))
    conf = _exim_config(tmp_path, listfile)
    version = run_tool([exim, "-C", str(conf), "-bV"])
    assert version.returncode == 0, version.stderr
    assert f"Configuration file is {conf}" in version.stdout
    # a fake SMTP session through the ACL: the typo domain and its subdomain are refused
    session = (
        "EHLO test\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@pentagon.ml>\r\n"
        "RCPT TO:<c@mx.pentagon.ml>\r\nRCPT TO:<d@pentagon.mil>\r\nQUIT\r\n"
    )
    proc = run_tool([exim, "-C", str(conf), "-bh", "127.0.0.1"], stdin=session)
    replies = [
        line for line in proc.stdout.splitlines() if line[:3] in ("550", "250", "421", "451")
    ]
    assert "550 pentagon.ml looks like a typo of one of our domains" in replies
    assert "550 mx.pentagon.ml looks like a typo of one of our domains" in replies
    assert replies[-1] == "250 Accepted"  # pentagon.mil itself


def test_squid_parses_the_dstdomain_list(tmp_path: Path) -> None:
    squid = require_tool("squid")
    rows: list[dict[str, object]] = [
        {"domain": d, "target": "corp.com"}
        for d in ("corp.cm", "mail.corp.cm", "a.b.corp.cm", "corp.co", "xcorp.com")
    ]
    listfile = tmp_path / "typo.txt"
    listfile.write_text(render("squid", rows))
    conf = tmp_path / "squid.conf"
    conf.write_text(
        f'acl typo dstdomain "{listfile}"\nhttp_access deny typo\nhttp_access allow all\n'
        "http_port 127.0.0.1:39128\n"
    )
    proc = run_tool([squid, "-k", "parse", "-f", str(conf)])
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr and "ERROR" not in proc.stderr, proc.stderr
    listed = [x for x in listfile.read_text().splitlines() if not x.startswith("#")]
    assert listed == [".corp.cm", ".corp.co", ".xcorp.com"]  # subdomains folded into parents


@pytest.mark.parametrize("fmt", ["suricata", "suricata-dataset"])
def test_suricata_loads_the_rules(
    tmp_path: Path, mil_rows: list[dict[str, object]], fmt: str
) -> None:
    suricata = require_tool("suricata")
    rules = tmp_path / "typo.rules"
    if fmt == "suricata":
        rules.write_text(render(fmt, mil_rows))
    else:
        dataset = tmp_path / "typo.lst"
        dataset.write_text(render(fmt, mil_rows))
        assert base64.b64decode(dataset.read_text().split()[0]).decode() == mil_rows[0]["domain"]
        rules.write_text(
            'alert dns any any -> any any (msg:"typo domain"; dns.query; '
            f"dataset:isset,typo-domains,type string,load {dataset}; sid:9000000; rev:1;)\n"
        )
    logs = tmp_path / "log"
    logs.mkdir()
    proc = run_tool(
        [suricata, "-T", "-c", "/etc/suricata/suricata.yaml", "-S", str(rules), "-l", str(logs)]
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Configuration provided was successfully loaded" in proc.stdout + proc.stderr


def test_stix_bundle_parses_with_stix2(mil_rows: list[dict[str, object]]) -> None:
    stix2 = require_module("stix2")
    bundle = stix2.parse(render("stix", mil_rows, org="Example CERT"), allow_custom=False)
    indicators = [o for o in bundle.objects if o.type == "indicator"]
    assert len(indicators) == len(_names(mil_rows))
    first = indicators[0]
    assert first.pattern.startswith(f"[domain-name:value = '{mil_rows[0]['domain']}'")
    assert first.created_by_ref == bundle.objects[0].id and first.valid_from.year == NOW.year
    # ids are stable across runs (UUIDv5 of feed and name)
    again = stix2.parse(render("stix", mil_rows), allow_custom=False)
    assert again.objects[1].id == first.id


def test_misp_feed_loads_with_pymisp(tmp_path: Path, mil_rows: list[dict[str, object]]) -> None:
    pymisp = require_module("pymisp")

    event_text = render("misp", mil_rows, org="Example CERT")
    event = pymisp.MISPEvent()
    event.load(event_text)
    values = [a.value for a in event.attributes]
    assert values == _names(mil_rows)
    assert all(a.type == "domain" and a.to_ids for a in event.attributes)
    options = WriterOptions(now=NOW, feed="test-feed", settings={"org": "Example CERT"})
    assert event.uuid == misp_event_uuid(options)
    # the manifest and hashes match what PyMISP itself derives from the event
    feed = event.to_feed(with_meta=True)["Event"]
    manifest = misp_manifest(options)
    assert set(manifest) == set(feed["_manifest"])
    assert manifest[event.uuid]["info"] == feed["_manifest"][event.uuid]["info"]
    out = io.StringIO()
    write_misp_hashes(mil_rows, out, options)
    assert [line.split(",")[0] for line in out.getvalue().splitlines()] == feed["_hashes"]
    json.loads(event_text)  # strict JSON


def test_permute_cli_rpz_passes_named_checkzone(tmp_path: Path) -> None:
    """The issue's command: ``typorisk permute pentagon.mil army.mil --top 50 --format rpz``."""
    import argparse
    import contextlib

    from typorisk.cli import main
    from typorisk.cli import permute as permute_cli

    checkzone = require_tool("named-checkzone")
    parser = argparse.ArgumentParser()
    permute_cli.add_arguments(parser)
    choices = next(a.choices for a in parser._actions if a.dest == "format") or ()
    # a format that disappears from the CLI is a regression, never a reason to skip
    assert "rpz" in choices, f"typorisk permute lost --format rpz (choices: {sorted(choices)})"
    zone = tmp_path / "t.rpz"
    with zone.open("w") as handle, contextlib.redirect_stdout(handle):
        assert main(["permute", "pentagon.mil", "army.mil", "--top", "50", "--format", "rpz"]) == 0
    proc = run_tool([checkzone, "rpz.typorisk", str(zone)])
    assert proc.returncode == 0 and "OK" in proc.stdout, proc.stdout


CONSUMED = (
    "rpz", "unbound", "dnsmasq", "postfix-access", "postfix-transport", "exim", "squid",
    "suricata", "suricata-dataset", "stix", "misp",
)  # fmt: skip


def test_every_consumer_format_is_still_registered() -> None:
    """The formats above are loaded by their real consumers; one leaving the registry fails
    here (the tests that render it would fail too, but this names it)."""
    from typorisk.writers import FORMATS

    assert [f for f in CONSUMED if f not in FORMATS] == []
