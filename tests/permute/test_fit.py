"""The learning-to-rank fit of tests/permute/fit.py: its features are the engine's own terms."""

from __future__ import annotations

import numpy as np

from tests.permute import fit
from tests.permute.split import half_rows
from typorisk import permute
from typorisk.parse.targets import parse_target
from typorisk.permute.generate import gather, make_context
from typorisk.permute.registry import select_kinds


def test_parts_sum_to_the_engine_likelihood_of_every_candidate() -> None:
    for name in ("google.com", "hotmail.com", "t-online.de"):
        data = fit.target_data(name, frozenset())
        pool = gather(make_context(parse_target(name), model=fit.PRIOR), select_kinds())
        engine = np.array([pool.by_domain[d].p for d in data.domains])
        assert data.domains == tuple(sorted(pool.by_domain))
        assert np.allclose(data.matrix.sum(axis=1), engine, rtol=1e-9, atol=0), name
        want = {"insertion:key:first:consonant", "replacement:key:mid:vowel", "suffix-swap"}
        assert want <= set(data.parts), name
    assert "omission:doubled:mid:-" in fit.target_data("google.com", frozenset()).parts
    group = fit.VARIANTS["kind+term+first"]
    assert group("insertion:uniform:last:digit") == "insertion:uniform:rest"
    assert fit.VARIANTS["kind+class"]("insertion:key:mid:vowel") == "insertion:vowel"


def test_prior_hits_match_the_recall_table_of_the_tuning_half() -> None:
    targets = fit.half_targets("tune")
    for grouping in fit.VARIANTS.values():
        d = fit.design(targets, grouping)
        got, n = fit.hits(np.zeros(len(d.groups)), d, list(range(len(targets))))
        single = [r for r in half_rows("tune") if r["single_edit"] == "yes"]
        ranks = {
            t: {c.domain: i for i, c in enumerate(permute([t], model=fit.PRIOR), 1)}
            for t in sorted({r["target"] for r in single})
        }
        assert n == sum(r["typo"] in ranks[r["target"]] for r in single)
        assert got == sum(ranks[r["target"]].get(r["typo"], 10**9) <= fit.CUTOFF for r in single)


def test_a_strong_prior_keeps_the_fit_at_the_prior_and_the_gradient_is_exact() -> None:
    targets = fit.half_targets("tune")[:8]
    d = fit.design(targets, fit.VARIANTS["kind"])
    idx = list(range(len(targets)))
    assert np.abs(fit.fit(d, idx, 1e4)).max() < 1e-3
    rng = np.random.default_rng(0)
    u = rng.normal(0, 0.3, len(d.groups))
    for objective in (fit.loss, fit.soft_hits):
        _, grad = objective(u, d, idx, 0.01)
        step = np.zeros_like(u)
        j = int(np.argmax(np.abs(grad)))
        step[j] = 1e-6
        up, down = objective(u + step, d, idx, 0.01)[0], objective(u - step, d, idx, 0.01)[0]
        numeric = (up - down) / 2e-6
        assert abs(numeric - grad[j]) <= 1e-4 * max(1.0, abs(grad[j])), objective


def test_overrides_of_the_prior_are_the_prior() -> None:
    d = fit.design(fit.half_targets("tune"), fit.VARIANTS["kind"])
    mapped = fit.overrides(d.groups, np.zeros(len(d.groups)), fit.PRIOR)
    for name, value in mapped.items():
        assert abs(value - getattr(fit.PRIOR, name)) < 1e-12, name
