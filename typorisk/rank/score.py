"""Explainable risk: one score in [0, 1] per candidate, with its reasons and each factor's share.

    raw  = min(1, registration · (w_likelihood·L + w_capture·C + w_graph·G))
    risk = 1 − (1 − raw)^exposure

- L, typo likelihood on a log scale: ``(log10 p − log10 floor) / (log10 ceiling − log10 floor)``
  clamped to [0, 1] (defaults 1e-7 → 0, 1e-2 → 1): a likely typo matters even before it is bought.
- C, capture capability: catch-all SMTP 1.0 > MX 0.8 > mail via a wildcard 0.7 > implicit MX
  (A/AAAA, RFC 5321 §5.1) 0.6 > wildcard without mail 0.35 > registered without mail 0.3 = unknown
  0.3 > unregistered 0.15 > null MX 0.02 (RFC 7505: accepts no mail).
- G, graph signal, from the candidate's **operation** (:mod:`typorisk.rank.operations`: the
  look-alikes joined to it by identifying infrastructure they share, hubs set aside):
  ``size · (op_base + op_mail·m/n + op_targets·[several targets] + op_clones·[a clone])`` with
  ``size = log(n) / log(1 + saturation)`` for an operation of n members, m of which can
  receive mail; 0 outside an operation. What joins (``link_<kind>``, ``join``) and what is a
  hub (``hub_<kind>``) are weights here too.
- suffix policy (``data/suffix_policy.json``): a free name under a suffix that keeps squatters
  out scores × ``restricted_suffix`` (0.3: ``.mil``, ``.gov``, ``.bank``, ``gov.xx``: the registry
  verifies eligibility) or × ``closed_suffix`` (0.1: a .brand TLD, ``.il`` directly): nobody who
  could abuse it can register it, so it is not a name to block now.
- registration: × ``defensive`` (0.25) when the candidate shares MX/NS/registrar with its own
  target (likely the brand's defensive registration: listed separately to confirm), ×
  ``recent`` (1.25) when registered less than ``recent_days`` ago.
- web (when ``--web`` ran): a ``clone`` of the target's page scores at least ``web_clone``
  (0.9) before exposure, ``web_fresh_clone`` (0.98) when its certificate is under
  ``fresh_cert_days`` (30) old: a phishing kit on a new certificate tops the list; a ``login``
  page naming the brand scores at least ``web_login`` (0.8); a ``redirect-target`` (redirects
  to the target's own site) is defensive (× ``defensive``).
- exposure: the target's weight (sensitivity × mail volume) from the feed definition, default 1;
  it bends the score (2 turns 0.5 into 0.75) rather than scaling it, so risk stays in [0, 1]
  and candidates of a heavy target keep their order instead of all reaching 1.

Every default is a field of :class:`RiskWeights`; override any of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from typorisk.errors import TyporiskError
from typorisk.parse.suffix_policy import policy_of
from typorisk.rank.facts import Observation

CAPTURE_LABELS = {
    "catch-all": "catch-all MX accepts any recipient",
    "mx": "has MX: can receive mail",
    "wildcard-mail": "a wildcard in its zone answers with mail records",
    "implicit": "no MX but an address: mail is delivered there (RFC 5321 §5.1)",
    "wildcard": "answered only by a wildcard",
    "registered": "registered, no mail records",
    "unknown": "registration unknown",
    "unregistered": "not registered: block before a squatter buys it",
    "null-mx": "null MX: accepts no mail (RFC 7505)",
}


@dataclass(frozen=True, slots=True)
class RiskWeights:
    """Every parameter of the risk score (see the module docstring for the formula)."""

    w_likelihood: float = 0.35
    w_capture: float = 0.45
    w_graph: float = 0.20
    likelihood_floor: float = 1e-7
    likelihood_ceiling: float = 1e-2
    catch_all: float = 1.0
    mx: float = 0.8
    wildcard_mail: float = 0.7
    implicit: float = 0.6
    wildcard: float = 0.35
    registered: float = 0.3
    unknown: float = 0.3
    unregistered: float = 0.15
    null_mx: float = 0.02
    link_cert: float = 1.0
    """How identifying a shared TLS certificate (SHA-256) is, in [0, 1]; ``link_<kind>`` for
    every kind of :data:`~typorisk.rank.operations.LINK_KINDS`."""
    link_san: float = 0.9
    link_mx: float = 0.8
    link_favicon: float = 0.5
    link_fuzzy: float = 0.5
    link_registrant: float = 0.7
    link_ip: float = 0.6
    link_ns: float = 0.3
    link_net: float = 0.2
    link_owner: float = 0.1
    join: float = 0.7
    """Two look-alikes are joined when the ``link_`` weights of the nodes they share reach it."""
    hub_cert: int = 500
    """Look-alikes on one node at which it is a hub (Internet-wide: it joins nothing);
    ``hub_<kind>`` for every link kind."""
    hub_san: int = 500
    hub_mx: int = 100
    hub_favicon: int = 50
    hub_fuzzy: int = 30
    hub_registrant: int = 100
    hub_ip: int = 50
    hub_ns: int = 30
    hub_net: int = 50
    hub_owner: int = 30
    operation_min: int = 2
    """Members an operation needs (at least 2)."""
    op_base: float = 0.5
    op_mail: float = 0.3
    op_targets: float = 0.1
    op_clones: float = 0.1
    saturation: int = 50
    """Other members of an operation at which its size counts in full."""
    defensive: float = 0.25
    restricted_suffix: float = 0.3
    """Multiplier of a free name under a suffix whose registry verifies eligibility."""
    closed_suffix: float = 0.1
    """Multiplier of a free name under a suffix only one organisation (or nobody) registers in."""
    recent: float = 1.25
    recent_days: int = 90
    web_clone: float = 0.9
    web_fresh_clone: float = 0.98
    web_login: float = 0.8
    fresh_cert_days: int = 30
    cluster_min: int = 5
    """Registered typo domains on one MX/IP/NS node before it is reported as a cluster."""

    def with_overrides(self, overrides: Mapping[str, object]) -> RiskWeights:
        """A copy with some weights replaced; unknown names or non-numbers raise an error."""
        known = {f.name: f for f in dataclasses.fields(self)}
        changes: dict[str, float | int] = {}
        for name, value in overrides.items():
            if name not in known:
                raise TyporiskError(f"unknown risk weight {name!r}; known: {', '.join(known)}")
            try:
                number = float(str(value))
            except ValueError as exc:
                raise TyporiskError(f"risk weight {name}={value!r} is not a number") from exc
            if number < 0 or not math.isfinite(number):
                raise TyporiskError(f"risk weight {name}={number} must be ≥ 0")
            is_int = isinstance(getattr(self, name), int)
            changes[name] = int(number) if is_int else number
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def capture_value(self, label: str) -> float:
        """C for a capture label of :data:`CAPTURE_LABELS`."""
        return float(getattr(self, label.replace("-", "_")))


def capture_label(obs: Observation) -> str:
    """Which capture capability an observation shows (a key of :data:`CAPTURE_LABELS`)."""
    mail_ok = obs.mail in ("mx", "implicit")
    if obs.smtp == "accepts-any" and mail_ok:
        return "catch-all"
    if obs.wildcard:
        # DNS calls the mail of a wildcard-only name unknown, but the wildcard's own MX or address
        # records receive the mail sent to it (the .ml/.cm case).
        delivers = mail_ok or any(h and h != "." for h in obs.mx) or obs.a or obs.aaaa
        return "wildcard-mail" if delivers else "wildcard"
    if obs.registration == "registered":
        return {"mx": "mx", "implicit": "implicit", "null-mx": "null-mx"}.get(
            obs.mail, "registered"
        )
    if obs.registration == "unregistered":
        return "unregistered"
    return "unknown"


def likelihood_scale(p: float, w: RiskWeights) -> float:
    """L: the likelihood on a log scale, clamped to [0, 1]."""
    if p <= 0:
        return 0.0
    low, high = math.log10(w.likelihood_floor), math.log10(w.likelihood_ceiling)
    return min(1.0, max(0.0, (math.log10(p) - low) / (high - low)))


def is_recent(obs: Observation, now: dt.date | None, w: RiskWeights) -> int | None:
    """Days since registration when it is under ``recent_days``, else None."""
    if obs.created is None or now is None:
        return None
    age = (now - obs.created).days
    return age if 0 <= age < w.recent_days else None


def web_effect(obs: Observation, w: RiskWeights) -> tuple[float, bool, tuple[str, ...]]:
    """What the web evidence does to a score: (floor of raw risk, defensive, reasons)."""
    age = obs.web_cert_age_days
    fresh = age is not None and 0 <= age < w.fresh_cert_days
    cert = (f"TLS certificate {age} days old",) if fresh else ()
    if age is not None and age < 0:
        cert = (f"TLS certificate not yet valid (notBefore {-age} days ahead)",)
    if obs.web == "clone":
        similar = f" ({obs.web_similarity:.0%} similar)" if obs.web_similarity is not None else ""
        floor = w.web_fresh_clone if fresh else w.web_clone
        return floor, False, (f"serves a clone of {obs.target}'s site{similar}", *cert)
    if obs.web == "login":
        return w.web_login, False, (f"a login page naming {obs.target}", *cert)
    if obs.web == "redirect-target":
        return 0.0, True, (f"redirects to {obs.target}'s own site: likely defensive, confirm",)
    if obs.web in ("parked", "redirect-other"):
        return 0.0, False, (f"web: {obs.web}",)
    return 0.0, False, ()


def suffix_effect(obs: Observation, w: RiskWeights, reason: str) -> tuple[float, str]:
    """What the suffix's policy does to a free name's score: (multiplier, capture reason).
    Where a squatter cannot register under ``obs.suffix`` (restricted or closed), the multiplier
    is ``restricted_suffix`` or ``closed_suffix`` and the reason names the policy; else
    ``(1.0, reason)`` unchanged."""
    policy = policy_of(obs.suffix)
    if not policy.keeps_squatters_out:
        return 1.0, reason
    factor = w.restricted_suffix if policy.policy == "restricted" else w.closed_suffix
    return factor, f"not registered; {policy.reason()}"
