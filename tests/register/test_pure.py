# ruff: noqa: E501  (tables of real-shaped replies read best one case a line)
"""Pure parts of the register stage: table-driven, no sockets."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import pytest

from typorisk.errors import DataFileError, TyporiskError
from typorisk.register import (
    Lookup,
    LookupCache,
    LookupStatus,
    RegistrationFacts,
    Source,
    TokenBucket,
    parse_bootstrap,
    parse_rdap,
    parse_retry_after,
    parse_whois,
    parse_zone_line,
    scan_zone_files,
)
from typorisk.register.bootstrap import load_bootstrap, load_whois_servers
from typorisk.register.text import clean, iso_date, rfc8056
from typorisk.register.whois import referral_of

from . import documents as docs


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            docs.THIN,
            RegistrationFacts(
                created="1997-09-15",
                expires="2028-09-14",
                last_changed="2019-09-09",
                registrar="MarkMonitor Inc.",
                registrar_iana=292,
                status=("client delete prohibited", "client transfer prohibited"),
                nameservers=("ns1.parking.example", "ns2.parking.example"),
            ),
        ),
        (
            docs.THICK,
            RegistrationFacts(
                created="2026-07-02",  # 23:30 at -05:00 is the next day in UTC
                expires="2027-07-02",
                registrar="NameCheap, Inc.",
                registrar_iana=1068,
                status=("active", "client transfer prohibited"),
                nameservers=("dns1.registrar-servers.com",),
                registrant_org="Squat Holdings Ltd",
            ),
        ),
        (
            docs.REDACTED,
            RegistrationFacts(
                created="2025-01-31",
                registrar="Example Registrar",
                status=("active", "client hold"),
            ),
        ),
        (docs.REDACTED_9537, RegistrationFacts()),
        (docs.REDEMPTION, RegistrationFacts(status=("pending delete", "redemption period"))),
        (docs.ODD, RegistrationFacts()),
    ],
    ids=["thin", "thick", "redacted", "redacted-9537", "redemption", "odd-shapes"],
)
def test_parse_rdap(doc: dict[str, Any], expected: RegistrationFacts) -> None:
    assert parse_rdap(doc) == expected


@pytest.mark.parametrize("doc", [[], "x", {"objectClassName": "entity"}, None])
def test_parse_rdap_refuses_non_domain(doc: object) -> None:
    with pytest.raises(ValueError, match="not an RDAP domain"):
        parse_rdap(doc)


def test_parse_rdap_strips_control_characters() -> None:
    doc = {**docs.REDEMPTION, "entities": [
        {"roles": ["registrar"], "vcardArray": docs.vcard(["fn", {}, "text", "Evil\x1b[31m\u202eCo"])}
    ]}  # fmt: skip
    assert parse_rdap(doc).registrar == "Evil [31m Co"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2019-03-04T12:00:00Z", "2019-03-04"),
        ("2019-03-04T23:00:00-03:00", "2019-03-05"),
        ("2019-03-04", "2019-03-04"),
        ("2019.03.04", "2019-03-04"),
        ("2019/03/04", "2019-03-04"),
        ("04-Mar-2019", "2019-03-04"),
        ("2019-03-04 12:00:00 UTC", "2019-03-04"),
        ("20190304", "2019-03-04"),
        ("before 2001", None),
        ("", None),
        (None, None),
    ],
)
def test_iso_date(text: str | None, iso: str | None) -> None:
    assert iso_date(text) == iso


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("clientTransferProhibited https://icann.org/epp#clientTransferProhibited", "client transfer prohibited"),
        ("serverHold", "server hold"),
        ("ok", "active"),
        ("redemption period", "redemption period"),
        ("pendingDelete", "pending delete"),
        ("connect", "connect"),
        ("", None),
    ],
)  # fmt: skip
def test_rfc8056(raw: str, name: str | None) -> None:
    assert rfc8056(raw) == name


def test_clean() -> None:
    assert clean("  a\tb\x00c  ") == "a b c"
    assert clean("x" * 500) == "x" * 200
    assert clean(3) is None


ICANN = """Domain Name: EXAMPEL.COM
Registry Domain ID: 2336799_DOMAIN_COM-VRSN
Registrar WHOIS Server: whois.markmonitor.com
Updated Date: 2019-09-09T15:39:04Z
Creation Date: 1997-09-15T04:00:00Z
Registry Expiry Date: 2028-09-14T04:00:00Z
Registrar: MarkMonitor Inc.
Registrar IANA ID: 292
Domain Status: clientDeleteProhibited https://icann.org/epp#clientDeleteProhibited
Domain Status: clientTransferProhibited https://icann.org/epp#clientTransferProhibited
Registrant Organization: REDACTED FOR PRIVACY
Name Server: NS1.PARKING.EXAMPLE
Name Server: NS2.PARKING.EXAMPLE
>>> Last update of whois database: 2026-07-23T10:00:00Z <<<
"""
DENIC_REGISTERED = """% Restricted rights.
Domain: gogle.de
Nserver: ns1.example.net
Nserver: ns2.example.net
Status: connect
Changed: 2020-05-04T10:11:12+02:00
"""
NIC_IT = """Domain:             corp.it
Status:             ok
Created:            2004-06-22 00:00:00
Expire Date:        2027-06-22
Registrar
  Organization:     Aruba s.p.a.
Nameservers
  dns.technorail.com
"""


@pytest.mark.parametrize(
    ("text", "status", "facts", "reason"),
    [
        (
            ICANN,
            LookupStatus.FOUND,
            RegistrationFacts(
                created="1997-09-15", expires="2028-09-14", last_changed="2019-09-09",
                registrar="MarkMonitor Inc.", registrar_iana=292,
                status=("client delete prohibited", "client transfer prohibited"),
                nameservers=("ns1.parking.example", "ns2.parking.example"),
            ),
            None,
        ),
        (
            DENIC_REGISTERED,
            LookupStatus.FOUND,
            RegistrationFacts(
                last_changed="2020-05-04", status=("connect",),
                nameservers=("ns1.example.net", "ns2.example.net"),
            ),
            None,
        ),
        (
            NIC_IT,
            LookupStatus.FOUND,
            RegistrationFacts(created="2004-06-22", expires="2027-06-22", status=("active",)),
            None,
        ),
        ("Domain: free-name.de\nStatus: free\n", LookupStatus.NOT_FOUND, RegistrationFacts(), None),
        ('No match for "EXAMPEL.IO".\n>>> Last update <<<\n', LookupStatus.NOT_FOUND, RegistrationFacts(), None),
        ("%% NOT FOUND\n", LookupStatus.NOT_FOUND, RegistrationFacts(), None),
        ("Query rate limit exceeded. Try again later.\n", LookupStatus.UNKNOWN, RegistrationFacts(), "rate-limited"),
        ("<html>503 Service Unavailable</html>", LookupStatus.UNKNOWN, RegistrationFacts(), "unrecognised-answer"),
        ("", LookupStatus.UNKNOWN, RegistrationFacts(), "unrecognised-answer"),
    ],
    ids=["icann", "denic", "nic-it", "denic-free", "no-match", "not-found", "quota", "html", "empty"],
)  # fmt: skip
def test_parse_whois(
    text: str, status: LookupStatus, facts: RegistrationFacts, reason: str | None
) -> None:
    assert parse_whois(text) == (status, facts, reason)


@pytest.mark.parametrize(
    ("line", "origin", "previous", "parsed"),
    [
        (b"exampel.com.\t172800\tin\tns\tns1.parking.example.\n", b"", b"",
         (b"exampel.com", b"ns", b"ns1.parking.example.")),
        (b"EXAMPEL.COM. 3600 IN NS NS1.X.\n", b"", b"", (b"exampel.com", b"ns", b"NS1.X.")),
        (b"exampel IN 3600 NS ns1.x. ; comment\n", b"com", b"", (b"exampel.com", b"ns", b"ns1.x.")),
        (b"exampel NS ns1.x.\n", b"com", b"", (b"exampel.com", b"ns", b"ns1.x.")),
        (b"@ 900 IN SOA a.gtld. nstld. 1 2 3 4 5\n", b"com", b"", (b"com", b"soa", b"a.gtld. nstld. 1 2 3 4 5")),
        (b"\t3600 IN NS ns2.x.\n", b"com", b"exampel.com", (b"exampel.com", b"ns", b"ns2.x.")),
        (b"; a comment\n", b"", b"", None),
        (b"$TTL 3600\n", b"", b"", None),
        (b"\n", b"", b"", None),
        (b"lonely\n", b"", b"", None),
    ],
)  # fmt: skip
def test_parse_zone_line(
    line: bytes, origin: bytes, previous: bytes, parsed: tuple[bytes, bytes, bytes] | None
) -> None:
    assert parse_zone_line(line, origin, previous) == parsed


ZONE = """com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400
com.\t172800\tin\tns\ta.gtld-servers.net.
exampel.com.\t172800\tin\tns\tns1.parking.example.
exampel.com.\t172800\tin\tns\tns2.parking.example.
ns1.exampel.com.\t172800\tin\ta\t192.0.2.1
glueonly.com.\t172800\tin\tds\t1 8 2 ABCD
other.com.\t172800\tin\tns\tns.other.example.
"""


@pytest.mark.parametrize("compressed", [False, True], ids=["plain", "gzip"])
def test_scan_zone_files(tmp_path: Path, compressed: bool) -> None:
    path = tmp_path / ("com.zone.gz" if compressed else "com.zone")
    data = ZONE.encode()
    path.write_bytes(gzip.compress(data) if compressed else data)
    scan = scan_zone_files([path], ["exampel.com", "glueonly.com", "free.com", "exampel.net"])
    assert scan.zones == ("com",)
    assert scan.lines == 7
    found = scan.lookups["exampel.com"]
    assert found.status is LookupStatus.FOUND and found.source is Source.ZONE_FILE
    assert found.facts.nameservers == ("ns1.parking.example", "ns2.parking.example")
    assert found.server == str(path)
    assert scan.lookups["glueonly.com"].status is LookupStatus.NOT_FOUND  # DS but no NS
    assert scan.lookups["free.com"].status is LookupStatus.NOT_FOUND
    assert "exampel.net" not in scan.lookups  # another zone: undecided


def test_scan_zone_files_needs_soa(tmp_path: Path) -> None:
    path = tmp_path / "x.zone"
    path.write_text("exampel.com. 3600 IN NS ns1.x.\n")
    with pytest.raises(DataFileError, match="no SOA"):
        scan_zone_files([path], ["exampel.com"])
    with pytest.raises(DataFileError, match="cannot read"):
        scan_zone_files([tmp_path / "missing.zone"], ["exampel.com"])


def test_token_bucket_rate_burst_and_pause() -> None:
    now = [100.0]
    bucket = TokenBucket(rate=2.0, burst=1, clock=lambda: now[0])
    assert [bucket.reserve() for _ in range(3)] == [0.0, 0.5, 1.0]
    now[0] += 10.0  # idle: at most `burst` slots accrue
    assert [bucket.reserve() for _ in range(2)] == [0.0, 0.5]
    bursty = TokenBucket(rate=1.0, burst=3, clock=lambda: now[0])
    assert [bursty.reserve() for _ in range(4)] == [0.0, 0.0, 0.0, 1.0]
    now[0] += 100.0
    bursty.pause(30.0)  # a Retry-After holds everyone back
    assert bursty.reserve() == 30.0
    with pytest.raises(TyporiskError):
        TokenBucket(rate=0)


def test_parse_retry_after() -> None:
    now = dt.datetime(2026, 7, 23, 10, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after("Thu, 23 Jul 2026 10:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 23 Jul 2026 09:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_cache_ttl_and_unknown(tmp_path: Path) -> None:
    now = [1000.0]
    found = Lookup("a.com", LookupStatus.FOUND, Source.RDAP, "https://r/", RegistrationFacts(
        created="2020-01-01", status=("active",), nameservers=("ns.x",)))  # fmt: skip
    gone = Lookup("b.com", LookupStatus.NOT_FOUND, Source.RDAP, "https://r/")
    lost = Lookup("c.com", LookupStatus.UNKNOWN, Source.RDAP, "https://r/", reason="timeout")
    with LookupCache(tmp_path / "c.sqlite", 100.0, 10.0, clock=lambda: now[0]) as cache:
        for item in (found, gone, lost):
            cache.put(item)
        assert cache.get("a.com") == found
        assert cache.get("b.com") == gone
        assert cache.get("c.com") is None  # unknown is asked again
        now[0] += 50.0
        assert cache.get("a.com") == found
        assert cache.get("b.com") is None  # not-found expires sooner
    with LookupCache(tmp_path / "c.sqlite", clock=lambda: now[0]) as again:
        assert again.get("a.com") == found  # persisted on disk
    (tmp_path / "bad.sqlite").write_text("not a database")
    with (
        pytest.raises(DataFileError, match="no-registration-cache"),
        LookupCache(tmp_path / "bad.sqlite"),
    ):
        pass


def test_shipped_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    boot = load_bootstrap()
    assert boot.publication == "2026-07-23T02:00:03Z"
    assert boot.base_urls("exampel.com")[0].startswith("https://")
    assert boot.base_urls("pentagon.ml")  # .ml has RDAP
    for tld in ("de", "io", "co", "mil"):
        assert boot.base_urls(f"x.{tld}") == ()
    assert boot.base_urls("x.kg") == () and boot.base_urls("x.kg", "http")  # http only
    whois = load_whois_servers()
    assert whois["de"] == "whois.denic.de" and "mil" not in whois and "com" not in whois
    # A newer bootstrap in the user cache wins; a damaged one never stops a scan.
    cached = tmp_path / "typorisk" / "rdap_dns.json"
    cached.parent.mkdir()
    cached.write_text(
        '{"publication": "2027-01-01T00:00:00Z", "services": [[["de"], ["https://rdap.denic.de/"]]]}'
    )
    assert load_bootstrap().base_urls("x.de") == ("https://rdap.denic.de/",)
    cached.write_text("{")
    assert load_bootstrap().publication == "2026-07-23T02:00:03Z"


@pytest.mark.parametrize(
    "doc", [{}, {"services": []}, {"services": [["x"]]}, {"services": [[[1], ["u"]]]}]
)
def test_parse_bootstrap_refuses(doc: object) -> None:
    with pytest.raises(DataFileError):
        parse_bootstrap(doc)


@pytest.mark.parametrize(
    ("text", "domain", "status", "reason"),
    [
        ("Domain Name: GOGLE.DE\nRegistrar: R\n", "gogle.de", LookupStatus.FOUND, None),
        ("Domain: xn--bcher-kva.de\nStatus: connect\n", "xn--bcher-kva.de", LookupStatus.FOUND, None),
        ("Domain: bücher.de\nStatus: connect\n", "xn--bcher-kva.de", LookupStatus.FOUND, None),
        ("Domain: other.de\nStatus: connect\n", "gogle.de", LookupStatus.UNKNOWN,
         "answer is about other.de, not gogle.de"),
        ("Registrar: R\nCreation Date: 2020-01-01\n", "gogle.de", LookupStatus.UNKNOWN,
         "answer does not name gogle.de"),
        ("Registrar: R\nCreation Date: 2020-01-01\n% gogle.de.evil.example\n", "gogle.de",
         LookupStatus.UNKNOWN, "answer does not name gogle.de"),
        ("% record for GOGLE.DE\nRegistrar: R\n", "gogle.de", LookupStatus.FOUND, None),
        ("No match for \"GOGLE.DE\".\n", "gogle.de", LookupStatus.NOT_FOUND, None),
    ],
)  # fmt: skip
def test_parse_whois_names_the_asked_domain(
    text: str, domain: str, status: LookupStatus, reason: str | None
) -> None:
    got, _facts, why = parse_whois(text, domain)
    assert (got, why) == (status, reason)


def test_referral_of_pure() -> None:
    assert referral_of("Registrar WHOIS Server: whois.Registrar.example.\n") == (
        "whois.registrar.example"
    )
    assert referral_of("Registrar WHOIS Server: 10.0.0.5\n") == "10.0.0.5"
    assert referral_of("Registrar WHOIS Server: not a host!\n") is None
    assert referral_of("Registrar WHOIS Server: \n") is None
