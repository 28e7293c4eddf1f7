"""What a review tells people to do: a pure function of a :class:`~typorisk.report.review.Review`.

Four actions, each a list a person can act on:

- **block now**: every candidate at or above the threshold. Registered ones are listed one by
  one; unregistered ones (preventive blocks) are collapsed into one line per target, because a
  tail of near-identical "not registered" rows says nothing a count and a few names do not.
- **register defensively**: per target, the most likely look-alikes still free (by typing
  likelihood), so the brand can buy them before a squatter does.
- **take down**: one entry per operation (look-alikes joined by the infrastructure they share,
  :mod:`typorisk.rank.operations`) with a member at or above the threshold: its members, the
  registrars' and the hosting networks' abuse contacts, first and last seen, and the evidence
  joining each member; then each registered, non-defensive look-alike at or above the
  threshold outside any operation, with its contacts and the evidence to paste into a report.
  Registration columns that a store does not have yet read as ``None`` (shown as "—").
- **watch**: look-alikes below the threshold that are registered or whose registration is
  unknown (probable own registrations are left to the "to confirm" list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from typorisk.rank import Operation
from typorisk.rank.operations import node_text
from typorisk.report.review import Review
from typorisk.store import Change

MAIL_CAPTURE = ("catch-all", "mx", "wildcard-mail", "implicit")
"""Capture labels of a look-alike that can receive mail."""
REGISTER_PER_TARGET = 5
"""Free names suggested per target for defensive registration, most likely first."""
TAIL_NAMES = 3
"""Names spelled out in a collapsed line; the rest are counted."""
TAKEDOWN_COLUMNS = ("registrar", "abuse_email", "abuse_phone", "net_name", "net_abuse", "asn")
"""Registration columns the takedown table shows (issue 16 adds them to rows)."""

Row = Mapping[str, object]


@dataclass(frozen=True, slots=True)
class Tail:
    """Several look-alikes of one target collapsed into one line."""

    target: str
    count: int
    names: tuple[str, ...]
    """The first :data:`TAIL_NAMES`, riskiest or most likely first."""
    risk_low: float
    risk_high: float

    @property
    def more(self) -> int:
        """How many are not spelled out."""
        return self.count - len(self.names)


@dataclass(frozen=True, slots=True)
class Takedown:
    """One registered high-risk look-alike and what a takedown request needs."""

    domain: str
    target: str
    risk: float
    contacts: Mapping[str, object]
    """:data:`TAKEDOWN_COLUMNS` → value, ``None`` when the row does not have it."""
    evidence: tuple[str, ...]
    """The ranking's reasons, then web and mail evidence when known."""


@dataclass(frozen=True, slots=True)
class OperationTakedown:
    """One operation to report: one request to each of its registrars and networks."""

    operation: Operation
    risk: float
    """Its riskiest member's risk, in [0, 1]."""
    registrar_contacts: tuple[str, ...]
    """``Registrar: abuse e-mail, phone`` per registrar of its members (``—`` when unknown)."""
    network_contacts: tuple[str, ...]
    """``NETWORK ASn: abuse e-mail`` per hosting network of its members (the abuse e-mail
    alone when the network has no name)."""
    first_seen: str
    """When the store first saw one of its members registered (else first saw it at all;
    ISO 8601 UTC), or ``""``."""
    last_seen: str
    """When the store last saw one of its members, or ``""``."""
    evidence: tuple[str, ...]
    """``members: shared node, shared node`` per group of members joined by the same nodes
    (most identifying node first), then ``member: web: class at URL`` where the web stage
    ran."""


@dataclass(frozen=True, slots=True)
class ChangeLine:
    """What changed on one candidate since the baseline, named for people."""

    domain: str
    target: str
    risk: float
    """Its risk now, in [0, 1]."""
    what: tuple[str, ...]
    """Each change, e.g. ``newly registered``, ``SMTP: — → accepts-any``."""


def _described(what: str, change: Change) -> str:
    if change.field == "registration":
        return what
    return f"{what}: {change.old or '—'} → {change.new or '—'}"


@dataclass(frozen=True, slots=True)
class Actions:
    """Everything the review asks people to do, and the figures of its summary."""

    block: tuple[Row, ...]
    """Registered candidates at or above the threshold, riskiest first."""
    block_tails: tuple[Tail, ...]
    """Unregistered candidates at or above the threshold, one line per target."""
    register: tuple[Tail, ...]
    """Per target, the most likely free names."""
    takedown: tuple[Takedown, ...]
    """High-risk look-alikes to report outside any operation of :attr:`operations`."""
    watch: tuple[Row, ...]
    """Registered below the threshold, or registration unknown; riskiest first."""
    mail_capable: int
    """Registered look-alikes that can receive mail (domains)."""
    catch_all: int
    """Of those, how many accept any recipient."""
    changes: tuple[ChangeLine, ...]
    """What changed since the baseline, one line per candidate, in reading order (new
    registrations first, each group riskiest first)."""
    operations: tuple[OperationTakedown, ...] = ()
    """Operations with a member at or above the threshold, largest first."""

    @property
    def requests(self) -> int:
        """Takedown requests to send: one per operation, one per look-alike outside them."""
        return len(self.operations) + len(self.takedown)

    @property
    def block_count(self) -> int:
        """Names to block now: listed ones plus collapsed ones."""
        return len(self.block) + sum(t.count for t in self.block_tails)


def risk(row: Row) -> float:
    """A row's risk in [0, 1] (0 when it was not ranked)."""
    value = row.get("risk")
    return float(value) if isinstance(value, int | float) else 0.0


def _likelihood(row: Row) -> float:
    value = row.get("likelihood")
    return float(value) if isinstance(value, int | float) else 0.0


def tails(rows: Sequence[Row], *, by_likelihood: bool = False) -> tuple[Tail, ...]:
    """``rows`` grouped per target (targets sorted by name), each group's names
    riskiest (or most likely) first."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row.get("target")), []).append(row)
    out = []
    for target, group in sorted(groups.items()):
        ordered = sorted(group, key=lambda r: -(_likelihood(r) if by_likelihood else risk(r)))
        risks = [risk(r) for r in group]
        keep = REGISTER_PER_TARGET if by_likelihood else TAIL_NAMES
        names = tuple(str(r["domain"]) for r in ordered[:keep])
        out.append(Tail(target, len(group), names, min(risks), max(risks)))
    return tuple(out)


def _evidence(row: Row) -> tuple[str, ...]:
    reasons = row.get("reasons")
    found = [str(r) for r in reasons] if isinstance(reasons, list | tuple) else []
    found = [r for r in found if not r.startswith("target weight")]  # ours, not evidence
    if row.get("web"):
        url = f" at {row['web_final_url']}" if row.get("web_final_url") else ""
        found.append(f"web: {row['web']}{url}")
    mx = row.get("mx")
    if isinstance(mx, list | tuple) and mx:
        found.append("MX " + ", ".join(map(str, mx)))
    if row.get("smtp_reply"):
        found.append(f"SMTP: {row['smtp_reply']}")
    return tuple(found)


def _contact(parts: Sequence[object]) -> str:
    shown = [str(p) for p in parts if p not in (None, "")]
    return ", ".join(shown) if shown else "—"


def operation_takedown(
    op: Operation, rows: Mapping[str, Row], seen: Mapping[str, tuple[str, str]]
) -> OperationTakedown:
    """The takedown entry of ``op`` from its members' rows (domain → row) and the store's
    first/last seen (domain → (first, last))."""
    registrars: dict[str, str] = {}
    networks: set[str] = set()
    for domain in op.members:
        row = rows.get(domain, {})
        name = str(row.get("registrar") or "—")
        registrars.setdefault(name, _contact([row.get("abuse_email"), row.get("abuse_phone")]))
        asn = row.get("asn")
        net = " ".join(
            str(x) for x in (row.get("net_name"), f"AS{asn}" if asn is not None else None) if x
        )
        abuse = _contact([row.get("net_abuse")])
        if net or row.get("net_abuse"):
            networks.add(f"{net}: {abuse}" if net else abuse)
    times = [seen[d] for d in op.members if d in seen]
    joined: dict[str, list[str]] = {}
    for d in op.members:
        nodes = ", ".join(node_text(n, full=True) for n in op.evidence.get(d, ()))
        joined.setdefault(nodes, []).append(d)
    web = [
        f"{d}: web: {rows[d]['web']}"
        + (f" at {rows[d]['web_final_url']}" if rows[d].get("web_final_url") else "")
        for d in op.members
        if d in rows and rows[d].get("web")
    ]
    return OperationTakedown(
        operation=op,
        risk=max((risk(rows[d]) for d in op.members if d in rows), default=0.0),
        registrar_contacts=tuple(f"{k}: {v}" for k, v in sorted(registrars.items())),
        network_contacts=tuple(sorted(networks)),
        first_seen=min((t[0] for t in times if t[0]), default=""),
        last_seen=max((t[1] for t in times if t[1]), default=""),
        evidence=(*(f"{', '.join(ds)}: {nodes}" for nodes, ds in joined.items()), *web),
    )


_CHANGE_GROUPS = (
    ("new_registrations", "newly registered"),
    ("new_mail", "mail"),
    ("smtp_changes", "SMTP"),
    ("owner_changes", "registrar"),
    ("risk_up", "risk"),
    ("gone", "no longer registered"),
)


def plan(review: Review) -> Actions:
    """The actions and summary figures of ``review`` (pure)."""
    high = [r for r in review.rows if risk(r) >= review.threshold]
    registered = [r for r in review.rows if r.get("registration") == "registered"]
    own = {(str(r.obs.target), str(r.obs.domain)) for r in review.findings.defensive}

    def is_own(row: Row) -> bool:
        return (str(row.get("target")), str(row.get("domain"))) in own or bool(row.get("defensive"))

    reported = [r for r in high if r.get("registration") == "registered" and not is_own(r)]
    first_row: dict[str, Row] = {}
    for r in review.rows:
        first_row.setdefault(str(r.get("domain")), r)
    wanted = {str(r["domain"]) for r in reported}
    operations = tuple(
        operation_takedown(op, first_row, review.seen)
        for op in review.findings.operations
        if wanted & set(op.members)
    )
    grouped_away = {d for o in operations for d in o.operation.members}
    takedown = tuple(
        Takedown(
            domain=str(r["domain"]),
            target=str(r["target"]),
            risk=risk(r),
            contacts={c: r.get(c) for c in TAKEDOWN_COLUMNS},
            evidence=_evidence(r),
        )
        for r in reported
        if str(r["domain"]) not in grouped_away
    )
    watch = tuple(
        r
        for r in review.rows
        if not is_own(r)
        and risk(r) < review.threshold
        and r.get("registration") not in ("unregistered", None)
    )
    capture = [str(r.get("capture")) for r in registered]
    grouped: dict[tuple[str, str], list[str]] = {}
    risks: dict[tuple[str, str], float] = {}
    for group, what in _CHANGE_GROUPS:
        for c in getattr(review.changes, group):
            key = (c.target, c.domain)
            grouped.setdefault(key, []).append(_described(what, c))
            risks[key] = c.risk
    changes = tuple(
        ChangeLine(domain, target, risks[(target, domain)], tuple(whats))
        for (target, domain), whats in grouped.items()
    )
    return Actions(
        block=tuple(r for r in high if r.get("capture") != "unregistered" and not is_own(r)),
        block_tails=tails([r for r in high if r.get("capture") == "unregistered"]),
        register=tails(
            [r for r in review.rows if r.get("registration") == "unregistered"],
            by_likelihood=True,
        ),
        takedown=takedown,
        watch=watch,
        mail_capable=sum(c in MAIL_CAPTURE for c in capture),
        catch_all=capture.count("catch-all"),
        changes=changes,
        operations=operations,
    )
