"""Checking typed names once and merging those that reach one registrable domain.

Each unique typed name is checked once — IDNA 2008 A-label, LDH labels, length limits, a real
ICANN suffix, a registrable domain different from the target's — and names reaching the same
registrable domain are merged: their probabilities add, their kinds accumulate.
"""

from __future__ import annotations

import heapq
import re
from typing import Literal

import idna

from typorisk.model import Candidate
from typorisk.parse.targets import to_unicode
from typorisk.permute.registry import Context

_LDH_NAME = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z"
)
_LDH_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\Z")
_MAX_NAME = 253


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

    __slots__ = ("best", "best_p", "domain_dots", "kinds", "p", "suffix", "unicode", "whole")

    def __init__(  # noqa: PLR0917 - the fields, in order
        self,
        p: float,
        kinds: dict[str, float],
        fqdn: str,
        suffix: str,
        unicode: str,
        whole: bool = True,
    ) -> None:
        self.domain_dots = suffix.count(".") + 1
        self.p = p
        self.kinds = kinds
        self.best = fqdn
        self.best_p = p
        self.suffix = suffix
        self.unicode = unicode
        self.whole = whole
        """Some typed name reaching the domain is the domain itself, or the target's own
        subdomain over it (``us.cprp.com`` for ``us.corp.com``): the typo *is* a registrable
        domain. False when every typed name lies below someone's domain (``cha.se.com``)."""

    def add(self, p: float, kinds: dict[str, float], fqdn: str, whole: bool = True) -> None:
        """Merge one more typed name reaching this domain (``whole``: see :attr:`whole`).

        ``best`` (the candidate's ``fqdn``) is the likeliest typed name *below* the domain when
        there is one (``g.mail.com`` for ``mail.com``): it is what was typed beyond the registrable
        domain, which the bare domain alone would hide. Otherwise the likeliest typed name.
        """
        self.p += p
        if whole:
            self.whole = True
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


class _LabelOnly:
    """A shortcut for :func:`_check` that is exact for the common case, with a figure: names that
    differ from the target only in the registrable label (``prefix`` + new label + ``.suffix``,
    about 9 in 10 of all typed names) are checked with one regex and three set lookups instead of
    the full PSL walk; it halved :func:`_check`'s time on the 125 benchmark targets. Anything
    else (a dot or ``xn--`` in the new label, an IDN, a suffix with a wildcard rule, a domain
    that is itself a PSL node) goes the full way, so the answer is always :func:`_check`'s.
    """

    __slots__ = ("head", "max_label", "nodes", "own", "suffix", "tail")

    def __init__(self, ctx: Context) -> None:
        suffix, psl = ctx.suffix, ctx.psl
        self.head = ctx.prefix
        self.tail = "." + suffix
        self.suffix = suffix
        self.own = ctx.target.registrable
        simple = (
            ctx.prefix.isascii()
            and suffix.isascii()
            and "xn--" not in suffix
            and suffix not in psl.wildcards
            and psl.split("a" + self.tail) == ("a" + self.tail, suffix)
        )
        self.nodes = (psl.nodes, psl.exceptions, psl.wildcards) if simple else None
        self.max_label = _MAX_NAME - len(self.head) - len(self.tail)

    def check(self, typed: str) -> tuple[str, str, str, str] | Literal[False] | None:
        """``_check``'s answer for ``typed``, or False when the shortcut does not apply."""
        head, tail = self.head, self.tail
        if self.nodes is None or not (typed.startswith(head) and typed.endswith(tail)):
            return False
        label = typed[len(head) : len(typed) - len(tail)]
        if "." in label or not label.isascii() or label[2:4] == "--":
            return False
        if len(label) > self.max_label or not _LDH_LABEL.match(label):
            return None
        domain = label + tail
        if domain == self.own:
            return None
        nodes, exceptions, wildcards = self.nodes
        if domain in nodes or domain in exceptions or domain in wildcards:
            return False
        return typed, domain, domain, self.suffix


class Pool:
    """The candidates of one target while they are being gathered (memory: one target's)."""

    __slots__ = ("by_domain", "ctx", "label_only", "own_prefix", "shortcut")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        sub = ctx.target.subdomain
        self.own_prefix = f"{sub}." if sub else ""
        """The target's own typed labels over its registrable domain (A-label, with the dot)."""
        self.by_domain: dict[str, _Found] = {}
        self.label_only = _LabelOnly(ctx)
        self.shortcut = self.label_only.check

    def add_many(self, by_typed: dict[str, dict[str, float]]) -> None:
        """:meth:`add` for each ``typed → {kind: p}`` (the dicts are taken over, not copied).

        :meth:`_LabelOnly.check` is inlined here, in the loop every candidate goes through: a
        method call per name was a sixth of the engine's time on the benchmark targets.
        """
        fast = self.label_only
        if fast.nodes is None:
            for typed, kind_p in by_typed.items():
                self.add(typed, kind_p)
            return
        head, tail, own, suffix, max_label = (
            fast.head,
            fast.tail,
            fast.own,
            fast.suffix,
            fast.max_label,
        )
        nodes, exceptions, wildcards = fast.nodes
        cut_head, cut_tail = len(head), len(tail)
        match, by_domain, slow = _LDH_LABEL.match, self.by_domain, self.add
        for typed, kind_p in by_typed.items():
            if typed.startswith(head) and typed.endswith(tail):
                label = typed[cut_head : len(typed) - cut_tail]
                if "." not in label and label.isascii() and label[2:4] != "--":
                    if len(label) > max_label or not match(label):
                        continue
                    domain = label + tail
                    if domain == own:
                        continue
                    if domain not in nodes and domain not in exceptions and domain not in wildcards:
                        p = sum(kind_p.values()) if len(kind_p) > 1 else next(iter(kind_p.values()))
                        found = by_domain.get(domain)
                        if found is None:
                            by_domain[domain] = _Found(p, kind_p, typed, suffix, domain)
                        else:
                            found.add(p, kind_p, typed)
                        continue
            slow(typed, kind_p)

    def add(self, typed: str, kind_p: dict[str, float]) -> str | None:
        """Check ``typed`` and merge it; its registrable domain, or None when it is no
        candidate. ``kind_p`` maps each kind that produced ``typed`` to its probability."""
        checked = self.shortcut(typed)
        if checked is False:
            checked = _check(self.ctx, typed)
        if checked is None:
            return None
        p = sum(kind_p.values()) if len(kind_p) > 1 else next(iter(kind_p.values()))
        fqdn, domain, unicode, suffix = checked
        whole = fqdn == domain or fqdn == self.own_prefix + domain
        found = self.by_domain.get(domain)
        if found is None:
            self.by_domain[domain] = _Found(p, dict(kind_p), fqdn, suffix, unicode, whole)
        else:
            found.add(p, kind_p, fqdn, whole)
        return domain

    def ranked(self, top: int | None, min_likelihood: float) -> list[str]:
        """Domains most likely first (ties by name), each at least ``min_likelihood`` likely;
        the first ``top`` of them when ``top`` is set."""
        items = self.by_domain.items()
        if min_likelihood > 0:
            keyed = [(-min(f.p, 1.0), d) for d, f in items if min(f.p, 1.0) >= min_likelihood]
        else:
            keyed = [(-min(f.p, 1.0), d) for d, f in items]
        chosen = heapq.nsmallest(top, keyed) if top is not None else sorted(keyed)
        return [d for _, d in chosen]

    def likelihood(self, domain: str) -> float:
        """The merged likelihood of ``domain`` so far (in [0, 1])."""
        return min(self.by_domain[domain].p, 1.0)

    def candidate(self, domain: str) -> Candidate:
        """The :class:`Candidate` record of one gathered domain."""
        found = self.by_domain[domain]
        return Candidate(
            target=self.ctx.target.fqdn,
            domain=domain,
            fqdn=found.best,
            block=domain if found.whole else found.best,
            unicode=found.unicode,
            kinds=_ordered_kinds(found.kinds),
            likelihood=min(found.p, 1.0),
            suffix=found.suffix,
        )
