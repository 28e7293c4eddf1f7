"""Benchmark: start-up of the ``typorisk`` CLI as whole processes, against dnstwist's CLI.

Runs each command N times (default 15) as a fresh process and prints the median and p90 wall
time in milliseconds, then the ratio of each typorisk median to ``dnstwist --help``'s (the peer:
one 1,600-line module that imports everything at start). Commands:

- ``typorisk permute pentagon.mil --top 10`` (offline: parse, permute, print)
- ``typorisk --help`` (the registry only: no command module is imported)
- ``python -c "import typorisk.cli"``
- ``dnstwist --help`` and ``dnstwist --format list pentagon.mil`` (offline: generate, print)

Run: .venv/bin/python tests/benchmarks/bench_startup.py [--runs N] [--root DIR]
``--root DIR`` measures another tree of the package (DIR/typorisk, e.g. an older commit from
``git archive HEAD~1 typorisk | tar -x -C /tmp/before``) through ``PYTHONPATH``; every process
runs from a scratch directory so that the working directory does not shadow it. Needs the
'bench' extra (dnstwist). Not part of the test suite: machines here are noisy, so it reports
medians, p90s and ratios only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
RUNS = 15


def commands() -> dict[str, list[str]]:
    """Name -> argv of every process measured (the console scripts of this virtualenv)."""
    typorisk, dnstwist = str(BIN / "typorisk"), str(BIN / "dnstwist")
    return {
        "typorisk permute pentagon.mil --top 10": [
            typorisk,
            *["permute", "pentagon.mil", "--top", "10"],
        ],
        "typorisk --help": [typorisk, "--help"],
        'python -c "import typorisk.cli"': [sys.executable, "-c", "import typorisk.cli"],
        "dnstwist --help": [dnstwist, "--help"],
        "dnstwist --format list pentagon.mil": [dnstwist, "--format", "list", "pentagon.mil"],
    }


def wall_ms(argv: list[str], env: dict[str, str], cwd: str) -> float:
    """Wall time (ms) of one process from spawn to exit; fails loudly if it fails."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = (time.perf_counter() - start) * 1000.0
    if proc.returncode != 0:
        raise SystemExit(f"{argv} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed


def p90(samples: list[float]) -> float:
    """The 90th percentile (inclusive method)."""
    return statistics.quantiles(samples, n=10, method="inclusive")[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--runs", type=int, default=RUNS, help=f"runs per command ({RUNS})")
    parser.add_argument("--root", help="measure DIR/typorisk instead of the installed package")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.root:
        env["PYTHONPATH"] = str(Path(args.root).resolve())
    medians: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as scratch:
        probe = [sys.executable, "-c", "import typorisk; print(typorisk.__file__)"]
        where = subprocess.run(
            probe, env=env, cwd=scratch, capture_output=True, text=True, check=True
        )
        print(f"typorisk from {where.stdout.strip()}; {args.runs} runs per command")
        print(f"{'command':<42} {'median ms':>10} {'p90 ms':>8}")
        for name, argv in commands().items():
            wall_ms(argv, env, scratch)  # warm the page cache and .pyc files first
            samples = [wall_ms(argv, env, scratch) for _ in range(args.runs)]
            medians[name] = statistics.median(samples)
            print(f"{name:<42} {medians[name]:>10.1f} {p90(samples):>8.1f}")
    peer = medians["dnstwist --help"]
    print(f"\nratio to dnstwist --help ({peer:.1f} ms median):")
    for name, median in medians.items():
        if name.startswith("typorisk") or "typorisk" in name:
            print(f"  {name:<40} {median / peer:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
