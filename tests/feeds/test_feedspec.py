"""Feed definitions: the shipped examples are valid; every mistake is reported with its line and
what is expected; hostile YAML is refused cheaply; the JSON Schema agrees with the validator."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml

from typorisk.errors import FeedSpecError
from typorisk.feeds.scankeys import RESOLVE_KEYS, SCAN_KEYS
from typorisk.feeds.spec import (
    MAX_BYTES,
    THRESHOLD_KEYS,
    TOP_KEYS,
    load_feed,
)
from typorisk.writers.formats import FEED_FORMATS

from ..conftest import Ledger

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "typorisk" / "data" / "feed.schema.json").read_text())
VALID = """feed: t
targets:
  - pentagon.mil
  - {domain: army.mil, weight: 2, top: 10}
outputs:
  - {format: rpz, path: out/t.rpz}
"""


def problems(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "feed.yaml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(FeedSpecError) as info:
        load_feed(path)
    return [str(p).replace(str(path), "F") for p in info.value.problems]


@pytest.mark.parametrize("name", ["defence-mil.yaml", "corp-mail.yaml"])
def test_shipped_feeds_are_valid(name: str) -> None:
    spec = load_feed(ROOT / "feeds" / name)
    assert spec.targets and spec.outputs and all(o.format in FEED_FORMATS for o in spec.outputs)


def test_a_valid_definition_loads(tmp_path: Path) -> None:
    (tmp_path / "feed.yaml").write_text(VALID)
    spec = load_feed(tmp_path / "feed.yaml")
    assert [t.domain for t in spec.targets] == ["pentagon.mil", "army.mil"]
    assert spec.targets[1].weight == 2 and spec.targets[1].top == 10
    assert spec.outputs[0].path == tmp_path / "out" / "t.rpz" and spec.resolve is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID + "colour: red\n", "F:7:1: the feed definition: unknown key 'colour'"),
        (VALID.replace("feed: t", "feed: [t]"), "F:1:7: feed: expected a string"),
        (
            VALID.replace("weight: 2", "weight: heavy"),
            "F:4:32: targets[1].weight: expected a number",
        ),
        (
            VALID.replace("weight: 2", "weight: 0"),
            "targets[1].weight: expected a number in (0.0, 100.0]",
        ),
        (VALID.replace("top: 10", "top: 1.5"), "F:4:40: targets[1].top: expected a whole number"),
        (VALID.replace("- pentagon.mil", "- foo_bar.com"), "F:3:5: "),
        (VALID.replace("- pentagon.mil", "- co.uk"), "F:3:5: "),
        (
            VALID.replace("format: rpz", "format: bind"),
            "F:6:14: outputs[0].format: 'bind' is not one of",
        ),
        (
            VALID.replace("path: out/t.rpz", "path: out/t.rpz, options: {policy: 1}"),
            "F:6:54: outputs[0].options.policy: expected a string",
        ),
        (
            VALID.replace("path: out/t.rpz", "path: out/t.rpz, options: {polcy: x}"),
            "F:6:46: outputs[0].options: unknown key 'polcy'",
        ),
        (VALID + "thresholds: {min_risk: 0.5}\n", "F:7:24: thresholds.min_risk needs DNS facts"),
        (VALID + "thresholds: {min_likelihood: 2}\n", "expected a number in [0.0, 1.0]"),
        # RDAP moved under scan.registration (feeds run the registration stage now)
        (VALID + "scan: {rdap: true}\n", "F:7:8: scan: unknown key 'rdap'"),
        (VALID + "scan: {registration: {rate: 0}}\n", "scan.registration.rate: expected a number"),
        (VALID + "scan: {kinds: [omision]}\n", "F:7:16: scan.kinds[0]: 'omision' is not one of"),
        (
            VALID + "scan: {resolve: {nameservers: [dns.google]}}\n",
            "F:7:32: scan.resolve.nameservers[0]",
        ),
        (VALID + "allowlist: ['evil.com\\n$INCLUDE x']\n", "F:7:13: allowlist[0]: labels must be"),
        (VALID + "feed: u\n", "F:7:1: the feed definition: key 'feed' given twice"),
        ("feed: t\n", "F:1:1: the feed definition: missing key 'targets'"),
        ("feed: t\ntargets: [a.mil\n", "F:3:1: not valid YAML"),
        ("- just\n- a list\n", "F:1:1: the feed definition: expected a mapping, got a list"),
        (
            VALID + "description: !!python/object/apply:os.system [id]\n",
            "F:7:14: description: expected",
        ),
        (b"feed: t\xff\n", "F:1:1: not UTF-8 text"),
        (VALID + "outputs2: 1\n", "unknown key 'outputs2'; expected one of: feed (feed name"),
        (VALID + "  - {format: csv, path: out/t.rpz}\n", "writes the same path as line 6"),
    ],
)
def test_problems_name_file_line_and_expectation(
    tmp_path: Path, text: str | bytes, expected: str
) -> None:
    found = problems(tmp_path, text)
    assert any(expected in p for p in found), found


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = VALID.replace("feed: t", "feed: 'bad name!'").replace("weight: 2", "weight: -1")
    text += "thresholds: {min_likelihood: x, extra: 1}\n"
    found = problems(tmp_path, text)
    assert len(found) == 4, found
    assert [p.split(":")[1] for p in found] == ["1", "4", "7", "7"]


def test_yaml_bombs_and_huge_files_are_refused_fast(tmp_path: Path, ledger: Ledger) -> None:
    laughs = ["a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        laughs.append(f"{chr(ord('a') + i)}: &{chr(ord('a') + i)} [{','.join(['*' + prev] * 9)}]")
    wide = "feed: t\ntargets: [" + ",".join(["a.mil"] * 30_000) + "]\n"
    bombs: list[tuple[str | bytes, str]] = [
        ("\n".join(laughs) + "\n", "anchors and aliases"),
        (b"#" * (MAX_BYTES + 1), "over"),
        ("[" * 5000 + "]" * 5000, "not valid YAML"),
        (wide, "YAML nodes"),
    ]
    row = ledger.row("feed YAML: billion laughs, >1 MiB, deep nesting, 30k nodes")
    start = time.process_time()
    for text, expected in bombs:
        with row.case():
            assert any(expected in p for p in problems(tmp_path, text))
    # a guard against expansion, not a speed claim: the laughs expanded would cost hours of
    # CPU; this process's own CPU time does not grow with the machine's load
    assert time.process_time() - start < 30


def test_json_schema_agrees_with_the_validator() -> None:
    props = SCHEMA["properties"]
    assert set(props) == set(TOP_KEYS)
    assert set(props["scan"]["properties"]) == set(SCAN_KEYS)
    assert set(props["scan"]["properties"]["resolve"]["oneOf"][1]["properties"]) == set(
        RESOLVE_KEYS
    )
    assert set(props["thresholds"]["properties"]) == set(THRESHOLD_KEYS)
    assert props["outputs"]["items"]["properties"]["format"]["enum"] == list(FEED_FORMATS)
    per_format = {
        rule["if"]["properties"]["format"]["const"]: set(
            rule["then"]["properties"]["options"]["properties"]
        )
        for rule in props["outputs"]["items"]["allOf"]
    }
    assert per_format == {name: set(f.settings) for name, f in FEED_FORMATS.items()}


def test_shipped_feeds_pass_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for path in sorted((ROOT / "feeds").glob("*.yaml")):
        jsonschema.validate(yaml.safe_load(path.read_text()), SCHEMA)


def test_risk_weights_are_overridable_in_the_feed(tmp_path: Path) -> None:
    path = tmp_path / "feed.yaml"
    path.write_text(
        "feed: f\ntargets: [corp.com]\nrisk: {w_graph: 0.5, defensive: 0.1}\n"
        "outputs: [{format: list, path: out.txt}]\n",
        encoding="utf-8",
    )
    spec = load_feed(path)
    assert (spec.risk.w_graph, spec.risk.defensive, spec.risk.mx) == (0.5, 0.1, 0.8)
    path.write_text(
        "feed: f\ntargets: [corp.com]\nrisk: {w_grph: 1, mx: -1}\n"
        "outputs: [{format: list, path: out.txt}]\n",
        encoding="utf-8",
    )
    found = problems(tmp_path, path.read_text())
    assert any(":3:" in p and "unknown key 'w_grph'" in p for p in found)
    assert any("risk.mx" in p for p in found)
