"""The DNS client's statistics: events, counted in one place, read as frozen records.

The client reports what happens to each query as an :class:`QueryEvent` (with the server's row, and
the rcode of a checked reply) to its :class:`Tally`; :meth:`Tally.note` is the only code that
increments a counter: one per event and server (the hot path pays one increment), folded into
the totals when they are read (``sent`` is UDP, TCP and resent queries together). Readers get
frozen snapshots: :class:`QueryCounts` for the totals, :class:`~typorisk.resolve.records.
ServerStats` per server.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from typorisk.kit.rate import AdaptiveRate
from typorisk.resolve.records import ServerStats
from typorisk.resolve.transport import NameServer


class QueryEvent(enum.IntEnum):
    """What happened to one query."""

    SENT = 0
    """A query went out over UDP (or could not go out: its socket did not open)."""
    SENT_TCP = 1
    """A query went out over TCP (the retry of a truncated UDP reply)."""
    RESENT = 2
    """A UDP query went out a second time, early (``UdpChannel``'s resend)."""
    TIMEOUT = 3
    """No usable reply came within the timeout (or the query could not be sent)."""
    REPLY = 4
    """A reply came (its rcode, or ``MALFORMED``, comes with it once it is checked)."""
    RETRY = 5
    """A question made another try after an earlier one ended."""


MALFORMED = len(QueryEvent)
"""Index, in a :class:`Tally` row, of the malformed replies (those noted with
:data:`MALFORMED_RCODE`); the other indexes are the :class:`QueryEvent` values."""
MALFORMED_RCODE = "MALFORMED"
"""The rcode name under which malformed replies are counted (also in ``malformed``)."""


@dataclass(frozen=True, slots=True)
class QueryCounts:
    """A client's totals over every server (a snapshot: it does not change)."""

    sent: int = 0
    """Queries sent (UDP, TCP and early resends)."""
    resent: int = 0
    """UDP queries sent a second time early, part of ``sent``."""
    timeouts: int = 0
    """Queries that got no usable reply."""
    answered: int = 0
    """Replies received (each checked one also counted in ``rcodes``)."""
    malformed: int = 0
    """Replies that did not parse (counted in ``rcodes`` as ``MALFORMED`` too)."""
    tcp: int = 0
    """Queries sent over TCP, part of ``sent``."""
    retried: int = 0
    """Tries made after an earlier try of the same question ended."""
    rcodes: dict[str, int] = field(default_factory=dict)
    """Checked replies by rcode name (``NOERROR``, ``NXDOMAIN``..., ``MALFORMED``)."""


_EMPTY = [0] * (MALFORMED + 1)


class Tally:
    """Counters per server, incremented only by :meth:`note` (the client's hot path calls it)."""

    __slots__ = ("_rcodes", "_rows")

    def __init__(self) -> None:
        self._rows: dict[NameServer, list[int]] = {}
        self._rcodes: Counter[str] = Counter()

    def row(self, server: NameServer) -> list[int]:
        """``server``'s counters, to pass to :meth:`note` (made on first use). The client looks
        a row up once per query, not once per event."""
        row = self._rows.get(server)
        if row is None:
            row = self._rows[server] = [0] * (MALFORMED + 1)
        return row

    def note(self, row: list[int], event: QueryEvent, rcode: str | None = None) -> None:
        """Count ``event`` of a query to the server of ``row`` (:meth:`row`); ``rcode``: the
        checked reply's rcode name."""
        row[event] += 1
        if rcode is not None:
            self._rcodes[rcode] += 1
            if rcode == MALFORMED_RCODE:
                row[MALFORMED] += 1

    def totals(self) -> QueryCounts:
        """The totals now, over every server."""
        sums = [sum(column) for column in zip(*self._rows.values(), strict=True)] or _EMPTY
        return QueryCounts(
            sent=sums[QueryEvent.SENT] + sums[QueryEvent.SENT_TCP] + sums[QueryEvent.RESENT],
            resent=sums[QueryEvent.RESENT],
            timeouts=sums[QueryEvent.TIMEOUT],
            answered=sums[QueryEvent.REPLY],
            malformed=sums[MALFORMED],
            tcp=sums[QueryEvent.SENT_TCP],
            retried=sums[QueryEvent.RETRY],
            rcodes=dict(self._rcodes),
        )

    def servers(self, paces: dict[NameServer, AdaptiveRate]) -> dict[str, ServerStats]:
        """Counters per server asked or paced so far (``paces``: their rates), keyed by
        ``str(server)``."""
        out = {}
        for server in dict.fromkeys([*paces, *self._rows]):
            row = self._rows.get(server, _EMPTY)
            pace = paces.get(server)
            out[str(server)] = ServerStats(
                row[QueryEvent.SENT] + row[QueryEvent.SENT_TCP] + row[QueryEvent.RESENT],
                row[QueryEvent.REPLY],
                row[QueryEvent.TIMEOUT],
                row[MALFORMED],
                resent=row[QueryEvent.RESENT],
                rate=None if pace is None else pace.rate,
                peak_rate=None if pace is None else pace.peak,
                cuts=0 if pace is None else pace.cuts,
            )
        return out
