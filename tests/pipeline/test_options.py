"""Every ScanOptions field is reachable from the CLI and from a feed definition, both map onto
the same field, and the scan guide documents it (the option and column tables are generated)."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from typorisk.cli.options import add_scan_options, options_from_args
from typorisk.errors import ScanOptionError
from typorisk.feeds.spec import FEED_DEFAULTS, load_feed
from typorisk.pipeline.options import OPTIONS, OptionSpec, ScanOptions
from typorisk.pipeline.tables import render

ROOT = Path(__file__).resolve().parents[2]


def sample(spec: OptionSpec, tmp_path: Path) -> tuple[list[str], str, Any]:
    """A non-default value of ``spec``: (CLI argv, YAML value text, the expected field value)."""
    default = getattr(ScanOptions(), spec.name)
    if spec.kind == "bool":
        flag = f"--no-{spec.flag[2:]}" if default else spec.flag
        return [flag], "false" if default else "true", not default
    if spec.kind == "int":
        value = int(spec.high) if spec.high is not None else int(spec.low or 0) + 3
        return [spec.flag, str(value)], str(value), value
    if spec.kind == "float":
        value = 0.25 if spec.high is not None and spec.high <= 1 else 7.5
        return [spec.flag, str(value)], str(value), value
    if spec.kind == "choice":
        value = next(c for c in spec.choices if c != default)
        return [spec.flag, value], value, value
    if spec.kind == "date":
        return [spec.flag, "2026-01-02"], '"2026-01-02"', dt.date(2026, 1, 2)
    if spec.kind == "paths":
        path = tmp_path / "zone.txt"
        return [spec.flag, str(path)], f'["{path}"]', (path,)
    if spec.kind == "weights":
        return [spec.flag, "w_graph=0.5"], "", (("w_graph", 0.5),)
    if spec.name == "nameservers":
        return [spec.flag, "127.0.0.1:5353"], '["127.0.0.1:5353"]', ("127.0.0.1:5353",)
    if spec.name in ("kinds", "exclude_kinds"):
        return [spec.flag, "omission"], '["omission"]', ("omission",)
    if spec.name == "web_ports":
        return [spec.flag, "8443"], "[8443]", ("8443",)
    if spec.name == "allow_private_network":
        return [spec.flag, "10.20.0.0/16"], '["10.20.0.0/16"]', ("10.20.0.0/16",)
    if spec.name == "rdap_bootstrap":
        path = tmp_path / "boot.json"
        return [spec.flag, str(path)], f'"{path}"', path
    return [spec.flag, "x.example"], '"x.example"', "x.example"


def yaml_for(spec: OptionSpec, value: str) -> str:
    """A feed definition setting ``spec`` to ``value`` (YAML text) through its dotted key."""
    if spec.feed == "risk":
        return "risk: {w_graph: 0.5}\n"
    parts = spec.feed.split(".")
    if spec.feed == "scan.resolve":
        return f"scan: {{resolve: {value}}}\n"
    inner = f"{{{parts[-1]}: {value}}}"
    for part in reversed(parts[1:-1]):
        inner = f"{{{part}: {inner}}}"
    return f"scan: {inner}\n"


@pytest.mark.parametrize("spec", OPTIONS, ids=lambda s: s.name)
def test_each_option_maps_from_the_cli_and_from_a_feed(spec: OptionSpec, tmp_path: Path) -> None:
    argv, text, expected = sample(spec, tmp_path)
    parser = argparse.ArgumentParser()
    add_scan_options(parser)
    assert spec.flag in parser.format_help()
    from_cli = options_from_args(parser.parse_args(argv))
    assert getattr(from_cli, spec.name) == expected

    feed = tmp_path / "feed.yaml"
    feed.write_text(
        "feed: t\ntargets: [pentagon.mil]\noutputs: [{format: list, path: out.txt}]\n"
        + yaml_for(spec, text),
        encoding="utf-8",
    )
    loaded = load_feed(feed).options
    assert getattr(loaded, spec.name) == expected
    changed = {o.name for o in OPTIONS if getattr(loaded, o.name) != getattr(FEED_DEFAULTS, o.name)}
    # a DNS setting under scan.resolve switches resolving on: that is the only side effect
    # (and a web setting under scan.web switches the web stage on, issue 19)
    switched = {"web"} if spec.feed.startswith("scan.web.") else set()
    assert changed <= {spec.name, "resolve"} | switched


def test_options_out_of_range_name_the_flag_and_the_feed_key() -> None:
    with pytest.raises(ScanOptionError) as caught:
        ScanOptions(max_unknown=1.5).checked()
    assert "--max-unknown" in str(caught.value) and "scan.resolve.max_unknown" in str(caught.value)


def test_the_shipped_json_schema_has_the_generated_scan_section() -> None:
    import json

    from typorisk.feeds.scankeys import scan_schema

    shipped = json.loads((ROOT / "typorisk/data/feed.schema.json").read_text(encoding="utf-8"))
    scan = dict(shipped["properties"]["scan"])
    assert scan == scan_schema(), "regenerate the scan section of typorisk/data/feed.schema.json"


def test_the_scan_guide_carries_the_generated_option_and_column_tables() -> None:
    readme = (ROOT / "docs" / "guide" / "scan.md").read_text(encoding="utf-8")
    assert render(readme) == readme, "run: python -m typorisk.pipeline.tables docs/guide/scan.md"
    for spec in OPTIONS:
        assert f"`{spec.flag}`" in readme and f"`{spec.feed}`" in readme
