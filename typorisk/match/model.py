"""The look-alike matcher's records: the rule registry, settings, the hit, scores, the batch.

Every command that matches names (``watch``, ``match``, ``policyd``) uses one
:class:`~typorisk.match.matcher.Matcher` whose rules are the entries of :data:`REGISTRY` and
whose one result is :class:`Hit`. This module holds what the matcher and its batch rules
(:mod:`typorisk.match.rules`) share.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from rapidfuzz.distance import OSA

from typorisk.model import Target
from typorisk.parse.names import is_ldh_name


@dataclass(frozen=True, slots=True)
class Rule:
    """One look-alike rule of the registry: its name, its base score, where it comes from."""

    name: str
    """The name shown in every output (``rule`` of ``watch``, ``match`` of ``match``)."""
    score: str
    """Its base score, in [0, 1] (see :func:`rule_score`)."""
    explanation: str
    """What it reports, and why (provenance: the peer or standard it follows)."""


REGISTRY: dict[str, Rule] = {}
"""Every rule by name, in the order ties are broken (earlier wins); see :func:`register`."""


def register(rule: Rule) -> Rule:
    """Add ``rule`` to :data:`REGISTRY`; raises ``ValueError`` for a name already taken."""
    if rule.name in REGISTRY:
        raise ValueError(f"rule {rule.name!r} is registered twice")
    REGISTRY[rule.name] = rule
    return rule


register(
    Rule(
        "candidate",
        "0.95",
        "(a) the registrable domain is one of the typos "
        ":func:`typorisk.permute` generates for a target (its operators are the kinds; "
        "a generated label under another suffix counts too, rule f); the typing model "
        "gives its likelihood. From the mail-log matcher: what the feeds block.",
    )
)
register(
    Rule(
        "skeleton",
        "1.0",
        "(b) the label's UTS #39 confusable skeleton equals a target "
        "label's (Unicode TR39 section 4: ``xn--pypal-4ve`` is ``pаypal``, ``rnicrosoft`` "
        "is ``microsoft``).",
    )
)
register(
    Rule(
        "folded",
        "0.9",
        "(d) the target's suffix folded into the label (``brandcom``, "
        "``brand-mil``, ``www-brand-co-uk``): the doppelganger-domain pattern.",
    )
)
register(
    Rule(
        "combo",
        "0.4-0.9",
        "(c) the target label inside a longer name, between "
        "separators or as a word (``brand-login``, ``secure-brand``, ``brandlogin``): "
        "combosquatting (Kintis et al., CCS 2017; openSquat's keyword check).",
    )
)
register(
    Rule(
        "distance",
        "0.9·(1 − d/(len+1))",
        "(e) the label within optimal-string-alignment "
        "distance k of a target label (insertion, deletion, substitution, adjacent "
        "transposition; dnstwist's and openSquat's Levenshtein check), k = 1 for short "
        "labels; English words are left out.",
    )
)

RULES = tuple(REGISTRY)
"""Every rule name, in the order ties are broken (earlier wins)."""
FAST_RULES = frozenset({"candidate", "skeleton"})
"""The rules decided by hash lookups alone (the registrable fast path)."""
TYPO_RULES = frozenset({"candidate", "distance"})
"""The typing-error rules: what ``policyd`` answers for (its risk levels grade typos)."""
OTHER_SUFFIX_FACTOR = 0.85
"""Score multiplier of a hit under another suffix than its target's (rule f)."""


def chosen_rules(names: Iterable[str] | None) -> frozenset[str]:
    """The rule names asked for (``None``: every rule); raises ``ValueError`` naming the
    registered rules for an unknown one."""
    wanted = frozenset(RULES if names is None else names)
    if unknown := wanted - set(REGISTRY):
        raise ValueError(f"unknown rule(s) {sorted(unknown)}; use {', '.join(RULES)}")
    return wanted


def xn_positions(labels: list[str]) -> list[int]:
    """Indexes of the labels that start with ``xn--``, in order.

    One join and ``str.find`` over it, in C: such labels are rare in NRD lists and CT
    names, and ``compress(map(methodcaller("startswith", "xn--"), labels))`` cost 5.4 ms per
    50,000 labels against 1.25 ms for this (it ran three times a batch). Labels never hold
    a newline (they are LDH A-labels), so a newline followed by ``xn--`` starts such a label.
    """
    joined = "\n" + "\n".join(labels)
    found: list[int] = []
    pos = newlines = 0
    while (at := joined.find("\nxn--", pos)) != -1:
        newlines += joined.count("\n", pos, at + 1)
        found.append(newlines - 1)
        pos = at + 1
    return found


@dataclass(frozen=True, slots=True)
class MatchSettings:
    """Which rules run and how wide they cast the net (one set for every command)."""

    rules: frozenset[str] = frozenset(RULES)
    """Rules to apply (subset of :data:`RULES`)."""
    other_suffixes: bool = True
    """Rule (f): also report matches under another public suffix than the target's."""
    top: int | None = 500
    """Candidates per target for rule (a), most likely first; ``None``: all."""
    min_likelihood: float = 0.0
    """Candidates less likely than this per typing, in [0, 1], are not kept for rule (a)."""
    max_distance: int = 2
    """Largest OSA edit distance for rule (e), 0-3; 0 turns rule (e) off."""
    short_label: int = 7
    """Target labels of at most this many characters use distance 1 at most (two edits in a
    six-letter word leave a different word: on the benchmark's English NRD list, distance 2
    for 6-7 letter targets added false positives and found no planted typo more)."""
    min_distance_label: int = 4
    """Target labels shorter than this are not used by rule (e) (``ibm`` is 1 edit from
    hundreds of unrelated names)."""
    min_label: int = 3
    """Target labels shorter than this are not used by the containment rules (c), (d)."""
    min_contained: int = 5
    """Target labels shorter than this count for rule (c) only as a separated word
    (``ibm-login``, not ``nibmle``)."""
    words: bool = True
    """Keep false positives down with an English word list (:mod:`typorisk.match.words`):
    rule (c) takes a brand glued to other letters (``brandlogin``, not ``brand-login``) only
    on word boundaries of the label split into words (``paypallogin``, not ``another`` for
    ``other``); rule (e) skips labels that are English words (``correction``)."""
    min_score: float = 0.0
    """Hits scoring below this, in [0, 1], are dropped."""
    allow: frozenset[str] = frozenset()
    """Registrable domains (A-labels) never reported: your own other domains, partners."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One name that looks like a protected target, and why: the one result of every command
    (``watch``, ``match``, ``policyd``)."""

    name: str
    """The name as matched (lowercase A-label; may be below its registrable domain)."""
    domain: str
    """Its registrable domain (lowercase A-label)."""
    target: str
    """The target's typed name (``fqdn``, lowercase A-label)."""
    rule: str
    """The rule that fired (one of :data:`RULES`)."""
    score: float
    """How strongly it looks like the target, in [0, 1] (see :func:`rule_score`)."""
    other_suffix: bool
    """True when the name's suffix differs from the target's (rule f)."""
    detail: str
    """What matched: the typo kinds, the distance, the words around the brand."""
    kinds: tuple[str, ...] = ()
    """Operators that generate the domain, most likely first (rule a); ``()`` otherwise."""
    distance: int = 0
    """OSA distance of ``domain`` to the target's registrable domain or typed name, whichever
    is closer, capped at 10 (10: further)."""
    part: str = "label"
    """Where the edit is against that name: ``label``, ``suffix``, ``dot`` (a dot moved,
    missing or added) or ``label+suffix``."""
    likelihood: float = 0.0
    """Probability per typing from the typing model, in [0, 1], for a generated domain
    (rule a under the target's suffix); 0.0 otherwise."""

    @property
    def match(self) -> str:
        """The rule, under the name of the mail-log column (``typorisk match``)."""
        return self.rule


def rule_score(
    rule: str, *, target_len: int, head_len: int = 0, distance: int = 0, separated: bool = False
) -> float:
    """The base score of a rule, in [0, 1]: ``skeleton`` 1.0, ``candidate`` 0.95, ``folded``
    0.9, ``distance`` 0.9·(1 − d/(len+1)), ``combo`` 0.4 + 0.4·(share of the name that is the
    brand), + 0.1 when the brand stands between separators (``brand-login``). Rule (f) then
    multiplies by :data:`OTHER_SUFFIX_FACTOR` (not ``folded`` nor generated candidates)."""
    if rule == "skeleton":
        return 1.0
    if rule == "candidate":
        return 0.95
    if rule == "folded":
        return 0.9
    if rule == "distance":
        return round(0.9 * (1 - distance / (target_len + 1)), 4)
    return round(0.4 + 0.4 * target_len / max(head_len, target_len) + 0.1 * separated, 4)


def normal_name(text: str) -> str | None:
    """A list line as a name: stripped, lowercase, without trailing dot, Unicode converted to
    an A-label; ``None`` when it is no valid LDH host name."""
    name = text.strip().lower().rstrip(".")
    if not name.isascii():
        try:
            name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return name if "." in name and is_ldh_name(name) else None


@dataclass(slots=True)
class Batch:
    """The names of one :meth:`Matcher.match_names` call, split, and the best hit so
    far per position. ``domains[i]`` is None for a name that is never reported (no public
    suffix, a target or allowed); ``heads[i]`` is what precedes the suffix, subdomains
    included (for ``xn--`` names, the lowercase skeleton of their Unicode form when it is
    ASCII)."""

    names: list[str]
    labels: list[str]
    heads: list[str]
    domains: list[str | None] = field(default_factory=list)
    best: dict[int, Hit] = field(default_factory=dict)
    skeletons: dict[int, str] = field(default_factory=dict)
    """Latin folds (:func:`~typorisk.match.confusables.latin_fold`) of the ``xn--``
    registrable labels, for rule (e)."""
    split: dict[int, str] = field(default_factory=dict)
    """Suffixes of the names that are not ``label.suffix`` (split by the PSL)."""
    xn: list[int] = field(default_factory=list)
    """Indexes of the names whose (registrable) label is an ``xn--`` label, set once the
    names are split (:func:`xn_positions`)."""

    def __post_init__(self) -> None:
        if not self.domains:
            self.domains = list(self.names)

    def suffix(self, i: int) -> str:
        """The public suffix of name ``i``."""
        found = self.split.get(i)
        return found if found is not None else self.names[i][len(self.labels[i]) + 1 :]


@dataclass(slots=True)
class MatchTargets:
    """Targets and the indexes built from them (one list; indexes hold positions in it)."""

    targets: list[Target]
    by_label: dict[str, list[int]] = field(default_factory=dict)
    lengths: dict[int, list[int]] = field(default_factory=dict)


def unicode_label(label: str) -> str | None:
    """The Unicode form of an ``xn--`` label, or None when it is no valid punycode."""
    try:
        return codecs.decode(label[4:].encode("ascii"), "punycode")
    except (UnicodeError, ValueError):
        return None


def scaled(hit: Hit, factor: float) -> Hit:
    """``hit`` with its score multiplied by ``factor``."""
    return replace(hit, score=round(hit.score * factor, 4))


def osa_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance between ``a`` and ``b`` (rapidfuzz), or ``limit + 1``
    when it exceeds ``limit``; ``limit`` ≥ 0."""
    return int(OSA.distance(a, b, score_cutoff=limit))


def edit_part(domain: str, reference: str) -> str:
    """Where ``domain`` differs from ``reference`` (both ``label.suffix`` style names)."""
    label, _, suffix = domain.partition(".")
    ref_label, _, ref_suffix = reference.partition(".")
    if suffix == ref_suffix:
        return "label"
    if label == ref_label:
        return "suffix"
    if domain.replace(".", "") == reference.replace(".", ""):
        return "dot"
    return "label+suffix"


def closest(domain: str, target: Target) -> tuple[int, str]:
    """(distance, part) from ``domain`` to the nearer of the target's registrable domain and
    typed name (distance capped at 10)."""
    return min(
        (osa_distance(domain, ref, 9), edit_part(domain, ref))
        for ref in {target.registrable, target.fqdn}
    )
