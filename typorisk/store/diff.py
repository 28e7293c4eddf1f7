"""What changed between two runs: a pure function of their observations.

An observation is a flat row (as ``typorisk scan`` writes) keyed by ``(target, domain)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from typorisk.writers import Row

Key = tuple[str, str]
TRACKED = ("registration", "mail", "mx", "registrar", "smtp")
"""Fields whose change is recorded per observation (risk too, when it moves by ≥ RISK_STEP)."""
RISK_STEP = 0.05
MAIL_CAPABLE = ("catch-all", "mx", "wildcard-mail", "implicit")
"""Capture labels (the ranking's ``capture`` column) of a name that can receive mail."""


@dataclass(frozen=True, slots=True)
class Change:
    """One field of one candidate that changed between two runs."""

    target: str
    domain: str
    field: str
    old: str | None
    new: str | None
    risk: float
    """The candidate's risk in the newer run (0 when unknown)."""


@dataclass(frozen=True, slots=True)
class Diff:
    """Changes grouped the way a reviewer reads them; each list is riskiest first."""

    new_registrations: tuple[Change, ...]
    """Registered now; unregistered, unknown or not observed before."""
    gone: tuple[Change, ...]
    """Registered before; unregistered now (expired or deleted)."""
    new_mail: tuple[Change, ...]
    """Mail capability gained (or MX hosts changed) on a registered name."""
    owner_changes: tuple[Change, ...]
    """Registrar changed."""
    smtp_changes: tuple[Change, ...]
    """SMTP probe result changed (e.g. became a catch-all)."""
    risk_up: tuple[Change, ...]
    """Risk rose by at least :data:`RISK_STEP`."""

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not any(
            (
                self.new_registrations,
                self.gone,
                self.new_mail,
                self.owner_changes,
                self.smtp_changes,
                self.risk_up,
            )
        )


def text(value: object) -> str | None:
    """A comparable text form of a row value (lists joined with ``|``, None kept)."""
    if value is None or value in ("", []):
        return None
    if isinstance(value, list | tuple):
        return "|".join(str(v) for v in value)
    return str(value)


def risk_of(row: Row | None) -> float:
    """The row's risk, 0 when absent."""
    value = (row or {}).get("risk")
    return float(value) if isinstance(value, int | float) else 0.0


def field_changes(key: Key, old: Row | None, new: Row) -> list[Change]:
    """Every tracked field of ``new`` that differs from ``old`` (``old`` None: first sighting)."""
    out: list[Change] = []
    risk = risk_of(new)
    for name in TRACKED:
        before = text(old.get(name)) if old is not None else None
        after = text(new.get(name))
        if before != after and not (old is None and after is None):
            out.append(Change(key[0], key[1], name, before, after, risk))
    before_risk = risk_of(old) if old is not None else 0.0
    if risk - before_risk >= RISK_STEP:
        out.append(Change(key[0], key[1], "risk", f"{before_risk:.2f}", f"{risk:.2f}", risk))
    return out


def diff(old: Mapping[Key, Row], new: Mapping[Key, Row]) -> Diff:
    """Compare two runs' observations."""
    groups: dict[str, list[Change]] = {
        k: [] for k in ("reg", "gone", "mail", "owner", "smtp", "risk")
    }
    for key, row in new.items():
        before = old.get(key)
        for change in field_changes(key, before, row):
            if change.field == "registration":
                if change.new == "registered":
                    groups["reg"].append(change)
                elif change.old == "registered" and change.new == "unregistered":
                    groups["gone"].append(change)
            elif change.field in ("mail", "mx"):
                was_registered = before is not None and before.get("registration") == "registered"
                if was_registered and row.get("mail") in ("mx", "implicit"):
                    groups["mail"].append(change)
            elif change.field == "registrar" and change.old is not None:
                groups["owner"].append(change)
            elif change.field == "smtp":
                groups["smtp"].append(change)
            elif change.field == "risk" and before is not None:
                groups["risk"].append(change)
    for key, row in old.items():
        if key not in new and row.get("registration") == "registered":
            groups["gone"].append(Change(key[0], key[1], "registration", "registered", None, 0.0))

    def ordered(items: list[Change]) -> tuple[Change, ...]:
        return tuple(sorted(items, key=lambda c: (-c.risk, c.domain, c.target, c.field)))

    return Diff(
        ordered(groups["reg"]),
        ordered(groups["gone"]),
        ordered(groups["mail"]),
        ordered(groups["owner"]),
        ordered(groups["smtp"]),
        ordered(groups["risk"]),
    )


def _registered(row: Row | None) -> bool:
    return row is not None and (
        row.get("registration") == "registered" or row.get("registration_lookup") == "found"
    )


def _mail_capable(row: Row | None) -> bool:
    return row is not None and row.get("capture") in MAIL_CAPABLE


def alerts(old: Mapping[Key, Row], new: Mapping[Key, Row], threshold: float) -> tuple[Change, ...]:
    """The candidates that are high risk now (risk ≥ ``threshold``, in [0, 1]) and were not
    before, one :class:`Change` each, riskiest first. ``field`` says why, first that applies:

    - ``registration``: newly registered (free, unknown or not observed before);
    - ``capture``: newly able to receive mail (its ``capture`` label newly in
      :data:`MAIL_CAPABLE`; also a first sighting of a live name, e.g. a wildcard TLD's);
    - ``risk``: newly over the threshold (it was observed before, below it).

    A name already high risk before that only rose (0.73 → 0.79), or changed registrar, MX
    hosts or SMTP reply while mail-capable, is a change (:func:`diff`), not an alert. Rows are
    ranked rows (``risk`` and ``capture`` set); a row without them counts as risk 0."""
    found = [c for key, row in new.items() if (c := _alert(key, old.get(key), row, threshold))]
    return tuple(sorted(found, key=lambda c: (-c.risk, c.domain, c.target)))


def _alert(key: Key, before: Row | None, row: Row, threshold: float) -> Change | None:
    risk = risk_of(row)
    if risk < threshold:
        return None

    def was(name: str) -> str | None:
        return text(before.get(name)) if before is not None else None

    if _registered(row) and not _registered(before):
        return Change(key[0], key[1], "registration", was("registration"), "registered", risk)
    if _mail_capable(row) and not _mail_capable(before):
        return Change(key[0], key[1], "capture", was("capture"), text(row.get("capture")), risk)
    if before is not None and risk_of(before) < threshold:
        return Change(key[0], key[1], "risk", f"{risk_of(before):.2f}", f"{risk:.2f}", risk)
    return None
