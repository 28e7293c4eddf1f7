"""One DNS question's retry policy as a state machine, with no I/O (pure: no socket, no clock).

The way dnspython's ``dns.resolver._Resolution`` holds the business logic that its sync and
async resolvers share, :class:`Question` holds what :class:`~typorisk.resolve.client.DnsClient`
does with one question, and the client only sends, receives and waits. The driver loop::

    while True:
        action = question.next_attempt()
        if isinstance(action, Done):   # action.reply (None: no reply at all), action.sent
            break
        if isinstance(action, Wait):   # back off action.seconds, then ask again
            ...
        else:                          # Send: one query to action.server (UDP, or TCP)
            ... question.on_reply(reply) or question.on_timeout() ...

The policy (:class:`RetryPolicy`: up to ``tries`` tries, each at the next server of ``pool`` in
rotation from ``start``):

- a reply other than SERVFAIL ends the question; REFUSED moves on to the next server without
  waiting (it ends the question only when the pool has one server);
- a SERVFAIL is retried, after a backoff, and returned if it persists;
- a truncated UDP reply is asked again over TCP of the same server, as part of the same try;
- a malformed reply is retried at once, on the next server; a second one ends the question;
- a timeout is retried after a backoff; when every try timed out, :class:`Done` carries
  ``reply=None``, which callers read as *unknown*, never as "not registered".

The backoff before a retry after a timeout or SERVFAIL is ``backoff × 2^(tries made - 1)``
seconds times a jitter in [0.5, 1.5) (``Policy.jitter``, injectable for tests). "After a
SERVFAIL" means the latest reply so far was a well-formed SERVFAIL.

:func:`read_reply` is the check every reply passes before its header is believed.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from typorisk.resolve import wire
from typorisk.resolve.lean import read_answers
from typorisk.resolve.transport import NameServer, Reply


class Send(NamedTuple):
    """Send the question once to ``server``, then report its end (``on_reply``, ``on_timeout``)."""

    server: NameServer
    tcp: bool
    """Over TCP (the retry of a truncated UDP reply); else UDP."""
    timeout: float
    """Seconds to wait for the reply."""
    retry: bool
    """A new try after an earlier one ended (the TCP follow-up of a try is no retry)."""


class Wait(NamedTuple):
    """Back off: call :meth:`Question.next_attempt` again after ``seconds`` (> 0)."""

    seconds: float


class Done(NamedTuple):
    """The question is over: its final reply and the queries it sent (resends included).

    ``reply`` is the latest reply received (possibly malformed, SERVFAIL or REFUSED), or
    ``None`` when every try timed out: the name's state is then unknown."""

    reply: Reply | None
    sent: int


Action = Send | Wait | Done
"""What :meth:`Question.next_attempt` asks its driver to do."""


def _jitter() -> float:
    return random.uniform(0.5, 1.5)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """The retry policy that questions share (one per client).

    Raises ``ValueError`` for fewer than one try.
    """

    tries: int = 3
    """Tries at most (≥ 1; a try is UDP plus its TCP follow-up when truncated)."""
    timeout: float = 2.0
    """Seconds to wait for each reply."""
    backoff: float = 0.05
    """Seconds before the first retry after a timeout or SERVFAIL (doubled each try)."""
    jitter: Callable[[], float] = field(default=_jitter)
    """The backoff's random factor, a number in [0.5, 1.5)."""

    def __post_init__(self) -> None:
        if self.tries < 1:
            raise ValueError("a question needs at least one try")


DEFAULT_POLICY = RetryPolicy()


class Question:
    """One question (``wire``, RD flag ``rd``) and its tries so far; see the module docstring.

    Args:
        wire: the question section (:func:`typorisk.resolve.wire.question`).
        rd: recursion desired (False for authoritative servers).
        pool: servers, tried in rotation (at least one).
        start: index in ``pool`` of the first try's server.
        policy: tries, timeout and backoff.

    Invariants: ``over`` once a reply ended the question or ``policy.tries`` were made; ``last``
    is the latest reply (``None`` while every try timed out); ``sent`` counts every query sent.
    """

    __slots__ = ("_tcp", "_waited", "last", "made", "malformed", "over", "policy", "pool", "rd",
                 "sent", "start", "wire")  # fmt: skip

    def __init__(
        self,
        wire: bytes,
        rd: bool,
        pool: tuple[NameServer, ...],
        start: int = 0,
        policy: RetryPolicy = DEFAULT_POLICY,
    ) -> None:
        if not pool:
            raise ValueError("a question needs at least one server")
        self.wire = wire
        self.rd = rd
        self.pool = pool
        self.start = start
        self.policy = policy
        self.made = 0
        """Tries ended so far."""
        self.sent = 0
        self.malformed = 0
        """Malformed replies so far."""
        self.last: Reply | None = None
        self.over = False
        self._tcp = False
        """The current try's UDP reply was truncated: its TCP follow-up is next."""
        self._waited = False
        """The backoff before the next try was handed out already."""

    def server(self) -> NameServer:
        """The server of the current (or next) try."""
        return self.pool[(self.start + self.made) % len(self.pool)]

    @property
    def done(self) -> Done | None:
        """The result once the question is over, else ``None`` (no action is consumed)."""
        return Done(self.last, self.sent) if self.over else None

    def udp_now(self) -> NameServer | None:
        """The server of the next action when it is a UDP :class:`Send` to make at once (no
        backoff due, no TCP follow-up, not over), else ``None``: the allocation-free check of
        the driver's callback path (:meth:`next_attempt` says the same)."""
        if self.over or self._tcp or (self.made and not self._waited):
            return None
        return self.pool[(self.start + self.made) % len(self.pool)]

    def next_attempt(self) -> Action:
        """What to do now: :class:`Send`, :class:`Wait` (once before a retry that backs off),
        or :class:`Done`. Between two sends the driver reports the first one's end."""
        if self.over:
            return Done(self.last, self.sent)
        if self._tcp:
            return Send(self.server(), True, self.policy.timeout, False)
        made = self.made
        if made and not self._waited:
            self._waited = True
            last = self.last
            if last is None or (last.header.rcode == wire.RCODE_SERVFAIL and not last.malformed):
                policy = self.policy
                return Wait(policy.backoff * 2 ** (made - 1) * policy.jitter())
        return Send(self.server(), False, self.policy.timeout, made > 0)

    def on_reply(self, reply: Reply, *, resent: bool = False) -> None:
        """The current send got ``reply`` (``resent``: the query went out twice, UDP).

        A truncated reply over UDP leaves the try open for its TCP follow-up; a truncated reply
        over TCP is a reply like any other."""
        self.sent += 2 if resent else 1
        flags = reply.header.flags
        if not self._tcp and flags & wire.FLAG_TC:
            self._tcp = True
            return
        self._tcp = False
        self.last = reply
        if reply.malformed:
            self.malformed += 1
            self.over = self.malformed > 1
        else:
            rcode = flags & 0x000F
            if rcode != wire.RCODE_SERVFAIL and (
                rcode != wire.RCODE_REFUSED or len(self.pool) == 1
            ):
                self.over = True
        self.made += 1
        self._waited = False
        if self.made >= self.policy.tries:
            self.over = True

    def on_timeout(self, *, resent: bool = False) -> None:
        """The current send got no usable reply within its timeout (or could not be sent)."""
        self.sent += 2 if resent else 1
        self._tcp = False
        self.made += 1
        self._waited = False
        if self.made >= self.policy.tries:
            self.over = True


def read_reply(data: bytes, question_wire: bytes, *, tcp: bool) -> Reply | None:
    """``data`` (a reply that matched ``question_wire``) checked: ``None`` when it has no
    header (no reply at all); a truncated UDP reply as it is (its TCP retry decides); else a
    :class:`Reply`, ``malformed`` when its structure is broken, with its answers read when it
    has any (NOERROR or NXDOMAIN with ANCOUNT > 0: a bad record then makes it malformed)."""
    header = wire.read_header(data)
    if header is None:
        return None
    if not tcp and header.flags & wire.FLAG_TC:
        return Reply(header, data)
    end = wire.HEADER.size + len(question_wire)
    answers = None
    if header.ancount and header.rcode in (wire.RCODE_NOERROR, wire.RCODE_NXDOMAIN):
        answers = read_answers(data, end)
        ok = answers is not None
    else:
        ok = wire.well_formed(data, end)
    if not ok:
        return Reply(header, data, tcp=tcp, malformed=True)
    return Reply(header, data, tcp=tcp, answers=answers)
