"""YARA and regex outputs, validated by their consumers: yara-python compiles and runs the rules,
Python's ``re`` compiles the regex; both match every listed name and no protected one."""

from __future__ import annotations

import contextlib
import io
import re

import pytest

from typorisk.cli import main
from typorisk.errors import UnsafeNameError
from typorisk.writers import FORMATS, WriterOptions
from typorisk.writers.rules import YARA_STRINGS_PER_RULE, name_pattern, trie_pattern

from .conftest import NOW, render, require_module

PROTECTED = ("pentagon.mil", "army.mil")


def _names(rows: list[dict[str, object]]) -> list[str]:
    return list(dict.fromkeys(str(r["domain"]) for r in rows))


def test_yara_rules_compile_and_match_every_name(mil_rows: list[dict[str, object]]) -> None:
    yara = require_module("yara")
    text = render("yara", mil_rows)
    rules = yara.compile(source=text)
    names = _names(mil_rows)
    assert len(names) == 100
    by_target = {t: {str(r["domain"]) for r in mil_rows if r["target"] == t} for t in PROTECTED}
    for name in names:
        for data in (f"Visit https://{name}/login now", f"From: a@mail.{name.upper()}\r\n"):
            hits = {m.rule for m in rules.match(data=data.encode())}
            assert hits, (name, data)
        target = next(t for t, members in by_target.items() if name in members)
        hits = {m.rule for m in rules.match(data=name.encode("utf-16-le"))}  # wide strings
        assert f"typorisk_{target.replace('.', '_')}" in hits, name
    for real in PROTECTED:
        for data in (real, f"mail.{real}", f"https://www.{real}/", f"user@{real.upper()}"):
            assert rules.match(data=data.encode()) == [], data


def test_yara_rule_per_target_and_split(mil_rows: list[dict[str, object]]) -> None:
    yara = require_module("yara")
    text = render("yara", mil_rows)
    assert re.findall(r"(?m)^rule (\w+)$", text) == ["typorisk_pentagon_mil", "typorisk_army_mil"]
    many = [
        {"domain": f"brand{i}.com", "target": "brand.com"} for i in range(YARA_STRINGS_PER_RULE + 3)
    ]
    out = io.StringIO()
    assert FORMATS["yara"].write(many, out, WriterOptions(now=NOW)) == len(many)
    names = re.findall(r"(?m)^rule (\w+)$", out.getvalue())
    assert names == ["typorisk_brand_com", "typorisk_brand_com_part2"]
    rules = yara.compile(source=out.getvalue())
    assert {m.rule for m in rules.match(data=b"x brand5002.com y")} == {"typorisk_brand_com_part2"}


def test_yara_slug_collisions_and_empty() -> None:
    yara = require_module("yara")
    rows = [
        {"domain": "a-bx.com", "target": "a-b.com"},
        {"domain": "abx.com", "target": "a.b-com.net"},
        {"domain": "ab-x.com", "target": "a.b.com"},
        {"domain": "lonely.com"},
    ]
    text = render("yara", rows)
    names = re.findall(r"(?m)^rule (\w+)$", text)
    assert len(set(names)) == 4, names
    assert len(yara.compile(source=text).match(data=b"abx.com lonely.com")) == 2
    empty = render("yara", [])
    yara.compile(source=empty)  # comments only: still a valid rules file
    assert "0 names" in empty


def test_regex_matches_every_name_and_no_protected(mil_rows: list[dict[str, object]]) -> None:
    pattern = re.compile(render("regex", mil_rows).strip())
    names = _names(mil_rows)
    for name in names:
        for host in (name, name.upper(), f"www.{name}", f"a.b_c.{name}", f"{name}."):
            assert pattern.fullmatch(host), host
        assert not pattern.search(f"x{name}"), name  # a label boundary, not a substring
    for real in PROTECTED:
        for host in (real, f"www.{real}", f"{real}.", real.upper()):
            assert not pattern.search(host), host
    exact = re.compile(render("regex", mil_rows, subdomains=False).strip())
    assert all(exact.fullmatch(n) for n in names)
    assert not any(exact.fullmatch(f"www.{n}") for n in names)


def test_regex_escapes_dots_and_empty_never_matches() -> None:
    text = render("regex", [{"domain": "a-b.com", "target": "ab.com"}])
    assert text.count("\n") == 1 and r"a-b\.com" in text
    assert not re.compile(text.strip()).search("a-bxcom")  # '.' is a literal dot
    never = re.compile(render("regex", []).strip())
    assert not any(never.search(s) for s in ("", "a.com", "x"))


@pytest.mark.parametrize("fmt", ["yara", "regex"])
def test_unsafe_names_never_reach_rules(fmt: str) -> None:
    hostile = ['a.com" or true', "a.com)|(.*", "a.com\n}\nrule x {", "a*.com"]
    for name in hostile:
        with pytest.raises(UnsafeNameError):
            render(fmt, [{"domain": name, "target": "a.com"}])
    refused: list[str] = []
    out = io.StringIO()
    options = WriterOptions(now=NOW, on_invalid=lambda r, e: refused.append(str(r["domain"])))
    rows = [{"domain": n, "target": "a.com"} for n in hostile] + [{"domain": "aq.com"}]
    assert FORMATS[fmt].write(rows, out, options) == 1
    assert refused == hostile and "aq" in out.getvalue()
    for bad in ("or true", ")|(", "rule x", "a*"):
        assert bad not in out.getvalue()


def test_formats_from_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    yara = require_module("yara")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["permute", "pentagon.mil", "--top", "10", "--format", "yara"]) == 0
    assert len(yara.compile(source=out.getvalue()).match(data=b"pentagon.ml")) == 1
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["permute", "pentagon.mil", "--top", "10", "--format", "regex"]) == 0
    assert re.compile(out.getvalue().strip()).fullmatch("pentagon.ml")


def test_trie_accepts_exactly_the_flat_alternation(mil_rows: list[dict[str, object]]) -> None:
    names = [*_names(mil_rows), "a.com", "ab.com", "ab.co", "abc.com", "b.com"]
    trie = re.compile(f"(?:{trie_pattern(names)})")
    flat = re.compile("(?:" + "|".join(map(name_pattern, names)) + ")")
    probes = {*names, *(n[:-1] for n in names), *(n + "x" for n in names), *(n[1:] for n in names)}
    probes |= {"ab.c", "abc.co", "a.co", "", "b.co"}
    for probe in sorted(probes):
        assert bool(trie.fullmatch(probe)) == bool(flat.fullmatch(probe)), probe
    assert all(trie.fullmatch(n) for n in names)


def test_trie_of_long_names_compiles() -> None:
    label = "a" * 63
    names = [".".join([label, label, label, "b" * 56 + suffix]) for suffix in ("x", "y", "")]
    names = [n + ".com" for n in names] + [f"{'c' * i}.com" for i in range(1, 64)]
    pattern = re.compile(f"(?:{trie_pattern(names)})")
    assert all(pattern.fullmatch(n) for n in names)
    assert not pattern.fullmatch("c" * 64 + ".com")
