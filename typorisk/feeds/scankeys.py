"""The ``scan:`` section of a feed definition, generated from the option table: every key is a
:class:`~typorisk.pipeline.ScanOptions` field (its ``feed`` key), checked by its kind and
limits, and described in the JSON Schema (:func:`scan_schema`) from the same table.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from typorisk.errors import TyporiskError
from typorisk.feeds.yamlcheck import Checker
from typorisk.permute import OPERATORS, groups
from typorisk.pipeline.options import OPTIONS, OptionSpec
from typorisk.resolve.transport import NameServer

__all__ = ["OPTION_TREE", "RESOLVE_KEYS", "SCAN_KEYS", "scan_schema", "scan_values"]


def _option_tree() -> dict[str, object]:
    """The ``scan:`` keys as a tree (a leaf is an :class:`OptionSpec`; ``resolve`` is both a
    switch and the mapping of DNS settings)."""
    tree: dict[str, object] = {}
    for spec in OPTIONS:
        parts = spec.feed.split(".")
        if parts[0] != "scan":
            continue
        node = tree
        for part in parts[1:-1]:
            child = node.setdefault(part, {})
            if isinstance(child, OptionSpec):  # a switch that is also a section
                child = node[part] = {"": child}
            node = child  # type: ignore[assignment]
        if isinstance(node.get(parts[-1]), dict):
            node[parts[-1]][""] = spec  # type: ignore[index]
        else:
            node[parts[-1]] = spec
    return tree


def _describe(entry: object) -> str:
    if isinstance(entry, OptionSpec):
        return entry.help
    assert isinstance(entry, dict)
    return "mapping: " + ", ".join(k for k in entry if k)


OPTION_TREE = _option_tree()
SCAN_KEYS = {k: _describe(v) for k, v in OPTION_TREE.items()}
"""The keys of ``scan:`` (generated from the option table)."""
RESOLVE_KEYS = {k: _describe(v) for k, v in OPTION_TREE["resolve"].items() if k}  # type: ignore[attr-defined]
"""The keys of ``scan.resolve:``."""


def scan_schema() -> dict[str, object]:
    """The JSON Schema of ``scan:``, generated from the option table (``feed.schema.json``
    carries it; a test checks they are equal)."""
    return _schema_of(OPTION_TREE)


def _schema_of(tree: dict[str, object]) -> dict[str, object]:
    props = {k: _leaf_schema(v) if isinstance(v, OptionSpec) else _schema_of(v)  # type: ignore[arg-type]
             for k, v in tree.items() if k}  # fmt: skip
    obj: dict[str, object] = {"type": "object", "additionalProperties": False, "properties": props}
    switch = tree.get("")
    if isinstance(switch, OptionSpec):
        return {"oneOf": [{"type": "boolean"}, obj], "description": switch.help}
    return obj


def _leaf_schema(spec: OptionSpec) -> dict[str, object]:
    kinds = sorted(set(OPERATORS) | set(groups()))
    table: dict[str, dict[str, object]] = {
        "bool": {"type": "boolean"},
        "int": {"type": "integer"},
        "float": {"type": "number"},
        "str": {"type": "string"},
        "date": {"type": "string", "format": "date"},
        "choice": {"enum": list(spec.choices)},
        "paths": {"type": "array", "items": {"type": "string"}},
        "strs": {"type": "array", "items": {"enum": kinds} if "kinds" in spec.name else
                 {"type": "string"}},
    }  # fmt: skip
    if spec.name == "web_ports":
        table["strs"] = {"type": "array", "items": {"type": "integer", "minimum": 1,
                                                    "maximum": 65535}}  # fmt: skip
    out = dict(table[spec.kind])
    if spec.low is not None:
        out["exclusiveMinimum" if spec.low_open else "minimum"] = spec.low
    if spec.high is not None:
        out["maximum"] = spec.high
    out["description"] = spec.help
    return out


def scan_values(check: Checker, node: yaml.Node | None, base: Path) -> dict[str, object]:
    """ScanOptions values from the ``scan:`` section (every problem recorded on ``check``)."""
    values: dict[str, object] = {}
    _section(check, node, "scan", OPTION_TREE, values=values, base=base)
    return values


def _section(
    check: Checker,
    node: yaml.Node | None,
    where: str,
    tree: dict[str, object],
    *,
    values: dict[str, object],
    base: Path,
) -> None:
    if node is None:
        return
    keys = {k: _describe(v) for k, v in tree.items() if k}
    found = check.mapping(node, where, keys)
    for key, child in (found or {}).items():
        entry = tree[key]
        if isinstance(entry, OptionSpec):
            value = _value(check, child, f"{where}.{key}", entry, base)
            if value is not None:
                values[entry.name] = value
            continue
        assert isinstance(entry, dict)
        switch = entry.get("")
        if isinstance(switch, OptionSpec) and isinstance(child, yaml.ScalarNode):
            value = check.boolean(child, f"{where}.{key}")
            if value is not None:
                values[switch.name] = value
            continue
        if isinstance(switch, OptionSpec):
            values[switch.name] = True  # a mapping of settings switches its stage on
        _section(check, child, f"{where}.{key}", entry, values=values, base=base)


def _value(  # noqa: PLR0911 - one branch per kind
    check: Checker, node: yaml.Node, where: str, spec: OptionSpec, base: Path
) -> object | None:
    low, high = spec.low, spec.high
    if spec.kind == "bool":
        return check.boolean(node, where)
    if spec.kind == "int":
        return check.integer(
            node, where, None if low is None else int(low), None if high is None else int(high)
        )
    if spec.kind == "float":
        return check.number(node, where, low=low, high=high, low_open=spec.low_open)
    if spec.kind == "choice":
        return check.choice(node, where, spec.choices)
    if spec.kind == "date":
        text = check.string(node, where, pattern=r"\d{4}-\d{2}-\d{2}")
        return dt.date.fromisoformat(text) if text else None
    if spec.kind == "str":
        text = check.string(node, where)
        if text is not None and spec.name == "rdap_bootstrap":
            return base / text
        return text
    if spec.kind == "paths":
        items = check.items(node, where, lambda c, n, w: c.string(n, w))
        return tuple(base / p for p in items if p)
    if spec.name == "nameservers":
        return tuple(s for s in check.items(node, where, _server) if s)
    if spec.name in ("kinds", "exclude_kinds"):
        return _kinds(check, node, where)
    if spec.name == "web_ports":
        ports = check.items(node, where, lambda c, n, w: c.integer(n, w, 1, 65535))
        return tuple(str(p) for p in ports if p is not None)
    return tuple(t for t in check.items(node, where, lambda c, n, w: c.string(n, w)) if t)


def _kinds(check: Checker, node: yaml.Node, where: str) -> tuple[str, ...]:
    known = set(OPERATORS) | set(groups())
    kinds = check.items(node, where, lambda c, n, w: c.choice(n, w, tuple(sorted(known))))
    return tuple(k for k in kinds if k)


def _server(check: Checker, node: yaml.Node, where: str) -> str | None:
    text = check.string(node, where)
    if text is None:
        return None
    try:
        NameServer.parse(text)
    except TyporiskError as exc:
        check.problem(node, f"{where}: {exc}; expected an IP address with an optional :PORT")
        return None
    return text
