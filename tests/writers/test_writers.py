"""Generic row writers: round trips through the standard parsers, and terminal safety."""

from __future__ import annotations

import csv
import io
import json

import yaml

from typorisk.writers import write_rows

ROWS = [
    {"domain": "a.com", "kinds": ["omission", "insertion"], "likelihood": 0.003, "note": 'x,"y"'},
    {"domain": "b.com", "kinds": [], "likelihood": 1.5e-6, "note": "esc\x1b[31mred"},
]
COLS = ("domain", "kinds", "likelihood", "note")


def render(fmt: str, rows: list[dict[str, object]] = ROWS) -> str:
    out = io.StringIO()
    assert write_rows(rows, fmt, out, COLS) == len(rows)
    return out.getvalue()


def test_csv_quotes_and_round_trips() -> None:
    parsed = list(csv.DictReader(io.StringIO(render("csv"))))
    assert parsed[0]["note"] == 'x,"y"' and parsed[0]["kinds"] == "omission|insertion"


def test_jsonl_and_yaml_keep_types() -> None:
    rows = [json.loads(x) for x in render("jsonl").splitlines()]
    assert rows[0]["kinds"] == ["omission", "insertion"] and rows[1]["likelihood"] == 1.5e-6
    assert yaml.safe_load(render("yaml"))[1]["likelihood"] == 1.5e-6
    assert yaml.safe_load(render("yaml", [])) == []


def test_table_and_list_strip_control_characters() -> None:
    table = render("table")
    assert "\x1b" not in table and "esc?[31mred" in table
    assert render("list") == "a.com\nb.com\n"
