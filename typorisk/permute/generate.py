"""The permutation engine: run the selected operators, keep what is registrable, rank.

Per target: every operator yields ``(typed, p)``; identical typed names are merged (their
probabilities add, their kinds accumulate); each unique name is checked once — IDNA 2008 A-label,
LDH labels, length limits, a real ICANN suffix, a registrable domain different from the target's —
and names reaching the same registrable domain are merged again (:mod:`typorisk.permute.pool`).
Lazy operators (two-edit typos) are then taken best-first only as far as ``--top`` or
``--two-edit-top`` needs. Targets are processed one at a time, so memory is bounded by one
target's candidates, whatever the number of targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from typorisk.model import Candidate, Target
from typorisk.parse.psl import PublicSuffixList, load_psl
from typorisk.parse.targets import parse_target
from typorisk.permute import (  # noqa: F401  (registers operators)
    dot_ops,
    label_ops,
    suffix_ops,
    translit_ops,
    twoedit,
    visual_ops,
    word_ops,
)
from typorisk.permute.idnpolicy import IdnPolicy, load_idn_policy
from typorisk.permute.likelihood import DEFAULT_MODEL, Model, layouts_for, tables_for
from typorisk.permute.pool import Pool
from typorisk.permute.registry import OPERATORS, Context, select_kinds
from typorisk.permute.suffixes import COMMON_SUFFIXES, load_swap_list


def make_context(
    target: Target,
    *,
    model: Model = DEFAULT_MODEL,
    psl: PublicSuffixList | None = None,
    idn_policy: IdnPolicy | None = None,
    words: Iterable[str] = (),
    swaps: tuple[tuple[str, float], ...] | None = None,
) -> Context:
    """The read-only context the operators see for ``target`` (``swaps``: the suffix swap list,
    default :data:`~typorisk.permute.suffixes.COMMON_SUFFIXES`)."""
    typed = target.unicode if target.unicode != target.fqdn else target.fqdn
    labels = typed.split(".")
    suffix_count = target.suffix.count(".") + 1
    prefix_labels = labels[: -(suffix_count + 1)]
    return Context(
        target=target,
        model=model,
        tables=tables_for(model, layouts_for(model, target.suffix)),
        psl=psl or load_psl(),
        idn=idn_policy or load_idn_policy(),
        words=tuple(words),
        prefix="".join(f"{x}." for x in prefix_labels),
        label=labels[-(suffix_count + 1)],
        suffix=".".join(labels[-suffix_count:]),
        swap_suffixes=swaps or COMMON_SUFFIXES,
    )


def gather(ctx: Context, kinds: Iterable[str]) -> Pool:
    """Run the operators ``kinds`` on one target and gather their registrable names."""
    by_typed: dict[str, dict[str, float]] = {}
    for kind in kinds:
        for typed, p in OPERATORS[kind].func(ctx):
            entry = by_typed.get(typed)
            if entry is None:
                by_typed[typed] = {kind: p}
            else:
                entry[kind] = entry.get(kind, 0.0) + p
    pool = Pool(ctx)
    pool.add_many(by_typed)
    return pool


def generate(ctx: Context, kinds: Iterable[str]) -> list[Candidate]:
    """Every candidate of one target, unsorted. ``kinds`` must be registered operator names."""
    pool = gather(ctx, kinds)
    return [pool.candidate(d) for d in pool.by_domain]


DEFAULT_LAZY_LIMIT = 100
"""New names taken from a lazy kind asked for by name with neither ``top`` nor a count."""


def _take_lazy(pool: Pool, ctx: Context, kind: str, limit: int | None, top: int | None) -> None:
    """Merge names of the lazy operator ``kind`` into ``pool``, best first, stopping at
    ``limit`` new domains, or once a name cannot enter ``top`` (below the current N-th)."""
    floor = 0.0
    if top is not None and len(pool.by_domain) >= top:
        floor = pool.likelihood(pool.ranked(top, 0.0)[-1])
    if limit is None:
        limit = top or DEFAULT_LAZY_LIMIT
    bound = OPERATORS[kind].ceiling
    if floor > 0 and bound is not None and bound(ctx) < floor:
        return  # nothing it could yield would make the cut: the walk is not even started
    have = pool.by_domain
    mine: set[str] = set()
    cut = len(ctx.prefix)
    for typed, p in OPERATORS[kind].func(ctx):
        if len(mine) >= limit or p < floor:
            break  # the walk stops here: nothing further is computed
        registrable = typed[cut:]  # the walk edits the label only
        if registrable in have and registrable not in mine:
            continue  # already a candidate through a likelier kind
        if pool.add(typed, {kind: p}) is not None:
            mine.add(registrable)  # a second path to a name adds its probability


def _pools(
    targets: Iterable[str | Target],
    *,
    kinds: Iterable[str] | None,
    exclude_kinds: Iterable[str] | None,
    top: int | None,
    words: Iterable[str],
    model: Model,
    psl_path: Path | None,
    idn_policy: IdnPolicy | None,
    tld: str | Path | None,
    two_edit_top: int | None,
) -> Iterator[Pool]:
    """One gathered :class:`Pool` per target (see :func:`permute` for the arguments)."""
    word_list = tuple(w.strip().lower() for w in words if w.strip())
    selected = select_kinds(kinds, exclude_kinds, with_words=bool(word_list))
    lazy = [k for k in selected if OPERATORS[k].lazy]
    eager = [k for k in selected if not OPERATORS[k].lazy]
    on = two_edit_top != 0 and bool(two_edit_top or top)
    if kinds is None and on and select_kinds(["two-edit"], exclude_kinds):
        lazy.append("two-edit")
    # load_psl() and load_psl(None) are two entries of its cache: calling it as parse_target
    # does shares one parse (~0.1 s of a whole run)
    psl = load_psl(psl_path) if psl_path is not None else load_psl()
    swaps = load_swap_list(tld, psl) if tld is not None else None
    for item in targets:
        target = item if isinstance(item, Target) else parse_target(item)
        ctx = make_context(
            target, model=model, psl=psl, idn_policy=idn_policy, words=word_list, swaps=swaps
        )
        pool = gather(ctx, eager)
        for kind in lazy:
            _take_lazy(pool, ctx, kind, two_edit_top, top)
        yield pool


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
    tld: str | Path | None = None,
    two_edit_top: int | None = None,
) -> Iterator[Candidate]:
    """Yield the likely typo domains of each target, most likely first within each target.

    ``targets``: domains, e-mail addresses or URLs (parsed by
    :func:`~typorisk.parse.targets.parse_target`) or parsed :class:`Target` records. ``kinds`` and
    ``exclude_kinds`` take kind or group names (``label``, ``suffix``, ``dot``, ``visual``,
    ``all``); ``None`` runs the defaults. ``top`` keeps the N most likely per target;
    ``min_likelihood`` drops candidates below it (a probability per typing, in [0, 1]).
    Ties are broken by domain name, so output is deterministic.

    ``tld``: the suffix swap list, a file (``suffix [weight]`` a line) or ``"all"`` for every
    delegated TLD (:mod:`typorisk.permute.suffixes`); ``None`` keeps the short default list.
    ``two_edit_top``: two-edit typos (kind ``two-edit``), walked lazily best-first. ``None``
    (default): only those likely enough to enter ``top``, and none without ``top``; ``0``: none;
    ``N``: up to N new ones per target (still cut by ``top``).

    Raises :class:`~typorisk.errors.InvalidTargetError` for an unparsable target string (use
    :func:`~typorisk.parse.targets.iter_targets` to keep going past bad input),
    :class:`~typorisk.errors.UnknownKindError` for an unknown kind and
    :class:`~typorisk.errors.DataFileError` for a bad ``tld`` file, before yielding anything.
    """
    pools = _pools(
        targets,
        kinds=kinds,
        exclude_kinds=exclude_kinds,
        top=top,
        words=words,
        model=model,
        psl_path=psl_path,
        idn_policy=idn_policy,
        tld=tld,
        two_edit_top=two_edit_top,
    )
    for pool in pools:
        for domain in pool.ranked(top, min_likelihood):
            yield pool.candidate(domain)


def permute_domains(
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
    tld: str | Path | None = None,
    two_edit_top: int | None = None,
) -> Iterator[list[str]]:
    """The registrable domains of :func:`permute`, in the same order, as one list per target,
    without building a :class:`Candidate` per name (for ``--format list``: a third faster)."""
    pools = _pools(
        targets,
        kinds=kinds,
        exclude_kinds=exclude_kinds,
        top=top,
        words=words,
        model=model,
        psl_path=psl_path,
        idn_policy=idn_policy,
        tld=tld,
        two_edit_top=two_edit_top,
    )
    for pool in pools:
        yield pool.ranked(top, min_likelihood)
