"""The web stage's pure parts: comparison signals, TLS facts, the class rules, parking data and
the risk effect (no sockets)."""

from __future__ import annotations

import asyncio
import codecs
import datetime as dt
import socket
from pathlib import Path

import mmh3
import pytest

from tests.web.world import BAKERY_PAGE, KIT_PAGE, LOGIN_PAGE, MODIFIED_PAGE, PARKED_PAGE, LabCA
from typorisk.pipeline.rows import BY_NAME, row_problem
from typorisk.rank import Observation, rank
from typorisk.web import Evidence, ScanResolver, WebClass, classify, load_parking
from typorisk.web.compare import (
    decode,
    favicon_hash,
    mentions_brand,
    read_document,
    similarity,
)
from typorisk.web.inspect import WebResult
from typorisk.web.shot import sealed, visual_similarity
from typorisk.web.tls import cert_facts


def test_a_copy_is_identical_and_a_light_edit_stays_similar() -> None:
    own = read_document(LOGIN_PAGE)
    copy = read_document(LOGIN_PAGE.replace("https://brandbank.com/", "https://brandbamk.com/"))
    edited = read_document(MODIFIED_PAGE)
    assert similarity(copy, own).similarity == 1.0
    alike = similarity(edited, own)
    assert 0.6 <= alike.similarity < 1.0
    assert alike.fuzzy is not None and alike.text is not None and alike.forms is not None
    for other in (BAKERY_PAGE, PARKED_PAGE, KIT_PAGE):
        assert similarity(read_document(other), own).similarity < 0.3


def test_what_a_page_says() -> None:
    doc = read_document(LOGIN_PAGE)
    assert doc.title == "BrandBank - Sign in to online banking"
    assert doc.password and "password:password" in doc.fields and "text:customer" in doc.fields
    assert "analytics" not in doc.text and "font-family" not in doc.text  # script, style
    assert doc.icon == "/favicon.ico" and mentions_brand(doc, "brandbank.com")
    assert not mentions_brand(read_document(BAKERY_PAGE), "brandbank.com")
    refresh = read_document('<meta http-equiv="Refresh" content="0; URL=https://x.example/a">')
    assert refresh.refresh == "https://x.example/a"
    assert read_document("<p>hi</p>").fuzzy is None  # too little for TLSH: absent, not 0


def test_binary_bodies_are_not_text() -> None:
    assert decode(b"\x00\x01\x02binary") is None
    assert decode(bytes(range(1, 9)) * 100) is None
    assert decode("café".encode("latin-1"), "text/html; charset=latin-1") == "café"
    assert decode(b"<p>ok</p>", "text/html; charset=nonsense") == "<p>ok</p>"


def test_the_favicon_hash_is_shodans() -> None:
    data = bytes(range(256)) * 4
    # Shodan's documented recipe: mmh3.hash(codecs.encode(data, "base64"))
    assert favicon_hash(data) == mmh3.hash(codecs.encode(data, "base64"))
    assert favicon_hash(data) != favicon_hash(data + b"x")


def test_certificate_facts(tmp_path: Path) -> None:
    ca = LabCA.make()
    now = dt.datetime.now(dt.UTC)
    ca.leaf(["brandbamk.com"], 3, tmp_path)
    facts = cert_facts(ca.issued["brandbamk.com"], "brandbank.com", now)
    assert facts is not None
    assert (facts.issuer, facts.age_days, facts.names) == (
        "Typorisk Test CA",
        3,
        ("brandbamk.com",),
    )
    assert not facts.covers_target and not facts.self_signed
    ca.leaf(["*.brandbank.com"], 100, tmp_path)
    own = cert_facts(ca.issued["*.brandbank.com"], "brandbank.com", now)
    assert own is not None and own.covers_target and own.age_days == 100
    ca.leaf(["kit.example"], 0, tmp_path, self_signed=True)
    selfie = cert_facts(ca.issued["kit.example"], "b.com", now)
    assert selfie is not None and selfie.self_signed and selfie.issuer == "kit.example"
    assert cert_facts(b"not a certificate", "brandbank.com", now) is None


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        (Evidence(redirected=True, lands_on_target=True, similarity=1.0), WebClass.REDIRECT_TARGET),
        (Evidence(redirected=True, lands_on_target=True, error="loop"), WebClass.REDIRECT_TARGET),
        (Evidence(similarity=0.95), WebClass.CLONE),
        (Evidence(similarity=0.45, favicon_match=True), WebClass.CLONE),
        (Evidence(similarity=0.45), WebClass.UNRELATED),
        (Evidence(similarity=0.1, visual=0.95), WebClass.CLONE),
        (Evidence(similarity=0.1, password=True, brand=True), WebClass.LOGIN),
        (Evidence(similarity=0.1, password=True), WebClass.UNRELATED),
        (Evidence(similarity=0.0, parked_by="Sedo"), WebClass.PARKED),
        (Evidence(unreachable=True, error="refused", parked_by="Sedo"), WebClass.PARKED),
        (Evidence(unreachable=True, error="refused"), WebClass.UNREACHABLE),
        (Evidence(error="redirect loop"), WebClass.ERROR),
        (Evidence(redirected=True, other_domain=True, final_host="x.com"), WebClass.REDIRECT_OTHER),
        (Evidence(redirected=True, other_domain=False, similarity=0.0), WebClass.UNRELATED),
    ],
)  # fmt: skip
def test_the_class_rules(evidence: Evidence, expected: WebClass) -> None:
    klass, reasons = classify(evidence)
    assert klass is expected
    assert bool(reasons) == (expected is not WebClass.UNRELATED)


def test_parking_markers_are_data() -> None:
    parking = load_parking()
    assert parking.by_ns(["NS1.SEDOPARKING.COM."]) == "Sedo"
    assert parking.by_ns(["ns1.example-sedoparking.com"]) is None  # a suffix match needs a dot
    assert parking.by_page('<script src="https://img.sedoparking.com/x.js">') == "Sedo"
    assert parking.by_page("<p>Welcome to our shop</p>") is None
    assert parking.by_page("<p>The domain is parked.</p>") == "a parking page"


def test_the_aiohttp_resolver_answers_only_from_the_scan() -> None:
    asyncio.run(_resolver_answers_only_from_the_scan())


async def _resolver_answers_only_from_the_scan() -> None:
    resolver = ScanResolver()
    resolver.learn("Brand.COM.", ["192.0.2.1", "2001:db8::1"])
    found = await resolver.resolve("brand.com", 443)
    assert [(r["host"], r["family"]) for r in found] == [
        ("192.0.2.1", socket.AF_INET),
        ("2001:db8::1", socket.AF_INET6),
    ]
    with pytest.raises(OSError, match="no address from typorisk"):
        await resolver.resolve("localhost", 80)  # the system resolver knows it; we do not
    assert [r["host"] for r in await resolver.resolve("198.51.100.7", 80)] == ["198.51.100.7"]


def test_screenshot_helpers() -> None:
    page = sealed("<p>x</p>", 'https://b.com/"><script>')
    assert page.startswith('<meta http-equiv="Content-Security-Policy" content="script-src')
    assert "&quot;&gt;&lt;script&gt;" in page
    assert visual_similarity("ffffffffffffffff", "ffffffffffffffff") == 1.0
    assert visual_similarity("ffffffffffffffff", "0000000000000000") == 0.0
    assert visual_similarity(None, "00") is None


def test_web_rows_fit_the_schema() -> None:
    result = WebResult("b.com", WebClass.CLONE, "https://b.com/", similarity=0.93, error=None)
    from typorisk.pipeline.rows import columns_of, web_row

    WEB_COLUMNS = columns_of("web")
    row = web_row(result)
    assert tuple(row) == WEB_COLUMNS and all(c in BY_NAME for c in WEB_COLUMNS)
    assert row_problem(row) is None and row["web"] == "clone"


def _obs(domain: str, **web: object) -> Observation:
    return Observation(
        "brandbank.com", domain, "com", 1e-4, ("replacement",), "registered", "implicit",
        a=("192.0.2.9",), **web,  # type: ignore[arg-type]
    )  # fmt: skip


def test_web_evidence_moves_risk() -> None:
    result = rank(
        [
            _obs("plain.com"),
            _obs("fresh.com", web="clone", web_similarity=0.97, web_cert_age_days=3),
            _obs("old.com", web="clone", web_similarity=0.97, web_cert_age_days=400),
            _obs("login.com", web="login"),
            _obs("defence.com", web="redirect-target"),
        ]
    )
    order = [r.obs.domain for r in result.ranked]
    assert order[:3] == ["fresh.com", "old.com", "login.com"]
    assert order[-1] == "defence.com"
    by = {r.obs.domain: r for r in result.ranked}
    assert by["defence.com"].defensive and not by["plain.com"].defensive
    assert any("3 days old" in x for x in by["fresh.com"].reasons)
    assert any("clone" in x for x in by["old.com"].reasons)
    assert [r.obs.domain for r in result.defensive] == ["defence.com"]


@pytest.mark.parametrize(
    "html", ["<![foo[ bar ]]><p>BrandBank</p>", "<![ x<p>BrandBank</p>", "<p>BrandBank</p><![]a"]
)
def test_declarations_html_parser_asserts_on_are_text(html: str) -> None:
    """html.parser raises AssertionError on these; a page that carries one is still read."""
    assert "brandbank" in read_document(html).text


def test_random_markup_never_raises() -> None:
    import random

    rng = random.Random(19)
    alphabet = "<>!/[]-?&#;=\"' abcxCDATAdoctype"
    for _ in range(5000):
        read_document("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))))
