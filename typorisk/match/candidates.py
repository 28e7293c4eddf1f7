"""Rule (a)'s candidate set: the typos :func:`typorisk.permute` generates for the targets (or a
feed's own set), kept per registrable domain with their target, kinds and likelihood, and read
from or written to the file cache (:mod:`typorisk.match.cache`) between runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from typorisk.match.cache import Entries, cache_key, dump_cache, load_cache, save_cache
from typorisk.match.model import MatchSettings
from typorisk.model import Candidate, Target
from typorisk.permute import permute


def candidate_set(
    targets: Sequence[Target],
    settings: MatchSettings,
    own: set[str],
    cache_dir: Path | None = None,
    given: Iterable[Candidate] | None = None,
) -> tuple[Entries, Entries, bool]:
    """(candidates by domain, candidate labels, read from the cache?) for ``targets`` (their
    positions are the entries' target positions). ``given``: the set as given (a feed's),
    never cached; else generated, kept in ``cache_dir`` when one is given. ``own`` domains
    (the targets', the allowlist) are left out. Empty when rule (a) is off."""
    if "candidate" not in settings.rules:
        return {}, {}, False
    if given is not None:
        return (*entries(targets, settings, own, given), False)
    if cache_dir is None:
        return (*entries(targets, settings, own, generated(targets, settings)), False)
    names = [t.fqdn for t in targets]
    shape: dict[str, object] = {
        "top": settings.top,
        "allow": sorted(settings.allow),
        "no_walk": [distance_covers(t, settings) for t in targets],
    }
    if settings.min_likelihood:  # absent at 0, so a file kept at the default stays valid
        shape["min_likelihood"] = settings.min_likelihood
    key = cache_key(names, shape)
    found = load_cache(cache_dir, key, names)
    if found is not None:
        return (*found, True)
    candidates, labels = entries(targets, settings, own, generated(targets, settings))
    save_cache(cache_dir, key, dump_cache(key, names, candidates, labels))
    return candidates, labels, False


def entries(
    targets: Sequence[Target],
    settings: MatchSettings,
    own: set[str],
    candidates: Iterable[Candidate],
) -> tuple[Entries, Entries]:
    """The most likely candidate per domain (ties: the first target), at least
    ``settings.min_likelihood``; and the labels of those under their target's suffix that are
    no target label (rule f of rule a, likelihood 0: not the generated domain)."""
    index = {t.fqdn: i for i, t in enumerate(targets)}
    labels_of_targets = {t.label for t in targets}
    floor = settings.min_likelihood
    best: dict[str, float] = {}
    found: Entries = {}
    labels: Entries = {}
    for cand in candidates:
        if cand.domain in own or cand.likelihood <= best.get(cand.domain, -1.0):
            continue
        where = index.get(cand.target)
        if where is None or cand.likelihood < floor:
            continue
        if 2 * cand.domain.find(".") < len(targets[where].label):
            continue  # less than half the brand left (bra.nd.com -> nd.com): see below
        best[cand.domain] = cand.likelihood
        detail = "kinds " + ",".join(cand.kinds)
        found[cand.domain] = (where, detail, cand.likelihood)
        if cand.suffix == targets[where].suffix:
            label = cand.domain.partition(".")[0]
            if label not in labels_of_targets:
                labels.setdefault(label, (where, detail, 0.0))
    return found, labels


# A dot typed inside the label (``curvi.linear.com``) makes a candidate of what follows the
# dot (``linear.com``). Registered alone, a name that keeps less than half the brand's label
# is no look-alike of it: on the benchmark's NRD list such remnants were 143 of the 1,332
# false positives of rule (a), and none of its planted names.


def generated(targets: Sequence[Target], settings: MatchSettings) -> list[Candidate]:
    """The candidates of every target, in target order (most likely first per target).

    The two-edit walk (:mod:`typorisk.permute.twoedit`) took 85% of the build (1,000
    targets: ~40 of 45 s) and is skipped for targets whose label rule (e) reaches at
    distance 2: every two-edit typo of such a label is within OSA distance 2 of it, under
    any suffix, so it is reported anyway (by ``distance``, score ~0.7, instead of
    ``candidate``, 0.95); lost are only a ``www`` glued to a slip (``wwwpaypl.com``) unless
    the label stays whole in it (``wwwpaypall.com``: rule c), and typos that are English
    words, which rule (e) leaves out on purpose (:attr:`MatchSettings.words`)."""
    walked: list[Target] = []
    reached: list[Target] = []
    for target in targets:
        (reached if distance_covers(target, settings) else walked).append(target)
    top = settings.top
    found = [*permute(walked, top=top), *permute(reached, top=top, two_edit_top=0)]
    order = {t.fqdn: i for i, t in enumerate(targets)}
    found.sort(key=lambda c: order[c.target])  # stable: per-target order kept
    return found


def distance_covers(target: Target, settings: MatchSettings) -> bool:
    """True when rule (e) reports every two-edit typo of ``target``'s label."""
    s = settings
    return (
        "distance" in s.rules
        and s.max_distance >= 2
        and len(target.label) > s.short_label
        and len(target.label) >= s.min_distance_label
        and not target.label.startswith("xn--")
    )
