"""The question state machine without sockets: replies are dnspython messages built in memory,
and every transition of the retry policy is driven by hand."""

from __future__ import annotations

import dns.flags
import dns.message
import dns.rcode
import dns.rrset
import pytest

from typorisk.resolve import Outcome, Registration, classify, wire
from typorisk.resolve.question import Done, Question, RetryPolicy, Send, Wait, read_reply
from typorisk.resolve.transport import NameServer, Reply

NAME = "example.com"
QUESTION = wire.question(NAME, 2)
S1, S2, S3 = (NameServer("127.0.0.1", port) for port in (5301, 5302, 5303))


def question(*pool: NameServer, start: int = 0, limit: int = 3) -> Question:
    policy = RetryPolicy(limit, timeout=1.5, backoff=0.1, jitter=lambda: 1.0)
    return Question(QUESTION, True, pool or (S1, S2), start, policy)


def reply(
    rcode: dns.rcode.Rcode = dns.rcode.NXDOMAIN,
    *,
    truncated: bool = False,
    junk: bytes = b"",
    tcp: bool = False,
    ns: str | None = None,
) -> Reply:
    response = dns.message.make_response(dns.message.make_query(NAME, "NS"))
    response.set_rcode(rcode)
    if truncated:
        response.flags |= dns.flags.TC
    if ns is not None:
        response.answer.append(dns.rrset.from_text(NAME + ".", 300, "IN", "NS", ns))
    checked = read_reply(response.to_wire() + junk, QUESTION, tcp=tcp)
    assert checked is not None
    return checked


def sends(q: Question) -> Send:
    action = q.next_attempt()
    assert isinstance(action, Send), action
    return action


def test_first_action_is_udp_to_the_start_server() -> None:
    assert question(S1, S2, S3, start=1).next_attempt() == Send(S2, False, 1.5, False)


@pytest.mark.parametrize("rcode", [dns.rcode.NXDOMAIN, dns.rcode.NOERROR, dns.rcode.FORMERR])
def test_a_reply_ends_the_question(rcode: dns.rcode.Rcode) -> None:
    q = question()
    sends(q)
    answer = reply(rcode)
    q.on_reply(answer)
    assert q.next_attempt() == Done(answer, 1)
    assert q.next_attempt() == Done(answer, 1)  # stays over


def test_a_timeout_backs_off_then_asks_the_next_server() -> None:
    q = question(S1, S2, S3)
    sends(q)
    q.on_timeout()
    assert q.next_attempt() == Wait(0.1)
    assert q.next_attempt() == Send(S2, False, 1.5, True)
    q.on_timeout()
    assert q.next_attempt() == Wait(0.2)  # doubled
    assert sends(q).server == S3


def test_every_try_timed_out_is_unknown_never_unregistered() -> None:
    q = question(limit=3)
    for _ in range(3):
        while isinstance(action := q.next_attempt(), Wait):
            pass
        assert isinstance(action, Send)
        q.on_timeout()
    done = q.next_attempt()
    assert done == Done(None, 3)
    assert isinstance(done, Done)
    outcome = classify.outcome_of_reply(done.reply, NAME)
    assert outcome is Outcome.TIMEOUT and outcome.registration is Registration.UNKNOWN


def test_servers_rotate_from_the_start_and_wrap() -> None:
    q = question(S1, S2, S3, start=2, limit=4)
    servers = []
    while not isinstance(action := q.next_attempt(), Done):
        if isinstance(action, Send):
            servers.append(action.server)
            q.on_reply(reply(dns.rcode.REFUSED))
    assert servers == [S3, S1, S2, S3]


def test_truncated_udp_goes_to_tcp_on_the_same_server_in_the_same_try() -> None:
    q = question()
    sends(q)
    q.on_reply(reply(truncated=True))
    assert q.next_attempt() == Send(S1, True, 1.5, False)
    final = reply(tcp=True, ns="ns1.example.net.")
    q.on_reply(final)
    assert q.next_attempt() == Done(final, 2) and q.made == 1
    assert final.answers is not None and final.tcp


def test_a_truncated_reply_over_tcp_is_final() -> None:
    q = question()
    sends(q)
    q.on_reply(reply(truncated=True))
    sends(q)
    again = reply(truncated=True, tcp=True)
    q.on_reply(again)
    assert q.next_attempt() == Done(again, 2)


def test_a_tcp_timeout_ends_the_try_and_the_next_goes_back_to_udp() -> None:
    q = question()
    sends(q)
    q.on_reply(reply(truncated=True))
    assert sends(q).tcp
    q.on_timeout()
    assert q.next_attempt() == Wait(0.1)
    assert q.next_attempt() == Send(S2, False, 1.5, True)


def test_servfail_backs_off_moves_on_and_is_returned_when_it_persists() -> None:
    q = question(limit=2)
    sends(q)
    q.on_reply(reply(dns.rcode.SERVFAIL))
    assert q.next_attempt() == Wait(0.1)
    assert sends(q).server == S2
    last = reply(dns.rcode.SERVFAIL)
    q.on_reply(last)
    done = q.next_attempt()
    assert done == Done(last, 2)
    assert isinstance(done, Done)
    assert classify.outcome_of_reply(done.reply, NAME).registration is Registration.UNKNOWN


def test_servfail_then_an_answer_from_the_next_server() -> None:
    q = question()
    sends(q)
    q.on_reply(reply(dns.rcode.SERVFAIL))
    q.next_attempt()
    sends(q)
    answer = reply(dns.rcode.NXDOMAIN)
    q.on_reply(answer)
    assert q.next_attempt() == Done(answer, 2)


def test_refused_moves_on_at_once_with_several_servers() -> None:
    q = question()
    sends(q)
    q.on_reply(reply(dns.rcode.REFUSED))
    assert q.next_attempt() == Send(S2, False, 1.5, True)


def test_refused_ends_the_question_with_one_server() -> None:
    q = question(S1)
    sends(q)
    refused = reply(dns.rcode.REFUSED)
    q.on_reply(refused)
    assert q.next_attempt() == Done(refused, 1)


def test_malformed_is_retried_at_once_and_a_second_one_ends_it() -> None:
    q = question(limit=5)
    sends(q)
    first = reply(junk=b"junk")
    assert first.malformed
    q.on_reply(first)
    assert q.next_attempt() == Send(S2, False, 1.5, True)  # no backoff
    second = reply(junk=b"\x00")
    q.on_reply(second)
    assert q.next_attempt() == Done(second, 2)


def test_a_malformed_reply_is_returned_when_only_timeouts_follow() -> None:
    q = question(limit=3)
    sends(q)
    broken = reply(junk=b"junk")
    q.on_reply(broken)
    sends(q)
    q.on_timeout()
    sends(q)  # no backoff after a malformed reply and a timeout
    q.on_timeout()
    done = q.next_attempt()
    assert done == Done(broken, 3)
    assert isinstance(done, Done)
    assert classify.outcome_of_reply(done.reply, NAME) is Outcome.MALFORMED


def test_resent_queries_are_counted_twice() -> None:
    q = question()
    sends(q)
    q.on_timeout(resent=True)
    q.next_attempt()
    sends(q)
    answer = reply()
    q.on_reply(answer, resent=True)
    assert q.next_attempt() == Done(answer, 4)


def test_default_jitter_stays_within_half_and_one_and_a_half() -> None:
    waits = []
    for _ in range(50):
        q = Question(QUESTION, True, (S1,), policy=RetryPolicy(backoff=1.0))
        q.next_attempt()
        q.on_timeout()
        action = q.next_attempt()
        assert isinstance(action, Wait)
        waits.append(action.seconds)
    assert all(0.5 <= w < 1.5 for w in waits) and len(set(waits)) > 1


def test_a_question_needs_a_server_and_a_try() -> None:
    with pytest.raises(ValueError):
        Question(QUESTION, True, ())
    with pytest.raises(ValueError):
        RetryPolicy(tries=0)


def test_read_reply_checks_before_the_header_is_believed() -> None:
    assert read_reply(b"\x00" * 11, QUESTION, tcp=False) is None
    clean = reply()
    assert not clean.malformed and clean.answers is None
    assert reply(junk=b"x").malformed
    with_answer = reply(dns.rcode.NOERROR, ns="ns1.example.net.")
    assert with_answer.answers is not None and len(with_answer.answers) == 1
    # A truncated UDP reply is kept unchecked (TCP decides); over TCP it is checked.
    assert not reply(truncated=True, junk=b"x").malformed
    assert reply(truncated=True, junk=b"x", tcp=True).malformed


def test_udp_now_says_what_next_attempt_would_send_without_making_it() -> None:
    q = question(S1, S2)
    assert q.udp_now() == S1
    sends(q)
    q.on_timeout()
    assert q.udp_now() is None  # a backoff is due first
    assert isinstance(q.next_attempt(), Wait)
    assert q.udp_now() == S2
    q.on_reply(reply(truncated=True))
    assert q.udp_now() is None  # TCP is next
    sends(q)
    q.on_reply(reply(tcp=True))
    assert q.udp_now() is None and isinstance(q.next_attempt(), Done)
