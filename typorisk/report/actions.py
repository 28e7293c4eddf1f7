"""What a review tells people to do: a pure function of a :class:`~typorisk.report.review.Review`.

Four actions, each a list a person can act on:

- **block now**: every candidate at or above the threshold, and every wildcard collision (a name
  a wildcard answers for, such as a whole TLD's: ``army.ml``) whatever its risk, since it is live
  whether or not anyone registered it. Registered and unknown ones are listed one by one;
  unregistered ones (preventive blocks) are collapsed into one line per target, because a tail
  of near-identical "not registered" rows says nothing a count and a few names do not.
- **register defensively**: per target, the most likely look-alikes still free (by typing
  likelihood) under a suffix the protecting organisation may register in
  (:mod:`typorisk.parse.suffix_policy`): open suffixes, and restricted or closed ones where the
  target itself sits (a target under ``.mil`` makes its owner eligible for ``.mil``; one feed
  may protect several organisations, so eligibility is never lent from one target to another). Where
  eligibility depends on criteria (``.bank``, a local presence) the name carries "only if you are
  eligible"; names under suffixes it cannot enter (``.mil`` for a company, ``.il`` directly) are
  left out and counted per suffix.
- **take down**: one entry per operation (look-alikes joined by the infrastructure they share,
  :mod:`typorisk.rank.operations`) with a member at or above the threshold: its members, the
  registrars' and the hosting networks' abuse contacts, first and last seen, and the evidence
  joining each member; then each registered, non-defensive look-alike at or above the
  threshold outside any operation, with its contacts and the evidence to paste into a report.
  Registration columns that a store does not have yet read as ``None`` (shown as "—").
- **watch**: look-alikes below the threshold that are registered or whose registration is
  unknown (probable own registrations are left to the "to confirm" list).

An **established domain of another organisation** (``mail.com`` for ``mail.mil``: its ranking
reasons say so) is never in "block now" or "take down": it is listed under *warn senders*,
the confirm-the-recipient path of the feeds (Postfix ``WARN``, the Microsoft 365 warn list).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from typorisk.parse.psl import load_psl
from typorisk.parse.suffix_policy import SuffixPolicy, policy_of
from typorisk.rank import Operation
from typorisk.rank.operations import node_text
from typorisk.report.review import Review
from typorisk.store import Change

MAIL_CAPTURE = ("catch-all", "mx", "wildcard-mail", "implicit")
"""Capture labels of a look-alike that can receive mail."""
WILDCARD_CAPTURE = ("wildcard-mail", "wildcard")
"""Capture labels of a name only a wildcard answers for: live whatever its registration."""
REGISTER_PER_TARGET = 5
"""Free names suggested per target for defensive registration, most likely first."""
TAIL_NAMES = 3
"""Names spelled out in a collapsed line; the rest are counted."""
TAKEDOWN_COLUMNS = ("registrar", "abuse_email", "abuse_phone", "net_name", "net_abuse", "asn")
"""Registration columns the takedown table shows."""

Row = Mapping[str, object]

ESTABLISHED = "established domain of another organisation"
"""The phrase of the ranking reason that marks an established third-party domain."""


def established_reason(row: Row) -> str | None:
    """The row's "established domain of another organisation" reason, or ``None``."""
    reasons = row.get("reasons")
    if isinstance(reasons, list | tuple):
        return next((str(r) for r in reasons if ESTABLISHED in str(r)), None)
    return None


@dataclass(frozen=True, slots=True)
class Tail:
    """Several look-alikes of one target collapsed into one line."""

    target: str
    count: int
    names: tuple[str, ...]
    """The first :data:`TAIL_NAMES`, riskiest or most likely first."""
    risk_low: float
    risk_high: float
    notes: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Name → a condition to show beside it ("restricted: only if you are eligible ...")."""

    @property
    def more(self) -> int:
        """How many are not spelled out."""
        return self.count - len(self.names)


@dataclass(frozen=True, slots=True)
class Skipped:
    """Free look-alikes left out of the defensive-registration advice: the protecting
    organisation cannot register under their suffix."""

    suffix: str
    count: int
    who: str
    """Who may register there, for people (:attr:`SuffixPolicy.who`)."""


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
    """Registered or unknown candidates at or above the threshold, and wildcard collisions at
    any risk; riskiest first."""
    block_tails: tuple[Tail, ...]
    """Unregistered candidates at or above the threshold, one line per target."""
    register: tuple[Tail, ...]
    """Per target, the most likely free names the organisation may register."""
    register_skipped: tuple[Skipped, ...]
    """Free names under suffixes the organisation cannot register in, per suffix."""
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
    registered: int = 0
    """Look-alikes checked that are registered (rows)."""
    unknown: int = 0
    """Look-alikes whose registration is unknown: a wildcard TLD answers for them, or DNS
    failed (rows). Never counted as registered or free."""
    free: int = 0
    """Look-alikes DNS shows not registered (rows)."""
    warn: tuple[Row, ...] = ()
    """Established domains of other organisations that look like a target: warn senders
    (confirm the recipient), never block; riskiest first."""
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

    @property
    def block_registered(self) -> int:
        """Of the listed names to block, how many are registered (the rest are unknown)."""
        return sum(_state(r) == "registered" for r in self.block)


def risk(row: Row) -> float:
    """A row's risk in [0, 1] (0 when it was not ranked)."""
    value = row.get("risk")
    return float(value) if isinstance(value, int | float) else 0.0


def _state(row: Row) -> str:
    """``registered``, ``unregistered`` or ``unknown``: the registry's word (RDAP, WHOIS, a
    zone file) when it found the name, else DNS's."""
    if row.get("registration") == "registered" or row.get("registration_lookup") == "found":
        return "registered"
    return "unregistered" if row.get("registration") == "unregistered" else "unknown"


def _likelihood(row: Row) -> float:
    value = row.get("likelihood")
    return float(value) if isinstance(value, int | float) else 0.0


def tails(
    rows: Sequence[Row],
    *,
    by_likelihood: bool = False,
    notes: Mapping[str, str] | None = None,
) -> tuple[Tail, ...]:
    """``rows`` grouped per target (targets sorted by name), each group's names
    riskiest (or most likely) first; ``notes`` (domain → condition) kept for the names shown."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row.get("target")), []).append(row)
    out = []
    for target, group in sorted(groups.items()):
        ordered = sorted(group, key=lambda r: -(_likelihood(r) if by_likelihood else risk(r)))
        risks = [risk(r) for r in group]
        keep = REGISTER_PER_TARGET if by_likelihood else TAIL_NAMES
        names = tuple(str(r["domain"]) for r in ordered[:keep])
        shown = {n: (notes or {})[n] for n in names if n in (notes or {})}
        out.append(Tail(target, len(group), names, min(risks), max(risks), shown))
    return tuple(out)


def _suffix(name: str) -> str:
    split = load_psl().split(name)
    return split[1] if split else name.partition(".")[2]


ONLY_IF = "only if you are eligible"
"""The words of a condition the organisation may or may not meet."""


def _condition(policy: SuffixPolicy) -> str:
    if policy.policy == "presence":
        return f"local presence needed: {ONLY_IF} (only {policy.who})"
    return f"{policy.policy}: {ONLY_IF} (only {policy.who})"


def registrable(free: Sequence[Row]) -> tuple[list[Row], dict[str, str], tuple[Skipped, ...]]:
    """Split free look-alikes by whether the organisation protecting each one's target may
    register it: (the ones it may or might, their conditions by domain, the rest counted per
    suffix). A target under a restricted or closed suffix makes its owner eligible there (the
    owner of ``army.mil`` may register ``arm.mil``; the owner of ``examplebank.com`` may not);
    for ``criteria`` suffixes it might be, and the condition says so."""
    keep: list[Row] = []
    notes: dict[str, str] = {}
    skipped: Counter[str] = Counter()
    who: dict[str, str] = {}
    for row in free:
        target = str(row.get("target"))
        suffix = str(row.get("suffix") or _suffix(str(row["domain"])))
        policy = policy_of(suffix)
        eligible = policy.eligible_for([_suffix(target)])
        if eligible is False:
            skipped[suffix] += 1
            who[suffix] = policy.who
            continue
        keep.append(row)
        if eligible is None:
            notes[str(row["domain"])] = _condition(policy)
        elif policy.policy != "open":
            notes[str(row["domain"])] = f"{policy.policy}: eligible as {target}"
    return keep, notes, tuple(Skipped(s, n, who[s]) for s, n in sorted(skipped.items()))


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

    warn = tuple(r for r in review.rows if established_reason(r) and not is_own(r))
    high = [r for r in high if not established_reason(r)]

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
        and not _blocked(r, review.threshold)
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
    free = [r for r in review.rows if r.get("registration") == "unregistered"]
    may_register, notes, skipped = registrable(free)
    states = [_state(r) for r in review.rows]
    return Actions(
        block=tuple(
            r
            for r in review.rows
            if _blocked(r, review.threshold) and not is_own(r) and not established_reason(r)
        ),
        block_tails=tails([r for r in high if r.get("capture") == "unregistered"]),
        register=tails(may_register, by_likelihood=True, notes=notes),
        register_skipped=skipped,
        takedown=takedown,
        watch=watch,
        mail_capable=sum(c in MAIL_CAPTURE for c in capture),
        catch_all=capture.count("catch-all"),
        changes=changes,
        registered=states.count("registered"),
        unknown=states.count("unknown"),
        free=states.count("unregistered"),
        warn=tuple(sorted(warn, key=lambda r: -risk(r))),
        operations=operations,
    )


def _blocked(row: Row, threshold: float) -> bool:
    """Listed under "block now": live (not a free name) and high risk or a wildcard collision."""
    if row.get("capture") == "unregistered":
        return False
    return risk(row) >= threshold or row.get("capture") in WILDCARD_CAPTURE
