"""Pure parts: hand-built wire format (checked with dnspython), reply matching and structure,
RFC 6604, the wildcard rule, mail rules."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from typorisk.errors import ResolverConfigError
from typorisk.resolve import (
    Mail,
    MxHost,
    NameServer,
    Outcome,
    Records,
    Registration,
    classify,
    wire,
)
from typorisk.resolve.lean import read_answers
from typorisk.resolve.transport import Reply
from typorisk.resolve.wildcard import ZoneWildcard
from typorisk.resolve.wire import question_end


@pytest.mark.parametrize("qtype", [1, 2, 15, 16, 28, 65])
@pytest.mark.parametrize("rd", [True, False])
def test_built_query_parses_in_dnspython(qtype: int, rd: bool) -> None:
    data = wire.build_query(0xBEEF, wire.question("xn--bcher-kva.example.co.uk", qtype), rd=rd)
    message = dns.message.from_wire(data)
    assert message.id == 0xBEEF
    assert message.question[0].name.to_text() == "xn--bcher-kva.example.co.uk."
    assert message.question[0].rdtype == qtype
    assert bool(message.flags & dns.flags.RD) is rd
    assert message.edns == 0 and message.payload == wire.EDNS_PAYLOAD


@pytest.mark.parametrize("bad", ["a..b", "x" * 64 + ".com", ".".join(["abcdefgh"] * 32), "é.com"])
def test_encode_name_rejects_invalid_names(bad: str) -> None:
    with pytest.raises(ValueError):
        wire.encode_name(bad)


def _reply(qname: str, qtype: str, rcode: dns.rcode.Rcode = dns.rcode.NXDOMAIN) -> bytes:
    query = dns.message.make_query(qname, qtype)
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    return response.to_wire()


def test_question_match_is_case_insensitive_on_the_name_only() -> None:
    question = wire.question("example.com", 2)
    assert wire.question_matches(_reply("ExAmPlE.CoM", "NS"), question)
    assert not wire.question_matches(_reply("example.org", "NS"), question)
    assert not wire.question_matches(_reply("example.com", "A"), question)
    assert not wire.question_matches(_reply("example.com", "NS")[:20], question)
    # Type 65 is b"\x00A": lowercasing it would turn it into type 97.
    assert not wire.question_matches(
        _reply("example.com", "TYPE97"), wire.question("example.com", 65)
    )


def test_header_decides_nxdomain() -> None:
    header = wire.read_header(_reply("nope.example", "NS"))
    assert header is not None and header.is_response and header.rcode == wire.RCODE_NXDOMAIN
    assert wire.read_header(b"\x00" * 11) is None


@pytest.mark.parametrize(
    ("mx", "a", "known", "expected"),
    [
        ((MxHost(10, "mx.example"),), (), True, Mail.MX),
        ((MxHost(0, ""),), ("192.0.2.1",), True, Mail.NULL_MX),
        ((MxHost(0, ""), MxHost(10, "mx.example")), (), True, Mail.MX),
        ((), ("192.0.2.1",), True, Mail.IMPLICIT),
        ((), (), True, Mail.NONE),
        ((), ("192.0.2.1",), False, Mail.UNKNOWN),
    ],
)
def test_mail_capability(
    mx: tuple[MxHost, ...], a: tuple[str, ...], known: bool, expected: Mail
) -> None:
    assert classify.mail_of(mx, a, (), mx_known=known) is expected


@pytest.mark.parametrize(
    ("rcode", "ancount", "outcome", "registration"),
    [
        (3, 0, Outcome.NXDOMAIN, Registration.UNREGISTERED),
        (0, 0, Outcome.NODATA, Registration.REGISTERED),
        (0, 2, Outcome.ANSWER, Registration.REGISTERED),
        (2, 0, Outcome.SERVFAIL, Registration.UNKNOWN),
        (5, 0, Outcome.REFUSED, Registration.UNKNOWN),
        (1, 0, Outcome.ERROR, Registration.UNKNOWN),
    ],
)
def test_a_failure_is_never_registered_nor_free(
    rcode: int, ancount: int, outcome: Outcome, registration: Registration
) -> None:
    assert classify.outcome_of_rcode(rcode, ancount) is outcome
    assert outcome.registration is registration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9.9.9.9", NameServer("9.9.9.9", 53)),
        ("127.0.0.1:5353", NameServer("127.0.0.1", 5353)),
        ("::1", NameServer("::1", 53)),
        ("[2001:db8::1]:853", NameServer("2001:db8::1", 853)),
    ],
)
def test_nameserver_parse(text: str, expected: NameServer) -> None:
    assert NameServer.parse(text) == expected


@pytest.mark.parametrize("text", ["dns.google", "1.2.3.4:0", "1.2.3.4:x", "[::1]:99999"])
def test_nameserver_parse_rejects(text: str) -> None:
    with pytest.raises(ResolverConfigError):
        NameServer.parse(text)


def _nx_with_soa(qname: str = "nope.example.com") -> bytes:
    response = dns.message.make_response(dns.message.make_query(qname, "NS"))
    response.set_rcode(dns.rcode.NXDOMAIN)
    response.authority.append(
        dns.rrset.from_text("example.com.", 60, "IN", "SOA", "ns.example.com. a.example. 1 2 3 4 5")
    )
    return response.to_wire()


_Q_END = 12 + len(wire.question("nope.example.com", 2))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_nx_with_soa(), True),
        (_nx_with_soa() + b"\x00", False),  # trailing junk
        (_nx_with_soa()[:-3], False),  # the last record cut
        (_nx_with_soa()[:_Q_END] + b"\xff\xff" + _nx_with_soa()[_Q_END + 2 :], False),  # pointer
        (_nx_with_soa()[:_Q_END] + b"\x40abc", False),  # a label type that does not exist
    ],
)
def test_structural_check(data: bytes, expected: bool) -> None:
    assert wire.well_formed(data, _Q_END) is expected


def _checked(data: bytes, *, malformed: bool = False) -> Reply:
    header = wire.read_header(data)
    assert header is not None
    answers = None if malformed else read_answers(data, question_end(data))
    return Reply(header, data, answers=answers)


def _nx_alias(owner: str) -> bytes:
    response = dns.message.make_response(dns.message.make_query("alias.example", "NS"))
    response.set_rcode(dns.rcode.NXDOMAIN)
    response.answer.append(dns.rrset.from_text(owner, 60, "IN", "CNAME", "gone.example."))
    return response.to_wire()


def test_rfc6604_nxdomain_with_a_cname_means_the_name_exists() -> None:
    assert classify.outcome_of_reply(_checked(_nx_alias("ALIAS.example.")), "alias.example") is (
        Outcome.ANSWER
    )
    # Answers that are no chain from the name asked: an unusable reply, never "free".
    assert classify.outcome_of_reply(_checked(_nx_alias("other.example.")), "alias.example") is (
        Outcome.ERROR
    )
    plain = _checked(_nx_with_soa())
    assert classify.outcome_of_reply(plain, "nope.example.com") is Outcome.NXDOMAIN
    broken = Reply(plain.header, plain.wire, malformed=True)
    assert classify.outcome_of_reply(broken, "nope.example.com") is Outcome.MALFORMED
    assert classify.outcome_of_reply(None, "nope.example.com") is Outcome.TIMEOUT
    assert Outcome.MALFORMED.registration is Registration.UNKNOWN
    assert Outcome.PROBE_FAILED.registration is Registration.UNKNOWN


_A, _B, _C = ("192.0.2.1",), ("192.0.2.2",), ("192.0.2.1", "192.0.2.2")
_MX = (MxHost(10, "mx.example"),)


@pytest.mark.parametrize(
    ("samples", "name", "explained"),
    [
        # A stable wildcard: equal records, or a subset, are the wildcard's; anything else is not.
        ([Records(a=_C)] * 4, Records(a=_C), True),
        ([Records(a=_C)] * 4, Records(a=_A), True),
        ([Records(a=_A)] * 4, Records(a=_B), False),
        ([Records(a=_A)] * 4, Records(a=_A, mx=_MX), False),  # an MX the wildcard never gives
        ([Records(a=_A)] * 4, Records(ns=("ns.example",), a=_A), False),  # a delegation
        ([Records(a=_A, mx=_MX)] * 4, Records(a=_A), False),  # the wildcard's MX is missing
        # A rotating wildcard: any addresses of the rotating type.
        ([Records(a=_A), Records(a=_B), Records(a=_A), Records(a=_C)], Records(a=_B), True),
        ([Records(a=_A), Records(a=_B)], Records(a=("198.51.100.7",)), True),
        ([Records(a=_A), Records(a=_B)], Records(aaaa=("2001:db8::1",)), False),
        # CNAME wildcards: same target.
        ([Records(cname="t.example")] * 4, Records(cname="t.example"), True),
        ([Records(cname="t.example")] * 4, Records(cname="u.example"), False),
    ],
)
def test_wildcard_rule(samples: list[Records], name: Records, explained: bool) -> None:
    assert ZoneWildcard("zone.example", True, tuple(samples)).explains(name) is explained


def test_a_zone_not_known_to_be_wildcarded_explains_nothing() -> None:
    assert not ZoneWildcard("zone.example", False).explains(Records())
    assert not ZoneWildcard("zone.example", None).explains(Records())


def test_mail_is_unknown_when_the_address_lookups_failed() -> None:
    assert classify.mail_of((), (), (), mx_known=True, addresses_known=False) is Mail.UNKNOWN
    assert (
        classify.mail_of((), ("192.0.2.1",), (), mx_known=True, addresses_known=False)
        is Mail.IMPLICIT
    )


def test_a_resolver_on_this_host_starts_faster_and_a_share_divides_the_start() -> None:
    from typorisk.kit.rate import LOCAL_START_RATE, START_RATE
    from typorisk.resolve import DnsClient

    servers = [NameServer("127.0.0.1", 53), NameServer("::1", 53), NameServer("192.0.2.1", 53)]
    client = DnsClient(servers)
    rates = [client._pace(s).rate for s in servers]
    assert rates == [LOCAL_START_RATE, LOCAL_START_RATE, START_RATE]
    shared = DnsClient(servers, share=0.25)
    assert [shared._pace(s).rate for s in servers] == [r / 4 for r in rates]
    fixed = DnsClient(servers, start_rate=500.0, rate=300.0)
    assert {fixed._pace(s).rate for s in servers} == {300.0}  # capped by the ceiling


@pytest.mark.parametrize(
    ("source", "name", "suffix"),
    [
        ("ExAmple.COM.", "example.com", None),
        ("com", None, None),
        ("bad..name", None, None),
        ("é.com", None, None),
    ],
)
def test_an_input_becomes_an_item_once(source: str, name: str | None, suffix: str | None) -> None:
    from typorisk.resolve.names import item_of

    item = item_of(source)
    assert (item.source, item.text, item.name, item.suffix) == (source, source, name, suffix)
    assert item.name_wire == (wire.encode_name(name) if name else b"")


def test_a_candidate_item_keeps_its_suffix_and_blocked_name() -> None:
    from typorisk.model import Candidate
    from typorisk.resolve.names import item_of, zones_of

    candidate = Candidate("corp.co.uk", "cprp.co.uk", "us.cprp.co.uk", "cprp.co.uk",
                          ("omission",), 0.1, "co.uk")  # fmt: skip
    item = item_of(candidate)
    assert item.source is candidate and item.name == "cprp.co.uk" and item.suffix == "co.uk"
    assert zones_of(item, "cprp.co.uk") == ("co.uk",)
