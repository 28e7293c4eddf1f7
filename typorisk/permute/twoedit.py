"""Two-edit typos, generated lazily in likelihood order (best-first), never materialised.

A two-edit typo is a keyboard slip (omission, doubling, insertion, substitution, transposition)
on top of another, or on top of a dropped ``www.`` dot (``wwwbancofamerica.com``). The space is
large (about (74·n)² names for an n-letter label), so it is walked best-first:

- the first edits of the label, with their probabilities p₁, are sorted once;
- a max-heap holds frontier nodes: "row i, j-th second edit" with priority p₁(i)·p₂(i, j), and
  one "row opener" for the next unopened row with priority p₁(i)·B, B an upper bound of any
  slip's probability on any row's label (:func:`row_bound`). Opening a row computes and sorts
  the second edits of that one label.

So names come out in exactly non-increasing path probability, and the work done is the rows
opened (each ≈ 74·n edits) plus a heap operation per name: for ``--top 100`` on a 10-letter
label, a few rows instead of the ~550,000 names of the whole space.

A name's likelihood is the sum of the probabilities of the paths to it enumerated before the
walk stops: a lower bound of the model's sum over every path (both orders of two slips, say).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator

from typorisk.permute import edits
from typorisk.permute.likelihood import Model, Tables
from typorisk.permute.registry import Context, operator


def single_edits(s: str, m: Model, t: Tables, positional: bool = True) -> list[tuple[float, str]]:
    """Every keyboard slip of ``s`` as ``(p, edited)``, most likely first (ties by text)."""
    rate = m.error_rate
    out = [
        *edits.omissions(s, rate, m, positional),
        *edits.repetitions(s, rate, m, positional),
        *edits.insertions(s, rate, m, t, positional),
        *edits.replacements(s, rate, m, t, positional),
        *edits.transpositions(s, rate, m, positional),
    ]
    merged: dict[str, float] = {}
    for text, p in out:
        if text != s:
            merged[text] = merged.get(text, 0.0) + p
    return sorted(((p, x) for x, p in merged.items()), key=lambda px: (-px[0], px[1]))


def _longest_run(s: str) -> int:
    best = run = 1 if s else 0
    for a, b in itertools.pairwise(s):
        run = run + 1 if a == b else 1
        best = max(best, run)
    return best


def _phi(m: Model, *kinds: str) -> float:
    """The largest position factor of any of ``kinds`` on a string of any length (hand
    channel: max(1, φ))."""
    if m.channel != "fitted":
        return max(1.0, m.first_char_factor)
    return max(
        edits.position_bound(getattr(m, f"first_{k}"), getattr(m, f"last_{k}")) for k in kinds
    )


def _non_omission_bound(m: Model, t: Tables, runs: int) -> float:
    """Bound of any insertion/doubling, substitution or transposition of a string whose longest
    run is ``runs``, from the formulas in :mod:`typorisk.permute.edits`: at most R doubling
    paths and R + 1 insertion gaps reach one name, every insertion mixture is at most 1,
    a substitution at most the largest table entry plus the intrusion weight, a transposition at
    most its cross-hand boost; each times the largest position factor of those kinds."""
    rate, r = m.error_rate, runs
    phi = _phi(m, "insertion", "repetition", "substitution", "transposition")
    insertion = (
        rate
        * m.theta_insertion
        * (m.repetition_share * r + (1.0 - m.repetition_share - m.extra_dot_share) * (r + 1))
    )
    top_sub = max(max(row.values()) for row in t.substitution.values())
    substitution = rate * m.theta_substitution * min(1.0, top_sub + m.sub_intrusion)
    transposition = (
        rate * m.theta_transposition * (1.0 + m.cross_hand_boost) / (1.0 + m.cross_hand_boost / 2)
    )
    return phi * max(insertion, substitution, transposition)


def edit_bound(s: str, m: Model, t: Tables, runs: int | None = None) -> float:
    """An upper bound of the probability of any one slip of ``s`` (all paths to a name summed),
    or of any string whose longest run of one character is at most ``runs``: at most R omission
    paths reach one name, each at most ε·θ_om·(1+β) times the largest position factor."""
    r = _longest_run(s) if runs is None else runs
    omission = m.error_rate * m.theta_omission * (1.0 + m.doubled_boost) * r
    return max(omission * _phi(m, "omission"), _non_omission_bound(m, t, r))


def base_bound(s: str, m: Model, t: Tables) -> float:
    """A tighter bound than :func:`edit_bound` for one row's label ``s``: its omissions are
    computed (n of them, cheap) instead of bounded."""
    merged: dict[str, float] = {}
    for text, p in edits.omissions(s, m.error_rate, m, True):
        merged[text] = merged.get(text, 0.0) + p
    return max(max(merged.values(), default=0.0), _non_omission_bound(m, t, _longest_run(s)))


def row_bound(label: str, m: Model, t: Tables, *, www: bool) -> float:
    """One bound B for the second slip on *every* row: one slip can at most join two runs with
    one character between them, so no base has a run longer than 2R + 1 (3 for ``www``)."""
    runs = 2 * _longest_run(label) + 1
    return edit_bound(label, m, t, runs=max(runs, 3) if www else runs)


def ceiling(label: str, m: Model, t: Tables, *, www: bool) -> float:
    """An upper bound of any two-edit path probability of ``label``: cheap, so the engine can
    skip the walk entirely when even this cannot make ``--top``."""
    p_www = m.www_share * m.error_rate * m.theta_missing_dot if www else 0.0
    return max(edit_bound(label, m, t), p_www) * row_bound(label, m, t, www=www)


def two_edits(
    label: str,
    m: Model,
    t: Tables,
    *,
    www: bool,
    wanted: Callable[[str], bool] = lambda name: True,
) -> Iterator[tuple[str, float]]:
    """Yield ``(label, path probability)`` of two-edit typos of ``label``, best first.

    ``www``: also start from ``"www" + label`` (a bare domain typed with ``www.`` and the dot
    dropped: ``Model.www_share · ε · θ_missing_dot``). Names that are the label itself or one
    of its single slips are not two-edit typos and never come out; ``wanted(name)`` filters
    further (the engine drops names it already has). The caller stops the walk by no longer
    asking: nothing is computed beyond the rows the names taken so far needed.
    """
    first = single_edits(label, m, t)
    if www:
        p_www = m.www_share * m.error_rate * m.theta_missing_dot
        first.append((p_www, "www" + label))
        first.sort(key=lambda px: (-px[0], px[1]))
    singles = {x for _, x in first}
    bound = row_bound(label, m, t, www=www)
    rows: dict[int, list[tuple[float, str]]] = {}
    # heap entries: (-priority, tiebreak name, row, column). Column -1: open the row (priority
    # p1 · that row's own bound); column -2: the frontier of rows not yet bounded (priority
    # p1(next) · B, B one bound for every row): when it comes out, the next row gets its own,
    # tighter bound and the frontier moves on. Every entry's priority is at least that of any
    # name behind it, so names come out in exactly non-increasing order.
    heap: list[tuple[float, str, int, int]] = []
    if first:
        heap.append((-first[0][0] * bound, "", 0, -2))
    while heap:
        neg, _, row, col = heapq.heappop(heap)
        p1, base = first[row]
        if col == -2:
            heapq.heappush(heap, (-p1 * base_bound(base, m, t), "", row, -1))
            if row + 1 < len(first):
                heapq.heappush(heap, (-first[row + 1][0] * bound, "", row + 1, -2))
            continue
        if col == -1:
            rows[row] = single_edits(base, m, t)
            if rows[row]:
                p2, name = rows[row][0]
                heapq.heappush(heap, (-p1 * p2, name, row, 0))
            continue
        p2, name = rows[row][col]
        if col + 1 < len(rows[row]):
            q2, nxt = rows[row][col + 1]
            heapq.heappush(heap, (-p1 * q2, nxt, row, col + 1))
        if name != label and name not in singles and wanted(name):
            yield name, -neg


@operator(
    "two-edit",
    "extra",
    "two keyboard slips at once (gooogle → goooglr), best first; see --two-edit-top",
    default=False,
    lazy=True,
    ceiling=lambda ctx: (
        ceiling(ctx.label, ctx.model, ctx.tables, www=not ctx.prefix)
        if ctx.label.isascii()
        else 0.0
    ),
)
def two_edit(ctx: Context) -> Iterator[tuple[str, float]]:
    """Two-edit typos of the label, best first (:func:`two_edits`): lazy and unbounded, so the
    engine takes ``--two-edit-top`` of them, or those that make ``--top``."""
    if not ctx.label.isascii():
        return
    for label, p in two_edits(ctx.label, ctx.model, ctx.tables, www=not ctx.prefix):
        yield ctx.name(label), p
