"""The operator registry and the per-target context operators read.

An operator is a small pure generator: given a :class:`Context` it yields ``(typed, p)`` pairs,
``typed`` being the whole name a person would type (lowercase, Unicode allowed, no trailing dot)
and ``p`` the probability of that edit path under the model. The engine — not the operator —
checks registrability, converts to A-labels and merges duplicates, so operators stay tiny.

The registry rejects duplicate names at registration and unknown names at selection, loudly.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from typorisk.errors import DuplicateKindError, UnknownKindError
from typorisk.model import Target
from typorisk.parse.psl import PublicSuffixList
from typorisk.permute.idnpolicy import IdnPolicy
from typorisk.permute.likelihood import Model, Tables
from typorisk.permute.suffixes import COMMON_SUFFIXES


@dataclass(frozen=True, slots=True)
class Context:
    """What an operator may read about one target. Everything here is immutable."""

    target: Target
    model: Model
    tables: Tables
    psl: PublicSuffixList
    idn: IdnPolicy
    words: tuple[str, ...]
    """Extra words for combosquats (lowercase LDH), possibly empty."""
    prefix: str
    """Typed labels left of the registrable label, with their trailing dot (``"us."`` or ``""``)."""
    label: str
    """The registrable label as typed: Unicode for an IDN target, else the A-label."""
    suffix: str
    """The public suffix as typed (Unicode for IDN suffixes)."""
    swap_suffixes: tuple[tuple[str, float], ...] = COMMON_SUFFIXES
    """The swap list: ``(suffix, relative weight)`` people substitute from memory (``--tld``)."""

    def name(self, label: str) -> str:
        """The typed name with the registrable label replaced."""
        return f"{self.prefix}{label}.{self.suffix}"

    def with_suffix(self, suffix: str) -> str:
        """The typed name with the public suffix replaced."""
        return f"{self.prefix}{self.label}.{suffix}"

    @property
    def typed(self) -> str:
        """The whole name as typed."""
        return f"{self.prefix}{self.label}.{self.suffix}"


Operator = Callable[[Context], Iterable[tuple[str, float]]]


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    """A registered operator: its kind name, group and one-line description."""

    name: str
    group: str
    summary: str
    func: Operator
    default: bool
    lazy: bool = False
    """Yields best-first from a space too large to list: the engine takes only what it needs."""
    ceiling: Callable[[Context], float] | None = None
    """For a lazy operator: an upper bound of any probability it can yield for a context, so the
    engine can skip it when nothing could make the cut."""


OPERATORS: dict[str, OperatorInfo] = {}
"""Every registered operator by kind name, in registration order."""


def operator(
    name: str,
    group: str,
    summary: str,
    *,
    default: bool = True,
    lazy: bool = False,
    ceiling: Callable[[Context], float] | None = None,
) -> Callable[[Operator], Operator]:
    """Register ``func`` under ``name``; a second registration of a name raises.

    ``lazy``: ``func`` yields in non-increasing probability from an unbounded space, so the
    engine stops taking names at a count or a likelihood floor (two-edit typos)."""

    def register(func: Operator) -> Operator:
        if name in OPERATORS:
            raise DuplicateKindError(f"typo kind {name!r} is registered twice")
        OPERATORS[name] = OperatorInfo(name, group, summary, func, default, lazy, ceiling)
        return func

    return register


def groups() -> dict[str, list[str]]:
    """Group name → kind names (``label``, ``dot``, ``suffix``, ``visual``, ``extra``, ``all``)."""
    out: dict[str, list[str]] = {"all": list(OPERATORS)}
    for info in OPERATORS.values():
        out.setdefault(info.group, []).append(info.name)
    return out


def select_kinds(
    kinds: Iterable[str] | None = None,
    exclude: Iterable[str] | None = None,
    *,
    with_words: bool = False,
) -> tuple[str, ...]:
    """Resolve kind and group names into the operators to run, in registry order.

    ``kinds=None`` means every default operator (plus ``combosquat`` when ``with_words``).
    Raises :class:`UnknownKindError` for a name that is neither a kind nor a group.
    """
    table = groups()

    def expand(names: Iterable[str]) -> set[str]:
        chosen: set[str] = set()
        for raw in names:
            name = raw.strip().lower()
            if not name:
                continue
            if name in OPERATORS:
                chosen.add(name)
            elif name in table:
                chosen.update(table[name])
            else:
                raise UnknownKindError(name, [*OPERATORS, *sorted(table)])
        return chosen

    if kinds is None:
        wanted = {n for n, info in OPERATORS.items() if info.default}
        if with_words:
            wanted.add("combosquat")
    else:
        wanted = expand(kinds)
    wanted -= expand(exclude or ())
    return tuple(n for n in OPERATORS if n in wanted)


def run_operator(name: str, ctx: Context) -> Iterator[tuple[str, float]]:
    """Yield the ``(typed, p)`` pairs of operator ``name`` for ``ctx``."""
    yield from OPERATORS[name].func(ctx)
