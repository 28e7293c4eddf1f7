"""Who may register under a public suffix: the shipped suffix policy (``data/suffix_policy.json``).

Four policies, from the squatter's point of view:

- ``open``: anyone can register (the default for a suffix the file does not name);
- ``presence``: anyone with a local presence or nexus (``.eu``, ``.ca``); often met through a
  local agent, so no barrier to a squatter, but a condition for the brand's own registration;
- ``restricted``: the registry or its sponsor verifies eligibility before a name is delegated
  (``.mil``, ``.gov``, ``.bank``, ``gov.xx``, ``ac.il``): a squatter cannot take a free name;
- ``closed``: one organisation registers every name (a .brand TLD under ICANN's Specification
  13, ``.arpa``), or nobody does (``.il`` takes names only under its second-level domains).

``eligible`` says who can ever qualify: ``members`` (only organisations already in that
namespace: an army, a government) or ``criteria`` (any organisation that meets the rule).
Lookup order: the suffix's own entry, a .brand TLD, a ``<label>.<cc>`` pattern (``gov.uk``,
``ac.jp``), else ``open``. Parsing is a pure function of the file's JSON
(:func:`parse_policies`); :func:`load_policies` reads the shipped file once. No network.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources

from typorisk.errors import DataFileError

POLICY_FILENAME = "suffix_policy.json"
POLICIES = ("open", "presence", "restricted", "closed")
KEEPS_SQUATTERS_OUT = ("restricted", "closed")
"""Policies under which a squatter cannot hold a name that is free today."""


@dataclass(frozen=True, slots=True)
class SuffixPolicy:
    """Who may register directly under one public suffix."""

    suffix: str
    """The public suffix (lowercase A-label, no dots at the ends)."""
    policy: str = "open"
    """One of :data:`POLICIES`."""
    eligible: str = "criteria"
    """``members`` (only those already in the namespace) or ``criteria``."""
    who: str = ""
    """Who may register, for people: what follows "only" for a restricted or presence suffix
    ("the US Department of Defense"), a sentence for a closed one; empty when open."""
    source: str = ""
    """Where the rule comes from (a registry or IANA page)."""

    @property
    def keeps_squatters_out(self) -> bool:
        """True when a squatter cannot register a free name here."""
        return self.policy in KEEPS_SQUATTERS_OUT

    def eligible_for(self, own_suffixes: Iterable[str]) -> bool | None:
        """Whether an organisation whose own domains sit under ``own_suffixes`` may register
        here: True (open or presence-free suffix, or one of its domains is under this suffix),
        False (``members``-only or closed, and none of its domains is), or None (it depends
        on criteria the organisation may meet: say "only if you are eligible")."""
        if self.policy == "open":
            return True
        if self.suffix in set(own_suffixes):
            return True
        if self.policy == "closed" or self.eligible == "members":
            return False
        return None

    def reason(self) -> str:
        """Why a squatter cannot hold a free name here (empty when one can)."""
        if self.policy == "restricted":
            return (
                f"restricted suffix .{self.suffix} (only {self.who}): a squatter cannot register it"
            )
        if self.policy == "closed":
            return f"closed suffix .{self.suffix} ({self.who}): a squatter cannot register it"
        return ""


@dataclass(frozen=True, slots=True)
class SuffixPolicies:
    """The policy of every suffix the file names, the .brand TLDs and the ccTLD patterns."""

    suffixes: Mapping[str, SuffixPolicy]
    brands: Mapping[str, str]
    """.brand TLD → its registry operator."""
    brand_source: str
    patterns: Mapping[str, SuffixPolicy]
    """First label (``gov``, ``ac``) → the policy of ``<label>.<cc>``; ``who`` holds ``{cc}``."""

    def of(self, suffix: str) -> SuffixPolicy:
        """The policy of ``suffix`` (a lowercase A-label public suffix); ``open`` when unknown."""
        known = self.suffixes.get(suffix)
        if known is not None:
            return known
        operator = self.brands.get(suffix)
        if operator is not None:
            who = f"only {operator} registers there: a .brand TLD"
            return SuffixPolicy(suffix, "closed", "members", who, self.brand_source)
        first, _, cc = suffix.partition(".")
        pattern = self.patterns.get(first)
        if pattern is not None and len(cc) == 2 and cc.isalpha():
            who = pattern.who.replace("{cc}", cc)
            return SuffixPolicy(suffix, pattern.policy, pattern.eligible, who, pattern.source)
        return SuffixPolicy(suffix)


def _policy(suffix: str, entry: object) -> SuffixPolicy:
    if not isinstance(entry, Mapping):
        raise DataFileError(f"{POLICY_FILENAME}: entry {suffix!r} is not an object")
    policy, eligible = entry.get("policy"), entry.get("eligible", "criteria")
    if policy not in POLICIES or eligible not in ("members", "criteria"):
        raise DataFileError(
            f"{POLICY_FILENAME}: {suffix!r} has policy {policy!r}, eligible {eligible!r}; "
            f"policy is one of {', '.join(POLICIES)}, eligible is members or criteria"
        )
    return SuffixPolicy(
        suffix, str(policy), str(eligible), str(entry.get("who", "")), str(entry.get("source", ""))
    )


def parse_policies(text: str) -> SuffixPolicies:
    """Read the JSON of ``suffix_policy.json``. Raises :class:`DataFileError` naming the entry
    that is wrong."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataFileError(f"{POLICY_FILENAME} is not JSON: {exc}") from exc
    if not isinstance(doc, Mapping):
        raise DataFileError(f"{POLICY_FILENAME}: the top level must be an object")
    suffixes, patterns = doc.get("suffixes", {}), doc.get("patterns", {})
    brand = doc.get("brand", {})
    if not all(isinstance(x, Mapping) for x in (suffixes, patterns, brand)):
        raise DataFileError(f"{POLICY_FILENAME}: suffixes, patterns and brand must be objects")
    operators = brand.get("operators", {})
    if not isinstance(operators, Mapping):
        raise DataFileError(f"{POLICY_FILENAME}: brand.operators must be an object")
    return SuffixPolicies(
        suffixes={str(s).lower(): _policy(str(s).lower(), e) for s, e in suffixes.items()},
        brands={str(t).lower(): str(op) for t, op in operators.items()},
        brand_source=str(brand.get("source", "")),
        patterns={str(p).lower(): _policy(f"{p}.{{cc}}", e) for p, e in patterns.items()},
    )


@functools.cache
def load_policies() -> SuffixPolicies:
    """The shipped suffix policies (read once per process)."""
    text = resources.files("typorisk.data").joinpath(POLICY_FILENAME).read_text(encoding="utf-8")
    return parse_policies(text)


def policy_of(suffix: str) -> SuffixPolicy:
    """The shipped policy of one public suffix (lowercase A-label)."""
    return load_policies().of(suffix.lower().strip("."))
