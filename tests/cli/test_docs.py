"""The CLI documents itself and the manual documents the CLI (as sqlite-utils' docs tests do):
every command and every flag is written up in the user guide (``docs/guide/``, or the README
and the tutorial), every flag has help text, and every option with a default shows it in
``--help``. A new command or flag fails here until it is written up.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from typorisk.cli import REGISTRY, build_parser, command_parsers

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MANUAL = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [
        ROOT / "README.md",
        ROOT / "docs" / "tutorial.md",
        *sorted((ROOT / "docs" / "guide").glob("*.md")),
    ]
)
"""The written-up manual: the README, the tutorial and the user guide (not the generated
reference, which lists every flag by construction)."""


def commands() -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every command, and every nested command (``watch nrd``), with its parser."""
    yield from command_parsers(build_parser())


def actions() -> Iterator[tuple[str, argparse.Action, str]]:
    """(command, action, the help line ``--help`` prints for it) for every argument."""
    for name, parser in commands():
        formatter = parser._get_formatter()
        for action in parser._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            text = formatter._expand_help(action) if action.help else ""
            yield name, action, text


def test_every_command_is_in_the_readme() -> None:
    missing = [e.name for e in REGISTRY if f"typorisk {e.name}" not in MANUAL]
    assert not missing, f"commands not written up in the manual (docs/guide): {missing}"


def test_every_flag_is_in_the_readme() -> None:
    missing = sorted(
        {
            f"{name} {option}"
            for name, action, _ in actions()
            for option in action.option_strings
            if option.startswith("--") and not re.search(re.escape(option) + r"(?![\w-])", MANUAL)
        }
    )
    assert not missing, f"flags not written up in the manual (docs/guide): {missing}"


def test_every_argument_has_help() -> None:
    missing = [
        f"{name} {action.option_strings or action.dest}"
        for name, action, text in actions()
        if not text.strip()
    ]
    assert not missing, f"arguments without help text: {missing}"


def test_every_option_with_a_default_shows_it() -> None:
    hidden = [
        f"{name} {action.option_strings}: {text!r}"
        for name, action, text in actions()
        if action.option_strings
        and action.default is not None
        and action.default is not False
        and action.default is not argparse.SUPPRESS
        and action.default != []
        and "default" not in text
    ]
    assert not hidden, f"options whose --help does not show the default: {hidden}"


def test_help_text_says_each_thing_once() -> None:
    """No "(repeatable) (repeatable)", no default stated twice, in any command's help."""
    repeated = [
        f"{name} {action.option_strings}: {text!r}"
        for name, action, text in actions()
        if text.count("repeatable") > 1 or text.count("(default") > 1
    ]
    assert not repeated, repeated


def test_watch_nrd_help_shows_its_defaults() -> None:
    text = {a.dest: t for n, a, t in actions() if n == "watch nrd"}
    assert "(default: 500)" in text["top"] and "(default: 0" in text["min_likelihood"]
    assert "(default: typorisk.db)" in text["db"]


@pytest.mark.parametrize(
    ("command", "canonical", "alias"),
    [
        ("scan", "--kind", "--kinds"),
        ("scan", "--exclude-kind", "--exclude-kinds"),
        ("permute", "--kind", "--kinds"),
        ("permute", "--exclude-kind", "--exclude-kinds"),
    ],
)
def test_one_spelling_per_option_with_the_other_as_an_alias(
    command: str, canonical: str, alias: str
) -> None:
    (action,) = [a for n, a, _ in actions() if n == command and canonical in a.option_strings]
    assert action.option_strings[0] == canonical and alias in action.option_strings


@pytest.mark.parametrize(
    ("command", "flag"), [("scan", "--top"), ("scan", "--retries"), ("record", "--db")]
)
def test_the_flags_the_issue_named_state_their_defaults(command: str, flag: str) -> None:
    """Issue 20 found these without a default in ``--help``."""
    (action, text) = next(
        (a, t) for n, a, t in actions() if n == command and flag in a.option_strings
    )
    if action.default is None:
        assert "unset" in text  # "all when unset"
    else:
        assert str(action.default) in text and "default" in text


def test_match_exit_code_for_a_missing_log_is_the_documented_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The manual once said 1 while match exited 2. Both now say 2, and nothing is matched."""
    from typorisk.cli import main

    log = tmp_path / "mail.log"
    log.write_text("to=<a@pentagon.ml>\n")
    code = main(["match", "--target", "pentagon.mil", str(log), str(tmp_path / "missing.log")])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and err.count("\n") == 1 and "missing.log" in err
    assert "2 a usage error or a log file that cannot be opened" in " ".join(MANUAL.split())


def test_the_readme_first_example_is_what_the_table_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README opens with ``typorisk permute pentagon.mil --top 10``: its block is the
    command's table, character for character (it once showed 0.003 where the table prints
    3.000e-03)."""
    from typorisk.cli import main

    command = "typorisk permute pentagon.mil --top 10"
    block = README[README.index(f"```console\n$ {command}\n") :].split("\n", 2)[2]
    shown = block[: block.index("```")]
    assert main([*command.split()[1:], "--format", "table"]) == 0
    assert capsys.readouterr().out == shown
