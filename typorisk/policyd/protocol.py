"""The Postfix policy delegation protocol and the policy decision, as pure functions.

A request is ``name=value`` lines ended by an empty line (SMTPD_POLICY_README); the reply is
``action=...`` and an empty line. :func:`decide` maps the recipient's domain to a risk level
and the level to an action. The domain goes through the one look-alike matcher
(:class:`~typorisk.match.Matcher`, built by ``typorisk policyd`` with the typing-error rules
:data:`~typorisk.match.TYPO_RULES` unless ``--rule`` says otherwise); ``distance`` below is the
hit's edit distance to the target:

- ``high``: in the generated candidate set with likelihood ≥ ``high_likelihood`` (the typos
  people really make: ``pentagon.ml`` for ``pentagon.mil``);
- ``medium``: any other generated candidate, or one edit away from a target;
- ``low``: two edits away (found by the distance check, or a typo of the target's label under
  another suffix: two errors in one address);
- no level (``DUNNO``): further than two edits. A generated label under an unrelated suffix
  (``nav.de`` for ``navy.mil``) is a hit of the matcher but not a typo of the address as
  typed, and no mail decision is made on it.

Default actions: high → ``REJECT``, medium → ``HOLD`` (quarantine for review), low → ``WARN``
(logged by Postfix, delivered). Anything that is not a typo, and anything malformed, gets
``DUNNO`` (no opinion: the next restriction decides).

A typo that is an **established domain of another organisation** (on the top-sites list:
``mail.com`` for ``mail.mil``) is never rejected or held, whatever its level: it gets ``WARN``
with a confirm-the-recipient text (level ``established``), unless ``block_anyway`` names it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from typorisk.errors import PolicyConfigError
from typorisk.match import Hit, Matcher
from typorisk.parse.established import TopSites, load_top_sites, standing_of

LEVELS = ("high", "medium", "low")
ACTIONS = ("REJECT", "HOLD", "WARN", "DUNNO")
DEFAULT_ACTIONS = {"high": "REJECT", "medium": "HOLD", "low": "WARN"}
DEFAULT_TEXT = "{domain} looks like a typo of {target}; check the recipient address"
WARN_TEXT = "{domain} is an outside domain that looks like {target}; check the recipient"
"""The ``WARN`` text for an established look-alike (``{domain}``, ``{target}``, ``{recipient}``)."""
_STATUS_CODE = re.compile(r"[45]\.\d{1,3}\.\d{1,3} ")
_UNSAFE = re.compile(r"[^\x20-\x7e]")
MAX_TEXT = 200


@dataclass(frozen=True, slots=True)
class Policy:
    """What to answer for each risk level."""

    actions: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ACTIONS))
    """Risk level (``high``, ``medium``, ``low``) → ``REJECT``, ``HOLD``, ``WARN`` or ``DUNNO``."""
    text: str = DEFAULT_TEXT
    """Reply text for REJECT/HOLD/WARN; ``{domain}``, ``{target}``, ``{recipient}`` are filled
    in; printable ASCII, ≤ 200 characters. REJECT replies get ``5.7.1`` in front unless the
    text starts with its own enhanced status code."""
    high_likelihood: float = 1e-4
    """Candidates at least this likely per typing, in [0, 1], are ``high`` risk."""
    top_sites: TopSites | None = None
    """Established domains; ``None``: the list in force (``load_top_sites``)."""
    block_anyway: frozenset[str] = frozenset()
    """Established domains answered by their level's action all the same (the override)."""

    def __post_init__(self) -> None:
        for level, action in self.actions.items():
            if level not in LEVELS or action not in ACTIONS:
                raise PolicyConfigError(
                    f"action {level}={action}: use a level of {', '.join(LEVELS)} "
                    f"and an action of {', '.join(ACTIONS)}, e.g. --action medium=REJECT"
                )
        try:
            self.text.format(domain="d", target="t", recipient="r")
        except (KeyError, IndexError, ValueError) as exc:
            raise PolicyConfigError(
                f"reply text {self.text!r}: only {{domain}}, {{target}} and {{recipient}} may "
                f"appear in braces ({exc})"
            ) from exc
        if not 0.0 <= self.high_likelihood <= 1.0:
            raise PolicyConfigError("high likelihood is a probability: give a value in [0, 1]")


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer to one request, with what it was based on (for the log)."""

    action: str
    """The full action sent to Postfix (``REJECT 5.7.1 ...``, ``DUNNO``)."""
    level: str = ""
    """Risk level, ``""`` when the recipient is not a typo (or the request was unusable)."""
    hit: Hit | None = None
    reason: str = ""
    """Why DUNNO was answered without a lookup (``malformed: ...``); ``""`` otherwise."""


def parse_request(lines: Sequence[bytes]) -> dict[str, str]:
    """Attributes of one request (its lines without the terminating empty line).

    Raises :class:`ValueError` naming the problem for a line without ``=``, an empty name, or
    bytes that are not UTF-8 (Postfix sends UTF-8 with SMTPUTF8, ASCII otherwise).
    """
    attrs: dict[str, str] = {}
    for raw in lines:
        try:
            line = raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            raise ValueError("attribute line is not UTF-8") from None
        name, eq, value = line.partition("=")
        if not eq or not name:
            raise ValueError(f"attribute line without name=value: {line[:40]!r}")
        attrs[name] = value
    return attrs


MAX_DISTANCE = 2
"""Edit distance (to the target's registrable domain or typed name) beyond which a hit that is
not a generated candidate of the target gets no level."""


def risk_level(hit: Hit, policy: Policy) -> str | None:
    """``high``, ``medium``, ``low`` or ``None`` (no decision) for a typo hit (see the module
    docstring). Only a generated candidate (likelihood > 0) is graded by its likelihood; a label
    typo under another suffix (likelihood 0) is graded by its distance like any other hit."""
    if hit.match == "candidate" and hit.likelihood > 0.0:
        return "high" if hit.likelihood >= policy.high_likelihood else "medium"
    if hit.distance <= 1:
        return "medium"
    return "low" if hit.distance <= MAX_DISTANCE else None


def _safe_text(policy: Policy, hit: Hit, recipient: str) -> str:
    text = policy.text.format(domain=hit.domain, target=hit.target, recipient=recipient)
    return _UNSAFE.sub("?", text)[:MAX_TEXT]


def decide(attrs: Mapping[str, str], matcher: Matcher, policy: Policy) -> Decision:
    """The decision for one request; never raises for any attribute values."""
    if attrs.get("request") != "smtpd_access_policy":
        return Decision("DUNNO", reason=f"malformed: request={attrs.get('request', '')[:40]!r}")
    recipient = attrs.get("recipient", "")
    _, at, domain = recipient.rpartition("@")
    if not at or not domain:
        return Decision("DUNNO")  # not at RCPT TO, or a local name without a domain
    hit = matcher.lookup(domain)
    if hit is None:
        return Decision("DUNNO")
    top = policy.top_sites if policy.top_sites is not None else load_top_sites()
    standing = standing_of(hit.domain, top=top, block_anyway=policy.block_anyway)
    if standing is not None:
        text = WARN_TEXT.format(domain=hit.domain, target=hit.target, recipient=recipient)
        text = f"{text} ({standing.reason()})"
        return Decision(f"WARN {_UNSAFE.sub('?', text)[:MAX_TEXT]}", "established", hit)
    level = risk_level(hit, policy)
    if level is None:
        return Decision("DUNNO", "", hit)
    action = policy.actions.get(level, "DUNNO")
    if action != "DUNNO":
        text = _safe_text(policy, hit, recipient)
        if action == "REJECT" and not _STATUS_CODE.match(text):
            text = f"5.7.1 {text}"
        action = f"{action} {text}"
    return Decision(action, level, hit)


def format_reply(decision: Decision) -> bytes:
    """The protocol reply: ``action=...`` and the empty line."""
    return f"action={decision.action}\n\n".encode("ascii", "replace")


def parse_actions(items: Sequence[str]) -> dict[str, str]:
    """``["medium=REJECT", ...]`` over the defaults; raises :class:`PolicyConfigError`."""
    actions = dict(DEFAULT_ACTIONS)
    for item in items:
        level, eq, action = item.partition("=")
        if not eq:
            raise PolicyConfigError(f"--action {item!r}: expected LEVEL=ACTION, e.g. low=DUNNO")
        actions[level.strip().lower()] = action.strip().upper()
    return actions
