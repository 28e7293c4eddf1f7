"""The one host-name rule (:mod:`typorisk.parse.names`): target parsing and the writers'
boundary give the same verdict, so a target that parses is never refused halfway through a feed,
and every candidate typorisk generates from it is a name the writers accept."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from typorisk.errors import InvalidTargetError
from typorisk.parse.names import is_ldh_name, label_problem, name_problem
from typorisk.parse.psl import load_psl
from typorisk.parse.targets import parse_target
from typorisk.permute import permute
from typorisk.writers.entries import UnsafeNameError, check_name

from ..conftest import ledger_row

AGREE = ledger_row("names: parsing and the writers agree on every label (hypothesis)")
"""One case per example: a name the writers would refuse never parses (``ab--cd.com``)."""

LDH = "abcdefghijklmnopqrstuvwxyz0123456789-"
labels = st.one_of(
    st.text(alphabet=LDH + "_.", max_size=70),
    st.text(alphabet=LDH, min_size=1, max_size=20).map(lambda s: "xn--" + s),
    st.builds(lambda a, b: a + "--" + b, st.text(LDH, max_size=3), st.text(LDH, max_size=8)),
)
"""Lowercase labels, mostly LDH, with the traps: ``_``, dots, ``--`` at positions 3-4, ``xn--``
labels whose punycode may not decode, empty labels and labels over 63 octets."""


def parses(text: str) -> bool:
    try:
        parse_target(text)
    except InvalidTargetError:
        return False
    return True


def writer_accepts(name: str) -> bool:
    try:
        check_name(name)
    except UnsafeNameError:
        return False
    return True


@settings(max_examples=600, deadline=None)
@given(labels)
@example("ab--cd")
@example("xn--")
@example("xn--a")
@example("xn--bcher-kva")
@example("a" * 63)
@example("a" * 64)
@example("-a")
@example("a-")
@example("a_b")
@example("a..b")
@example("")
def test_parse_target_and_check_name_agree(label: str) -> None:
    with AGREE.case():
        fqdn = label + ".com"
        verdict = writer_accepts(fqdn)
        assert verdict == (name_problem(fqdn) is None) == is_ldh_name(fqdn)
        if parses(fqdn):
            assert verdict, f"{fqdn!r} parses but the writers refuse it"
            assert parse_target(fqdn).fqdn == fqdn  # lowercase A-label input is kept as it is
        else:
            # refused by parsing: by the name rule, or because the name is a public suffix itself
            only_parsing = f"{fqdn!r} is refused by parsing only"
            assert not verdict or load_psl().is_suffix(fqdn), only_parsing


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
@example("BÜCHER.de")
@example("ab--cd.com")
@example("user@Army.MIL.")
@example("https://xn--bcher-kva.de/path")
def test_every_parsed_target_is_a_name_the_writers_accept(text: str) -> None:
    try:
        target = parse_target(text)
    except InvalidTargetError:
        return
    assert check_name(target.fqdn) == target.fqdn


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12))
@example("ab-cd")
@example("a-b")
@example("xn--bcher-kva")
def test_every_candidate_of_a_parsed_target_is_a_name_the_writers_accept(label: str) -> None:
    try:
        target = parse_target(label + ".com")
    except InvalidTargetError:
        return
    for candidate in permute([target], top=80):
        assert writer_accepts(candidate.domain), candidate
        assert writer_accepts(candidate.fqdn), candidate


@pytest.mark.parametrize(
    ("label", "problem"),
    [
        ("ab--cd", "has '--' at positions 3-4 without 'xn'"),
        ("xn--zz", "is not a valid A-label"),
        ("a_b", "'_' is not allowed"),
        ("", "empty label"),
        ("a" * 64, "longer than 63"),
        ("-ab", "letters, digits and inner '-'"),
        ("Ab", "letters, digits and inner '-'"),
        ("a--b", None),
        ("xn--bcher-kva", None),
    ],
)
def test_label_problem(label: str, problem: str | None) -> None:
    found = label_problem(label)
    assert (found is None) if problem is None else (found is not None and problem in found)
