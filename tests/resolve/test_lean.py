"""The lean answer reader against dnspython, its reference: on random messages (every type it
reads, compression, hostile label bytes, other sections) both read the same answers; on random
mutations of them, whatever the lean reader accepts dnspython accepts, with the same answers."""

from __future__ import annotations

import dns.exception
import dns.message
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from typorisk.resolve import lean, wire
from typorisk.resolve.classify import text_name
from typorisk.resolve.lean import Record, read_answers
from typorisk.resolve.wire import question_end

# dnspython draws message ids from the random module while hypothesis builds examples.
pytestmark = pytest.mark.filterwarnings("ignore:Do not use the `random` module")

LABEL = st.one_of(
    st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
    st.binary(min_size=1, max_size=8),  # any bytes: dots, spaces, ESC, backslashes, 0xff
)
NAME = st.lists(LABEL, min_size=0, max_size=4).map(
    lambda labels: dns.name.Name([*(lab if isinstance(lab, bytes) else lab.encode()
                                    for lab in labels), b""])
)  # fmt: skip
BASE = dns.name.from_text("example.test")


def _rdata(rdtype: str, draw: st.DrawFn) -> dns.rdata.Rdata:
    if rdtype == "A":
        return dns.rdata.from_text("IN", "A", ".".join(str(draw(st.integers(0, 255)))
                                                      for _ in range(4)))  # fmt: skip
    if rdtype == "AAAA":
        raw = draw(st.binary(min_size=16, max_size=16))
        return dns.rdata.from_wire("IN", "AAAA", raw, 0, 16)
    if rdtype in ("NS", "CNAME"):
        target = draw(NAME).derelativize(BASE) if draw(st.booleans()) else draw(NAME)
        return dns.rdata.from_text("IN", rdtype, target.to_text())
    if rdtype == "MX":
        target = draw(NAME)
        return dns.rdata.from_text("IN", "MX", f"{draw(st.integers(0, 65535))} {target}")
    strings = draw(st.lists(st.binary(max_size=20), min_size=1, max_size=3))
    return dns.rdata.from_wire("IN", "TXT", b"".join(bytes([len(s)]) + s for s in strings), 0,
                               sum(len(s) + 1 for s in strings))  # fmt: skip


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    query = dns.message.make_query(BASE, "NS", id=4660)
    response = dns.message.make_response(query)
    owners = [BASE, *draw(st.lists(NAME, max_size=2))]
    for _ in range(draw(st.integers(0, 6))):
        rdtype = draw(st.sampled_from(["A", "AAAA", "NS", "CNAME", "MX", "TXT"]))
        owner = draw(st.sampled_from(owners))
        rrset = response.find_rrset(
            response.answer, owner, dns.rdataclass.IN, dns.rdatatype.from_text(rdtype),
            create=True,
        )  # fmt: skip
        rrset.add(_rdata(rdtype, draw), 300)
    if draw(st.booleans()):
        response.authority.append(
            dns.rrset.from_text(BASE, 300, "IN", "SOA", "ns.test. admin.test. 1 2 3 4 5")
        )
    if draw(st.booleans()):
        response.additional.append(dns.rrset.from_text("ns.test.", 300, "IN", "A", "192.0.2.1"))
    if draw(st.booleans()):
        response.use_edns(0, 0, 1232)
    try:
        return response.to_wire()
    except dns.exception.TooBig:
        return dns.message.make_response(query).to_wire()


def _reference(data: bytes) -> list[Record] | None:
    """The answers as dnspython reads them, as lean :class:`Record` values."""
    try:
        message = dns.message.from_wire(data)
    except (dns.exception.DNSException, ValueError):
        return None
    out = []
    for rrset in message.answer:
        owner = text_name(rrset.name)
        for rd in rrset:
            value: object = None
            rdtype = rrset.rdtype
            if rdtype in (lean.A, lean.AAAA) and rrset.rdclass != dns.rdataclass.IN:
                rdtype = -rdtype
            elif rdtype in (lean.A, lean.AAAA):
                value = rd.address
            elif rdtype in (lean.NS, lean.CNAME):
                value = text_name(rd.target)
            elif rdtype == lean.MX:
                value = (rd.preference, text_name(rd.exchange))
            elif rdtype == lean.TXT:
                value = b"".join(rd.strings)
            out.append(Record(owner, rdtype, value))
    return out


def _answer_only(data: bytes, end: int) -> bytes:
    """``data`` cut after its answer section (authority and additional counts set to 0): the
    part the lean reader reads, for dnspython to read too."""
    pos = end
    for _ in range(data[6] << 8 | data[7]):
        pos = wire._skip_name(data, pos, len(data))
        pos += 10 + (data[pos + 8] << 8 | data[pos + 9])
    return data[:8] + b"\x00\x00\x00\x00" + data[12:pos]


def _same(ours: tuple[Record, ...], theirs: list[Record]) -> bool:
    """Equal as sets (dnspython merges a type's records into one rrset and drops duplicates)."""
    return set(ours) == set(theirs)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages())
def test_the_lean_reader_reads_what_dnspython_reads(data: bytes) -> None:
    ours = read_answers(data, question_end(data))
    theirs = _reference(data)
    assert ours is not None and theirs is not None
    assert _same(ours, theirs)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messages(), st.data())
def test_mutated_answers_it_accepts_are_answers_dnspython_accepts(
    data: bytes, more: st.DataObject
) -> None:
    mutated = bytearray(data)
    for _ in range(more.draw(st.integers(1, 4))):
        how = more.draw(st.sampled_from(["flip", "cut", "append", "insert"]))
        at = more.draw(st.integers(12, max(12, len(mutated) - 1)))
        if how == "flip" and at < len(mutated):
            mutated[at] = more.draw(st.integers(0, 255))
        elif how == "cut":
            del mutated[at:]
        elif how == "append":
            mutated += more.draw(st.binary(min_size=1, max_size=4))
        else:
            mutated[at:at] = more.draw(st.binary(min_size=1, max_size=3))
    raw = bytes(mutated)
    if len(raw) < 12:
        return
    end = question_end(data)  # the client matched the original question before reading
    if raw[12:end] != data[12:end]:
        return
    ours = read_answers(raw, end)
    if ours is None:
        return
    theirs = _reference(_answer_only(raw, end))
    if theirs is None:
        # Only data the lean reader does not read may be what dnspython refused.
        assert any(r.value is None for r in ours), "it accepted answers dnspython rejects"
        return
    assert _same(ours, theirs)


def test_hostile_label_bytes_print_as_dnspython_prints_them() -> None:
    name = dns.name.Name([b"a b", b"x.y", b"\x1b[31m", b"Q\\", b"test", b""])
    response = dns.message.make_response(dns.message.make_query(BASE, "MX", id=4660))
    response.answer.append(dns.rrset.from_rdata(BASE, 60, dns.rdata.from_text(
        "IN", "MX", f"10 {name.to_text()}")))  # fmt: skip
    data = response.to_wire()
    ours = read_answers(data, question_end(data))
    assert ours is not None
    assert ours[0].value == (10, text_name(name)) == (10, "a\\032b.x\\.y.\\027[31m.q\\\\.test")


def test_pointers_that_do_not_point_backwards_are_refused() -> None:
    response = dns.message.make_response(dns.message.make_query(BASE, "NS", id=4660))
    response.answer.append(dns.rrset.from_text(BASE, 60, "IN", "NS", "ns.example.test."))
    data = bytearray(response.to_wire())
    end = question_end(bytes(data))
    assert read_answers(bytes(data), end) is not None
    data[end : end + 2] = bytes([0xC0, end & 0xFF])  # the owner points at itself
    assert read_answers(bytes(data), end) is None
