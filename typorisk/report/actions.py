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
- **take down**: registered, non-defensive look-alikes at or above the threshold, with the
  registrar's and the hosting network's abuse contacts and the evidence to paste into a report.
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
"""Registration columns the takedown table shows (issue 16 adds them to rows)."""

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

    takedown = tuple(
        Takedown(
            domain=str(r["domain"]),
            target=str(r["target"]),
            risk=risk(r),
            contacts={c: r.get(c) for c in TAKEDOWN_COLUMNS},
            evidence=_evidence(r),
        )
        for r in high
        if r.get("registration") == "registered" and not is_own(r)
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
    )


def _blocked(row: Row, threshold: float) -> bool:
    """Listed under "block now": live (not a free name) and high risk or a wildcard collision."""
    if row.get("capture") == "unregistered":
        return False
    return risk(row) >= threshold or row.get("capture") in WILDCARD_CAPTURE
