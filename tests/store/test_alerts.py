"""What counts as new high risk: names high risk now that were not before (newly registered,
newly able to receive mail, newly over the threshold). A rise within high risk is a change."""

from __future__ import annotations

from typorisk.store import alerts, diff

T = "brand.com"


def row(domain: str, risk: float, registration: str, capture: str) -> dict[str, object]:
    mail = "mx" if capture in ("mx", "catch-all") else "none"
    return {"target": T, "domain": domain, "risk": risk, "registration": registration,
            "capture": capture, "mail": mail}  # fmt: skip


def keyed(*rows: dict[str, object]) -> dict[tuple[str, str], dict[str, object]]:
    return {(T, str(r["domain"])): r for r in rows}


def test_a_rise_within_high_risk_is_a_change_not_an_alert() -> None:
    old = keyed(row("rose.com", 0.73, "registered", "mx"))
    new = keyed(row("rose.com", 0.79, "registered", "mx"))
    assert [c.domain for c in diff(old, new).risk_up] == ["rose.com"]  # still a change
    assert alerts(old, new, 0.5) == ()


def test_each_kind_of_new_high_risk() -> None:
    old = keyed(
        row("bought.com", 0.55, "unregistered", "unregistered"),  # high before, as a free name
        row("mailed.com", 0.45, "registered", "registered"),
        row("crossed.com", 0.48, "registered", "null-mx"),
        row("high.com", 0.90, "registered", "catch-all"),
        row("low.com", 0.20, "registered", "registered"),
    )
    new = keyed(
        row("bought.com", 0.95, "registered", "mx"),
        row("mailed.com", 0.80, "registered", "mx"),
        row("crossed.com", 0.52, "registered", "null-mx"),
        row("high.com", 0.99, "registered", "catch-all"),
        row("low.com", 0.40, "registered", "mx"),  # mail, but under the threshold
        row("wild.ml", 0.87, "unknown", "wildcard-mail"),  # first seen, live
        row("free.com", 0.60, "unregistered", "unregistered"),  # first seen, nothing happened
    )
    found = {c.domain: (c.field, c.old, c.new) for c in alerts(old, new, 0.5)}
    assert found == {
        "bought.com": ("registration", "unregistered", "registered"),
        "mailed.com": ("capture", "registered", "mx"),
        "crossed.com": ("risk", "0.48", "0.52"),
        "wild.ml": ("capture", None, "wildcard-mail"),
    }
    assert [c.domain for c in alerts(old, new, 0.5)][:2] == ["bought.com", "wild.ml"]


def test_a_registry_lookup_is_registered_too() -> None:
    old = keyed({**row("held.com", 0.6, "unknown", "unknown"), "registration_lookup": "found"})
    new = keyed({**row("held.com", 0.7, "registered", "registered")})
    assert alerts(old, new, 0.5) == ()
