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
