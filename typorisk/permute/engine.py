"""The permutation engine: run the selected operators, keep what is registrable, rank.

Per target: every operator yields ``(typed, p)``; identical typed names are merged (their
probabilities add, their kinds accumulate); each unique name is checked once — IDNA 2008 A-label,
LDH labels, length limits, a real ICANN suffix, a registrable domain different from the target's —
and names reaching the same registrable domain are merged again. Targets are processed one at a
time, so memory is bounded by one target's candidates, whatever the number of targets.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import idna

from typorisk.model import Candidate, Target
from typorisk.parse.psl import PublicSuffixList, load_psl
from typorisk.parse.targets import parse_target, to_unicode
from typorisk.permute import (  # noqa: F401  (registers operators)
    dot_ops,
    label_ops,
    suffix_ops,
    visual_ops,
    word_ops,
)
from typorisk.permute.idnpolicy import IdnPolicy, load_idn_policy
from typorisk.permute.likelihood import DEFAULT_MODEL, Model, tables_for
from typorisk.permute.registry import OPERATORS, Context, select_kinds

_LDH_NAME = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z"
)
_MAX_NAME = 253


def make_context(
    target: Target,
    *,
    model: Model = DEFAULT_MODEL,
    psl: PublicSuffixList | None = None,
    idn_policy: IdnPolicy | None = None,
    words: Iterable[str] = (),
) -> Context:
    """The read-only context the operators see for ``target``."""
    typed = target.unicode if target.unicode != target.fqdn else target.fqdn
    labels = typed.split(".")
    suffix_count = target.suffix.count(".") + 1
    prefix_labels = labels[: -(suffix_count + 1)]
    return Context(
        target=target,
        model=model,
        tables=tables_for(model),
        psl=psl or load_psl(),
        idn=idn_policy or load_idn_policy(),
        words=tuple(words),
        prefix="".join(f"{x}." for x in prefix_labels),
        label=labels[-(suffix_count + 1)],
        suffix=".".join(labels[-suffix_count:]),
    )


def _alabel(typed: str) -> str | None:
    """A-label form of a typed name, or None when IDNA 2008 refuses it."""
    if typed.isascii():
        return typed
    try:
        return idna.encode(typed).decode("ascii")
    except (idna.IDNAError, UnicodeError, IndexError):
        return None


def _reserved_ok(fqdn: str) -> bool:
    """False when an ASCII label has ``--`` in positions 3-4 without being a valid A-label."""
    for label in fqdn.split("."):
        if label[2:4] == "--":
            if not label.startswith("xn--"):
                return False  # reserved R-LDH label
            try:
                idna.decode(label)
            except (idna.IDNAError, UnicodeError):
                return False
    return True


def _check(ctx: Context, typed: str) -> tuple[str, str, str, str] | None:  # noqa: PLR0911
    """(fqdn, registrable domain, its Unicode form, suffix) of a typed name, or None when it is
    not a candidate: not IDNA-valid, not LDH, too long, not under an ICANN suffix, the target's
    own registrable domain, or an IDN where the registry sells none."""
    ascii_typed = typed.isascii()
    fqdn = typed if ascii_typed else _alabel(typed)
    if fqdn is None or len(fqdn) > _MAX_NAME or not _LDH_NAME.match(fqdn):
        return None
    if ascii_typed and "--" in fqdn and not _reserved_ok(fqdn):
        return None
    split = ctx.psl.split(fqdn)
    if split is None:
        return None
    domain, suffix = split
    if domain == ctx.target.registrable:
        return None
    if ascii_typed:
        if "xn--" not in domain:
            return fqdn, domain, domain, suffix
        unicode = to_unicode(domain)
    else:
        unicode = ".".join(typed.split(".")[-(domain.count(".") + 1) :])
    if not ctx.idn.for_suffix(suffix).scripts and "xn--" in domain.partition(".")[0]:
        return None  # this registry sells no IDNs
    return fqdn, domain, unicode, suffix


class _Found:
    """Accumulator for one registrable domain while a target is being permuted."""

    __slots__ = ("best", "best_p", "domain_dots", "kinds", "p", "suffix", "unicode")

    def __init__(
        self, p: float, kinds: dict[str, float], fqdn: str, suffix: str, unicode: str
    ) -> None:
        self.domain_dots = suffix.count(".") + 1
        self.p = p
        self.kinds = dict(kinds)
        self.best = fqdn
        self.best_p = p
        self.suffix = suffix
        self.unicode = unicode

    def add(self, p: float, kinds: dict[str, float], fqdn: str) -> None:
        """Merge one more typed name reaching this domain.

        ``best`` (the candidate's ``fqdn``) is the likeliest typed name *below* the domain when
        there is one (``g.mail.com`` for ``mail.com``): it is what was typed beyond the registrable
        domain, which the bare domain alone would hide. Otherwise the likeliest typed name.
        """
        self.p += p
        for kind, q in kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0.0) + q
        deeper = fqdn.count(".") - self.best.count(".")
        bare = self.best.count(".") == self.domain_dots
        if (deeper > 0 and bare) or (deeper >= 0 and p > self.best_p):
            self.best, self.best_p = fqdn, p


def _ordered_kinds(kinds: dict[str, float]) -> tuple[str, ...]:
    """Kinds by contribution, largest first (ties by name)."""
    if len(kinds) == 1:
        return tuple(kinds)
    return tuple(k for k, _ in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))


def generate(ctx: Context, kinds: Iterable[str]) -> list[Candidate]:
    """Every candidate of one target, unsorted. ``kinds`` must be registered operator names."""
    by_typed: dict[str, dict[str, float]] = {}
    for kind in kinds:
        for typed, p in OPERATORS[kind].func(ctx):
            entry = by_typed.get(typed)
            if entry is None:
                by_typed[typed] = {kind: p}
            else:
                entry[kind] = entry.get(kind, 0.0) + p
    by_domain: dict[str, _Found] = {}
    for typed, kind_p in by_typed.items():
        p = sum(kind_p.values())
        checked = _check(ctx, typed)
        if checked is None:
            continue
        fqdn, domain, unicode, suffix = checked
        found = by_domain.get(domain)
        if found is None:
            by_domain[domain] = _Found(p, kind_p, fqdn, suffix, unicode)
        else:
            found.add(p, kind_p, fqdn)
    target = ctx.target.fqdn
    return [
        Candidate(
            target=target,
            domain=domain,
            fqdn=found.best,
            unicode=found.unicode,
            kinds=_ordered_kinds(found.kinds),
            likelihood=min(found.p, 1.0),
            suffix=found.suffix,
        )
        for domain, found in by_domain.items()
    ]


def _rank_key(c: Candidate) -> tuple[float, str]:
    return (-c.likelihood, c.domain)


def permute(
    targets: Iterable[str | Target],
    *,
    kinds: Iterable[str] | None = None,
    exclude_kinds: Iterable[str] | None = None,
    top: int | None = None,
    min_likelihood: float = 0.0,
    words: Iterable[str] = (),
    model: Model = DEFAULT_MODEL,
    psl_path: Path | None = None,
    idn_policy: IdnPolicy | None = None,
) -> Iterator[Candidate]:
    """Yield the likely typo domains of each target, most likely first within each target.

    ``targets``: domains, e-mail addresses or URLs (parsed by
    :func:`~typorisk.parse.targets.parse_target`) or parsed :class:`Target` records. ``kinds`` and
    ``exclude_kinds`` take kind or group names (``label``, ``suffix``, ``dot``, ``visual``,
    ``all``); ``None`` runs the defaults. ``top`` keeps the N most likely per target;
    ``min_likelihood`` drops candidates below it (a probability per typing, in [0, 1]).
    Ties are broken by domain name, so output is deterministic.

    Raises :class:`~typorisk.errors.InvalidTargetError` for an unparsable target string (use
    :func:`~typorisk.parse.targets.iter_targets` to keep going past bad input) and
    :class:`~typorisk.errors.UnknownKindError` for an unknown kind, before yielding anything.
    """
    word_list = tuple(w.strip().lower() for w in words if w.strip())
    selected = select_kinds(kinds, exclude_kinds, with_words=bool(word_list))
    psl = load_psl(psl_path)
    for item in targets:
        target = item if isinstance(item, Target) else parse_target(item)
        ctx = make_context(target, model=model, psl=psl, idn_policy=idn_policy, words=word_list)
        found = generate(ctx, selected)
        if min_likelihood > 0:
            found = [c for c in found if c.likelihood >= min_likelihood]
        if top is not None:
            yield from heapq.nsmallest(top, found, key=_rank_key)
        else:
            yield from sorted(found, key=_rank_key)
