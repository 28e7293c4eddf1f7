"""Pure parts: hand-built wire format (checked with dnspython), reply matching, mail rules."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import pytest

from typorisk.errors import ResolverConfigError
from typorisk.resolve import Mail, MxHost, NameServer, Outcome, Registration, classify, wire


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


def _reply(qname: str, qtype: str, rcode: int = dns.rcode.NXDOMAIN) -> bytes:
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
