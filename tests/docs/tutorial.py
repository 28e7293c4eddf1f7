"""Run the tutorial's commands (``docs/tutorial.md``) as a reader would: each ``$ typorisk ...``
line of a ``console`` block in a shell in one working directory, ``protect.yaml`` written from
its block, and each ``typorisk demo --serve`` line started as a process (the previous world
stopped by its PID first).

``python -m tests.docs.tutorial`` prints the page with every ``<<OUTPUT>>`` (or stale output)
replaced by what the commands print now: the way the page's outputs were made.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..demo.served import Ports, env, served

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "tutorial.md"
PORTS = Ports(dns=5354, rdap=8454, smtp=2525)
"""The ports the page uses (a test maps them to free ones)."""
BLOCK = re.compile(r"```(console|yaml title=\"([^\"]+)\")\n(.*?)```", re.DOTALL)


@dataclass
class Step:
    command: str
    shown: str
    """What the page shows after the command."""
    output: str = ""
    """What the command printed (stdout and stderr, in order)."""


def steps(page: str) -> Iterator[tuple[str, str, str]]:
    """``(kind, name or command, shown text)`` of each block: ("file", name, content) or
    ("command", command, shown output)."""
    for match in BLOCK.finditer(page):
        kind, name, body = match.groups()
        if kind != "console":
            yield "file", name, body
            continue
        first, _, rest = body.partition("\n")
        assert first.startswith("$ "), first
        yield "command", first[2:], rest


def run_page(where: Path, ports: Ports = PORTS) -> list[Step]:
    """Every step of the page, run in ``where`` with ``ports``; returns the commands' outputs."""
    page = PAGE.read_text(encoding="utf-8")
    done: list[Step] = []
    wrapper = where / "bin" / "typorisk"
    wrapper.parent.mkdir(parents=True, exist_ok=True)
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m typorisk "$@"\n')
    wrapper.chmod(0o755)
    shell_env = {**env(), "PATH": f"{wrapper.parent}:{env().get('PATH', '')}"}

    def ported(text: str) -> str:
        for old, new in zip(
            (PORTS.dns, PORTS.rdap, PORTS.smtp), (ports.dns, ports.rdap, ports.smtp), strict=True
        ):
            text = text.replace(str(old), str(new))
        return text

    with contextlib.ExitStack() as stack:
        world: contextlib.ExitStack | None = None
        for kind, name, body in steps(page):
            if kind == "file":
                (where / name).write_text(ported(body), encoding="utf-8")
                continue
            if " demo --serve" in name:
                if world is not None:
                    world.close()
                week = int(re.search(r"--week (\d)", name).group(1))  # type: ignore[union-attr]
                world = stack.enter_context(contextlib.ExitStack())
                done.append(Step(name, body, world.enter_context(_served_in(where, ports, week))))
                continue
            proc = subprocess.run(
                ["/bin/sh", "-c", "{ " + ported(name) + "; } 2>&1"],
                cwd=where, env=shell_env, capture_output=True, text=True, timeout=300,
                check=False,
            )  # fmt: skip
            done.append(Step(name, body, proc.stdout))
    return done


@contextlib.contextmanager
def _served_in(where: Path, ports: Ports, week: int) -> Iterator[str]:
    """The world of ``week`` with its bootstrap files in ``where/demo-world`` (as the page's
    ``--bootstrap-dir demo-world`` puts them); yields the first lines it printed."""
    with served(where / f"world{week}", ports, week=week) as world:
        # the page's relative demo-world directory: the same files
        (where / "demo-world").mkdir(exist_ok=True)
        for path in (where / f"world{week}" / "bootstrap").iterdir():
            (where / "demo-world" / path.name).write_bytes(path.read_bytes())
        text = world.text.replace(str(where / f"world{week}" / "bootstrap"), "demo-world")
        yield "\n".join(text.splitlines()[:3]) + "\n...\n"


def filled(page: str, done: list[Step]) -> str:
    """``page`` with each command's shown output replaced by what it printed."""
    outputs = iter(done)

    def replace(match: re.Match[str]) -> str:
        kind, _, body = match.groups()
        if kind != "console":
            return match.group(0)
        step = next(outputs)
        first = body.partition("\n")[0]
        return f"```console\n{first}\n{step.output.rstrip()}\n```"

    return BLOCK.sub(replace, page)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        print(filled(PAGE.read_text(encoding="utf-8"), run_page(Path(tmp))), end="")
