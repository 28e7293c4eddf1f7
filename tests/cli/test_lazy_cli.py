"""The CLI imports only what a command uses: the registry describes every command without
importing it, and it cannot drift from the commands themselves."""

from __future__ import annotations

import ast
import gc
import importlib
import json
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import typorisk
import typorisk.cli
from typorisk.cli import REGISTRY, build_parser, chosen_command, main

HEAVY = (
    "aiohttp", "networkx", "dask", "distributed", "yaml", "dns", "tldextract", "sqlite3",
    "multiprocessing",
)  # fmt: skip
"""Third-party (and slow standard) modules that ``import typorisk.cli`` must not load."""
COMMAND_MODULES = sorted(
    {entry.target.partition(":")[0] for entry in REGISTRY}
    | {f"typorisk.cli.{m.name}" for m in pkgutil.iter_modules(typorisk.cli.__path__)}
)


def loaded_after(code: str) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of HEAVY and the cli modules it loaded."""
    probe = f"""
import json, sys
{code}
names = {list(HEAVY) + COMMAND_MODULES!r}
print(json.dumps({{n: n in sys.modules for n in names}}))
"""
    proc = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    loaded: dict[str, bool] = json.loads(proc.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize("entry", REGISTRY, ids=lambda e: e.name)
def test_registry_help_and_name_are_the_commands_own(entry: typorisk.cli.Entry) -> None:
    command = entry.load()
    assert entry.name == command.NAME
    assert entry.help == command.HELP
    assert callable(command.add_arguments) and callable(command.run)


def test_every_command_module_is_registered_once() -> None:
    names = [entry.name for entry in REGISTRY]
    assert len(names) == len(set(names))
    found = set()
    for info in pkgutil.iter_modules(typorisk.cli.__path__):
        module = importlib.import_module(f"typorisk.cli.{info.name}")
        commands = [module] if hasattr(module, "NAME") else []
        commands += [
            value
            for value in vars(module).values()
            if isinstance(value, type) and hasattr(value, "NAME") and hasattr(value, "run")
        ]
        found |= {command.NAME for command in commands}
    assert found == set(names)


def test_importing_the_cli_loads_no_command_and_nothing_heavy() -> None:
    loaded = loaded_after("import typorisk.cli")
    assert [name for name, is_loaded in loaded.items() if is_loaded] == []


def test_help_lists_every_command_without_importing_any() -> None:
    code = """
import contextlib, io
from typorisk.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["--help"]) == 0
"""
    loaded = loaded_after(code)
    assert [name for name, is_loaded in loaded.items() if is_loaded] == []


def test_help_text_names_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for entry in REGISTRY:
        assert entry.name in out and entry.help.split()[0] in out


PERMUTE = """
import contextlib, io
from typorisk.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    assert main(["permute", "pentagon.mil", "--top", "3"]) == 0
"""


def test_a_command_imports_only_its_own_module() -> None:
    loaded = loaded_after(PERMUTE)
    assert loaded["typorisk.cli.permute"]
    others = [m for m in COMMAND_MODULES if m.startswith("typorisk.cli.") and loaded[m]]
    assert set(others) <= {"typorisk.cli.permute", "typorisk.cli.common"}


def test_the_offline_permute_loads_no_network_stack() -> None:
    loaded = loaded_after(PERMUTE)
    assert [n for n in ("aiohttp", "networkx", "dask", "dns", "sqlite3") if loaded[n]] == []


def test_resolve_loads_neither_the_ranking_graph_nor_http(tmp_path: Path) -> None:
    """``typorisk resolve`` needs DNS only: networkx and aiohttp cost ~0.3 s of its start-up."""
    names = tmp_path / "names.txt"
    names.write_text("bad..name\n")
    code = f"""
import contextlib, io
from typorisk.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    main(["resolve", {str(names)!r}, "--nameserver", "127.0.0.1:9", "--timeout", "0.1",
          "--retries", "0", "--format", "jsonl", "--processes", "1"])
"""
    loaded = loaded_after(code)
    assert loaded["dns"], "the probe did not reach the resolve command"
    # multiprocessing: the process pool is imported only when there is one to start
    unwanted = ("aiohttp", "networkx", "dask", "yaml", "multiprocessing")
    assert [n for n in unwanted if loaded[n]] == []


def test_chosen_command_is_the_first_word_that_is_no_option() -> None:
    assert chosen_command(["permute", "x.com", "--top", "3"]) == "permute"
    assert chosen_command(["--version"]) is None
    assert chosen_command(["-h", "scan"]) == "scan"
    assert chosen_command(["nosuch", "permute"]) is None


def test_an_unknown_command_is_one_line_listing_the_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["nosuch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("typorisk: error: argument COMMAND: invalid choice: 'nosuch'")
    assert err.count("\n") == 1 and "update-data" in err


def test_build_parser_still_knows_every_commands_flags() -> None:
    parser = build_parser()
    args = parser.parse_args(["scan", "example.com", "--top", "3"])
    assert args.command == "scan" and args.top == 3 and callable(args._run)
    assert parser.parse_args(["record", "--feed", "f"]).feed == "f"


def test_commands_tuple_is_still_available() -> None:
    commands = typorisk.cli.COMMANDS
    assert isinstance(commands, tuple)
    assert [c.NAME for c in commands] == [e.name for e in REGISTRY]
    with pytest.raises(AttributeError):
        typorisk.cli.NO_SUCH_NAME  # noqa: B018


def test_public_api_resolves_every_name_in_all() -> None:
    import typorisk.permute.generate  # binds the subpackage on typorisk, which must not win
    import typorisk.pipeline

    for name in typorisk.__all__:
        assert getattr(typorisk, name) is not None, name
    assert typorisk.scan is typorisk.pipeline.scan and typorisk.ascan is typorisk.pipeline.ascan
    assert isinstance(typorisk.permute, types.FunctionType)
    assert typorisk.permute.__module__ == "typorisk.permute.generate"
    assert [c.domain for c in typorisk.permute(["pentagon.mil"], top=2)]
    for error in ("RunIncompleteError", "ResolverUnreachableError", "ScanOptionError"):
        assert issubclass(getattr(typorisk, error), typorisk.TyporiskError)
    with pytest.raises(AttributeError):
        typorisk.no_such_name  # type: ignore[attr-defined]  # noqa: B018


def test_import_typorisk_is_cheap_and_permute_stays_the_function() -> None:
    code = """
import typorisk
cheap = not any(m in sys.modules for m in ("tldextract", "aiohttp", "yaml"))
import typorisk.permute.generate
from typorisk import permute
assert cheap and callable(permute) and permute.__module__ == "typorisk.permute.generate"
"""
    loaded_after(code)  # check=True: fails if an assertion in the child fails


def test_argparse_is_imported_in_cli_only() -> None:
    """Every module outside typorisk/cli, read as source: lint-imports cannot see typorisk/demo
    (a namespace package, no __init__.py), so this covers it and anything else it misses."""
    package = Path(typorisk.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        if path.is_relative_to(package / "cli"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(name.split(".")[0] == "argparse" for name in names):
                offenders.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    assert offenders == []


CONSOLE_PROBE = """
import gc, sys
from typorisk import cli
seen = []
load = cli._parser
def spy(*names):
    seen.append(gc.isenabled())
    return load(*names)
cli._parser = spy
sys.argv = ["typorisk", "permute", "example.com", "--top", "1", "--format", "list"]
try:
    cli.console()
except SystemExit as stop:
    print(seen, gc.isenabled(), gc.get_freeze_count() > 0, stop.code, file=sys.stderr)
"""


def test_the_console_entry_loads_the_command_with_the_collector_off_then_on() -> None:
    """``console`` (the script and ``python -m typorisk``) keeps the cyclic collector off
    while the command loads, then freezes what loading made and turns it on before the run;
    ``main`` as a library leaves it alone."""
    done = subprocess.run(
        [sys.executable, "-c", CONSOLE_PROBE], capture_output=True, text=True, check=False
    )
    assert done.stderr.strip().splitlines()[-1] == "[False] True True 0", done.stderr
    assert done.stdout.strip()  # the command ran: one candidate
    assert gc.isenabled()
    main(["--version"])
    assert gc.isenabled()
