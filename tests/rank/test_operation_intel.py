"""Operations in the threat-intelligence formats, read back by their own libraries: STIX 2.1
(``stix2``: one ``infrastructure`` per operation, each member's indicator ``indicates`` it) and
MISP (``pymisp``: each member's attribute tagged with its operation)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from typorisk.rank import RiskWeights
from typorisk.rank.rows import ranked_rows
from typorisk.writers import WriterOptions
from typorisk.writers.formats import FORMATS

from ..writers.conftest import require_module
from .operations_world import COLLECTOR, make_ops_world

NOW = dt.datetime(2026, 11, 28, 3, 0, tzinfo=dt.UTC)


def written(fmt: str) -> tuple[str, dict[str, set[str]]]:
    """The ranked operations world written in ``fmt``, and each operation's members."""
    world = make_ops_world()
    rows, result = ranked_rows(world.rows, RiskWeights(), NOW.date())
    out = io.StringIO()
    FORMATS[fmt].write(rows, out, WriterOptions(now=NOW, feed="ops"))
    return out.getvalue(), {op.label: set(op.members) for op in result.operations}


def test_stix_carries_each_operation_as_infrastructure_indicated_by_its_members() -> None:
    stix2 = require_module("stix2")
    text, operations = written("stix")
    bundle: Any = stix2.parse(text, allow_custom=False)
    objects = {o.id: o for o in bundle.objects}
    infrastructure = {o.name: o for o in bundle.objects if o.type == "infrastructure"}
    assert set(infrastructure) == {f"Typosquatting operation {label}" for label in operations}
    for label, members in operations.items():
        infra = infrastructure[f"Typosquatting operation {label}"]
        assert infra.infrastructure_types == ["phishing"]
        sources = [
            objects[r.source_ref]
            for r in bundle.objects
            if r.type == "relationship" and r.target_ref == infra.id
        ]
        assert all(r.relationship_type == "indicates" for r in bundle.objects
                   if r.type == "relationship")  # fmt: skip
        named = {s.pattern.split("'")[1] for s in sources}
        assert named == members, label
    # the same operation keeps its id from run to run
    again: Any = stix2.parse(written("stix")[0], allow_custom=False)
    ids = {o.id for o in again.objects if o.type == "infrastructure"}
    assert ids == {o.id for o in infrastructure.values()}


def test_misp_groups_an_operations_attributes_by_tag() -> None:
    pymisp = require_module("pymisp")
    text, operations = written("misp")
    event = pymisp.MISPEvent()
    event.load(text)
    grouped: dict[str, set[str]] = {}
    for attribute in event.attributes:
        for tag in attribute.tags:
            if tag.name.startswith("typorisk:operation="):
                grouped.setdefault(tag.name, set()).add(attribute.value)
    assert grouped == {f'typorisk:operation="{label}"': m for label, m in operations.items()}
    assert f'typorisk:operation="{COLLECTOR}"' in grouped
