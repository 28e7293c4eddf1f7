"""What the resolve stage produces: outcomes as enums, one frozen result per name, statistics.

Invariant: names are lowercase A-labels without a trailing dot. A failure to resolve one name is
data (``registration=UNKNOWN`` with an :class:`Outcome` saying why), never an exception.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typorisk.resolve.transport import NameServer


class Registration(enum.Enum):
    """Whether a name is registered, as far as DNS can tell."""

    REGISTERED = "registered"
    UNREGISTERED = "unregistered"
    UNKNOWN = "unknown"


class Outcome(enum.Enum):
    """The answer that decided the registration (how it was decided)."""

    NXDOMAIN = "nxdomain"
    """The name does not exist: unregistered."""
    NODATA = "nodata"
    """The name exists without records of the asked type: registered."""
    ANSWER = "answer"
    """The name has records of the asked type: registered."""
    REFERRAL = "referral"
    """Authoritative mode: the suffix's server delegates the name: registered."""
    WILDCARD = "wildcard"
    """Only a wildcard answers for the name: DNS cannot tell, unknown."""
    TIMEOUT = "timeout"
    """No reply after every retry: unknown."""
    SERVFAIL = "servfail"
    """The server failed (SERVFAIL) on every retry: unknown."""
    REFUSED = "refused"
    """The server refused the query: unknown."""
    MALFORMED = "malformed"
    """The reply did not parse (trailing junk, a truncated record, garbage), also when asked
    again once: unknown. Its rcode is not believed, so a broken NXDOMAIN is never "free"."""
    PROBE_FAILED = "probe-failed"
    """The name exists, but the wildcard probe of its parent zone or suffix failed (timeout,
    SERVFAIL, malformed reply), so it cannot be told from a wildcard: unknown."""
    ERROR = "error"
    """Another response code (FORMERR, NOTIMP...) or an unusable reply (an NXDOMAIN whose answer
    section is no CNAME chain from the name asked): unknown."""
    BUDGET = "budget"
    """The total time budget ended before the name was settled: unknown."""

    @property
    def registration(self) -> Registration:
        """The registration this outcome implies."""
        if self is Outcome.NXDOMAIN:
            return Registration.UNREGISTERED
        if self in (Outcome.NODATA, Outcome.ANSWER, Outcome.REFERRAL):
            return Registration.REGISTERED
        return Registration.UNKNOWN


class Mail(enum.Enum):
    """Whether a name can receive mail."""

    MX = "mx"
    """Explicit MX records (not a null MX)."""
    IMPLICIT = "implicit"
    """No MX but an A/AAAA record: delivery is attempted there (RFC 5321 §5.1)."""
    NULL_MX = "null-mx"
    """A null MX (``0 .``, RFC 7505): the domain accepts no mail."""
    NONE = "none"
    """The name exists with neither MX nor address records, or does not exist."""
    UNKNOWN = "unknown"
    """The lookups failed or were not made (registration unknown)."""


@dataclass(frozen=True, slots=True)
class MxHost:
    """One MX record."""

    preference: int
    """Lower is preferred, 0..65535."""
    host: str
    """Exchange host, lowercase A-label without trailing dot; ``""`` for the root (null MX)."""


@dataclass(frozen=True, slots=True)
class Records:
    """The records of an existing name (each tuple sorted; empty when absent or not fetched)."""

    ns: tuple[str, ...] = ()
    a: tuple[str, ...] = ()
    aaaa: tuple[str, ...] = ()
    mx: tuple[MxHost, ...] = ()
    cname: str | None = None
    """Canonical name when the name is an alias (first CNAME target)."""
    spf: bool = False
    """A TXT record at the name starts with ``v=spf1``."""
    dmarc: bool = False
    """A TXT record at ``_dmarc.<name>`` starts with ``v=DMARC1``."""

    def fingerprint(self) -> tuple[object, ...]:
        """What a wildcard would reproduce for any name: compared with a random label's records."""
        return (self.ns, self.a, self.aaaa, self.mx, self.cname)


NO_RECORDS = Records()
"""The records of a name that has none (shared: records are immutable)."""


@dataclass(frozen=True, slots=True)
class Resolution:
    """What DNS says about one name."""

    domain: str
    """The name asked (lowercase A-label)."""
    registration: Registration
    outcome: Outcome
    """The answer that decided ``registration``."""
    mail: Mail
    records: Records = NO_RECORDS
    wildcard: bool = False
    """Only a wildcard answers for this name (its records equal a random label's)."""
    zone_wildcard: bool | None = None
    """The name's parent zone or suffix is wildcarded (``None``: not checked, or unknown)."""
    lame: bool = False
    """Authoritative mode: delegated, but no delegated server answers authoritatively."""
    queries: int = 0
    """DNS queries sent for this name, retries included (shared wildcard probes not counted)."""
    authoritative: bool = False
    """Decided by asking the suffix's own servers (RD=0) rather than a resolver."""

    @property
    def error(self) -> str | None:
        """A short reason when the result is not clean: the unknown outcome's value (or, for
        ``probe-failed``, the words "wildcard probe failed"), or ``lame``."""
        if self.registration is Registration.UNKNOWN:
            return _REASONS.get(self.outcome, self.outcome.value)
        return "lame" if self.lame else None


_REASONS = {Outcome.PROBE_FAILED: "wildcard probe failed"}


@dataclass(frozen=True, slots=True)
class ServerStats:
    """Counters of one server over a run (UDP and TCP attempts alike).

    Invariant once no query is in flight: ``sent == answered + timeouts + resent``. A truncated
    UDP reply counts as answered, and its TCP retry as one more query sent.
    """

    sent: int
    """Queries sent to the server (a query that could not be sent at all counts, and times out)."""
    answered: int
    """Replies received that matched their query (any rcode, malformed ones included)."""
    timeouts: int
    """Queries that got no reply in time (or could not be sent)."""
    malformed: int = 0
    """Replies that did not parse (part of ``answered``)."""
    rate: float | None = None
    """The adaptive rate controller's allowed rate at the end of the run, queries/s."""
    peak_rate: float | None = None
    """The highest rate it allowed during the run, queries/s (never above ``--rate``)."""
    cuts: int = 0
    """Times it cut the rate to 70% (on a rise of timeouts, SERVFAIL or REFUSED)."""
    resent: int = 0
    """Queries sent a second time, early, for want of a reply (part of ``sent``; see
    :class:`~typorisk.resolve.transport.UdpChannel`)."""


@dataclass(frozen=True, slots=True)
class ResolveStats:
    """What one resolve run counted: names settled, queries sent and how they ended, per server."""

    names: int
    """Names settled (every outcome, budget included)."""
    queries: int
    """Queries sent (UDP and TCP, retries and wildcard probes included)."""
    rcodes: dict[str, int]
    """Replies by response code name (``NOERROR``, ``NXDOMAIN``...)."""
    timeouts: int
    """Queries that got no reply in time."""
    retries: int
    """Queries re-sent after a timeout or SERVFAIL."""
    tcp: int
    """Queries re-sent over TCP after a truncated UDP reply."""
    mismatched: int
    """Replies dropped: unknown id, wrong question or not a response (spoofing guard)."""
    registrations: dict[str, int]
    """Names by :class:`Registration` value."""
    wildcard_zones: tuple[str, ...]
    """Zones (suffixes or parents) found to be wildcarded: a finding of their own."""
    elapsed: float
    """Wall-clock seconds."""
    servers: dict[str, ServerStats] = field(default_factory=dict)
    """Counters per server asked (configured resolvers, and in authoritative mode the suffixes'
    servers), keyed by ``host:port`` (``[v6]:port`` for IPv6, as ``str(NameServer)``). A server
    with ``sent > 0`` and ``answered == 0`` never answered during the run."""
    malformed: int = 0
    """Replies that did not parse (each counted in ``rcodes`` as ``MALFORMED`` too)."""

    @property
    def queries_per_second(self) -> float:
        """Queries sent per second of wall-clock time."""
        return self.queries / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def names_per_second(self) -> float:
        """Names settled per second of wall-clock time."""
        return self.names / self.elapsed if self.elapsed > 0 else 0.0


@dataclass(frozen=True, slots=True)
class ZoneServers:
    """The authoritative servers of the zone holding a suffix."""

    zone: str
    """The zone apex (the suffix itself or an ancestor, e.g. ``bd`` for ``com.bd``)."""
    servers: tuple[NameServer, ...]
    failure: Outcome | None = None
    """Why no server was found (timeout, SERVFAIL...), or ``None``."""


@dataclass(frozen=True, slots=True)
class ServerCheck:
    """Whether one configured server answers: the result of a liveness check before a run."""

    server: str
    """``host:port`` (``[v6]:port`` for IPv6): the key of :attr:`ResolveStats.servers` too."""
    ok: bool
    """A well-formed reply came with rcode NOERROR or NXDOMAIN."""
    problem: str | None
    """``None`` when ok; else what went wrong, in words: ``"no reply within 2.0 s after 3 tries"``
    (with ``" (ICMP port unreachable)"`` when the host said nothing listens), ``"REFUSED"``,
    ``"SERVFAIL"`` (or another rcode's name), ``"malformed reply"``, ``"cannot send: ..."``."""
    rcode: str | None = None
    """The reply's rcode name (``NOERROR``...), ``None`` without a well-formed reply."""
    tries: int = 0
    """Queries sent to this server for the check (a TCP retry of a truncated reply included)."""
    elapsed: float = 0.0
    """Seconds the check of this server took."""
