"""The scan pipeline as a library: permute → resolve → one flat row per candidate.

Rows are the contract between stages that run apart in time (rank, store, feeds, review): flat
mappings of JSON values, as ``typorisk scan --format jsonl`` prints them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from typorisk.model import Candidate, Target
from typorisk.permute import permute
from typorisk.resolve import DnsClient, Resolution, ResolveScan
from typorisk.resolve.records import resolution_row

OwnRecords = Mapping[str, tuple[list[str], list[str]]]
"""Target fqdn → (the target's own MX hosts, its NS hosts)."""


def scan_row(
    candidate: Candidate, resolution: Resolution, own: OwnRecords | None = None
) -> dict[str, object]:
    """The flat row of a resolved candidate: both facets, plus the target's own MX and NS."""
    row = resolution_row(resolution)
    mx, ns = (own or {}).get(candidate.target, ([], []))
    row.update(
        target=candidate.target,
        likelihood=candidate.likelihood,
        kinds=list(candidate.kinds),
        unicode=candidate.unicode,
        fqdn=candidate.fqdn,
        suffix=candidate.suffix,
        target_mx=mx,
        target_ns=ns,
    )
    return row


async def own_records(
    targets: Iterable[Target], client: DnsClient, **options: Any
) -> dict[str, tuple[list[str], list[str]]]:
    """Resolve each target's own registrable domain (to recognise defensive registrations)."""
    by_domain: dict[str, list[str]] = {}
    for target in targets:
        by_domain.setdefault(target.registrable, []).append(target.fqdn)
    own: dict[str, tuple[list[str], list[str]]] = {}
    async for domain, resolution in ResolveScan(client, **options).run(list(by_domain)):
        facts = ([m.host for m in resolution.records.mx if m.host], list(resolution.records.ns))
        for fqdn in by_domain[domain]:
            own[fqdn] = facts
    return own


async def scan_rows(
    targets: Sequence[Target],
    client: DnsClient,
    *,
    top: int | None = None,
    **options: Any,
) -> AsyncIterator[dict[str, object]]:
    """Permute ``targets`` (``top`` most likely each), resolve every candidate through
    ``client`` and yield one row per candidate as it completes. ``options`` go to
    :class:`~typorisk.resolve.ResolveScan` (concurrency, budget, wildcards...)."""
    own = await own_records(targets, client, **options)
    async for candidate, resolution in ResolveScan(client, **options).run(
        permute(targets, top=top)
    ):
        yield scan_row(candidate, resolution, own)
