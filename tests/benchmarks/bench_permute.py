"""Benchmark: typorisk's permutation engine against dnstwist's Fuzzer (PyPI), in one run.

Prints, for the same 125 targets (the 89 real targets of tests/data/real_typos.csv plus
deterministic synthetic ones):

- **whole process, list output**: ``typorisk permute --file T --format list`` against a fresh
  ``python`` running ``dnstwist.Fuzzer`` on each target and printing every domain, one a line
  (start-up, generation and output included for both); runs interleaved, medians, and the ratio of
  candidates per second;
- in-process candidates per second (``typorisk.permute`` against ``Fuzzer.generate``);
- candidates per target (median); on the real single-edit typos (all rows, then each half of the
  fixed split), the share inside typorisk's top 10/50/100/200 beside the share anywhere in
  dnstwist's whole list; and peak memory (RSS) when typorisk streams 100 vs 1,000 targets
  (flat means streaming works).

Run: .venv/bin/python tests/benchmarks/bench_permute.py [--runs N] [--root DIR] [--startup DIR]
``--startup DIR``: only the start-up CPU time of a few commands, DIR's tree against this one,
interleaved (15 runs unless ``--runs``).
``--root DIR`` runs the whole-process typorisk side from another tree of the package (DIR/typorisk,
e.g. ``git archive HEAD~1 typorisk | tar -x -C /tmp/before``) through ``PYTHONPATH``, for a
before/after figure measured in the same run as dnstwist. Needs the 'bench' extra (dnstwist).
Not part of the test suite: machines here are noisy, so it reports medians and ratios only.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dnstwist

from typorisk import permute

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "real_typos.csv"
RUNS = 3
TARGETS = 125
BIN = Path(sys.executable).parent


def dataset() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def synthetic_targets(count: int, seed: int = 7) -> list[str]:
    """Pronounceable brand-like names over common suffixes (deterministic)."""
    rng = random.Random(seed)
    cons, vows = "bcdfghjklmnprstvwz", "aeiou"
    suffixes = ["com", "net", "org", "de", "co.uk", "mil", "gov", "fr", "nl", "com.au"]
    out = []
    for _ in range(count):
        label = "".join(rng.choice(cons) + rng.choice(vows) for _ in range(rng.randint(2, 5)))
        out.append(f"{label}.{rng.choice(suffixes)}")
    return out


def bench_targets() -> list[str]:
    """The real targets of the data set, topped up with synthetic ones to :data:`TARGETS`."""
    real = sorted({r["target"] for r in dataset()})
    extra = [t for t in synthetic_targets(TARGETS * 2) if t not in real]
    return real + extra[: TARGETS - len(real)]


DNSTWIST_CHILD = """
import sys
import dnstwist
out = []
for line in open(sys.argv[1], encoding="utf-8"):
    fuzzer = dnstwist.Fuzzer(line.strip())
    fuzzer.generate()
    out.extend(p.domain for p in fuzzer.domains if p.fuzzer != "*original")
sys.stdout.write("\\n".join(out) + "\\n")
"""


def whole_process(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, int]:
    """(wall seconds, output lines) of one process from spawn to exit; fails loudly."""
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed, proc.stdout.count(b"\n")


def whole_process_rates(
    targets: list[str], runs: int, root: Path | None
) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
    """(typorisk samples, dnstwist samples) of whole-process runs, interleaved."""
    env = dict(os.environ)
    if root is not None:
        env["PYTHONPATH"] = str(root)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "targets.txt"
        path.write_text("\n".join(targets) + "\n", encoding="utf-8")
        ours_argv = [str(BIN / "typorisk"), "permute", "--file", str(path), "--format", "list"]
        theirs_argv = [sys.executable, "-c", DNSTWIST_CHILD, str(path)]
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(whole_process(ours_argv, env, scratch))
            theirs.append(whole_process(theirs_argv, env, scratch))
    return ours, theirs


def time_typorisk(targets: list[str]) -> tuple[float, list[int]]:
    start = time.perf_counter()
    per_target: dict[str, int] = {}
    for cand in permute(targets):
        per_target[cand.target] = per_target.get(cand.target, 0) + 1
    return time.perf_counter() - start, list(per_target.values())


def time_dnstwist(targets: list[str]) -> tuple[float, list[int]]:
    start = time.perf_counter()
    counts = []
    for target in targets:
        fuzzer = dnstwist.Fuzzer(target)
        fuzzer.generate()
        counts.append(len(fuzzer.domains) - 1)  # minus the '*original' entry
    return time.perf_counter() - start, counts


TOP_N = (10, 50, 100, 200)


def recall(rows: list[dict[str, str]]) -> tuple[dict[int | None, float], float, float]:
    """On the single-edit ``rows``: ({N: share within typorisk's top N, None: anywhere in its
    list}, share anywhere in dnstwist's whole list, dnstwist's median list length)."""
    single = [r for r in rows if r["single_edit"] == "yes"]
    ours: dict[str, dict[str, int]] = {}
    theirs: dict[str, set[str]] = {}
    for target in {r["target"] for r in single}:
        ours[target] = {c.domain: i for i, c in enumerate(permute([target]), start=1)}
        fuzzer = dnstwist.Fuzzer(target)
        fuzzer.generate()
        theirs[target] = {p.domain for p in fuzzer.domains if p.fuzzer != "*original"}
    n = len(single)
    shares: dict[int | None, float] = {}
    for cut in (*TOP_N, None):
        got = sum(
            (rank := ours[r["target"]].get(r["typo"])) is not None and (cut is None or rank <= cut)
            for r in single
        )
        shares[cut] = got / n
    hit_theirs = sum(r["typo"] in theirs[r["target"]] for r in single) / n
    return shares, hit_theirs, statistics.median(len(v) for v in theirs.values())


def split_rows(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    """The rows of each half of the fixed split (tests/data/real_typos_split.csv), and all."""
    with (DATA.parent / "real_typos_split.csv").open(encoding="utf-8", newline="") as handle:
        half = {r["target"]: r["half"] for r in csv.DictReader(handle)}
    out = {"all": rows}
    for name in ("tune", "test"):
        out[name] = [r for r in rows if half[r["target"]] == name]
    return out


CHILD = """
import resource, sys
from typorisk import permute
from tests.benchmarks.bench_permute import synthetic_targets
n = sum(1 for _ in permute(synthetic_targets(int(sys.argv[1]))))
print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss(count: int) -> tuple[int, int]:
    """(candidates, peak RSS in KiB) of a fresh process streaming ``count`` targets."""
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(count)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    ).stdout.split()
    return int(out[0]), int(out[1])


STARTUP = {
    "import typorisk.cli": [sys.executable, "-c", "import typorisk.cli"],
    "typorisk --help": [str(BIN / "typorisk"), "--help"],
    "typorisk permute pentagon.mil --top 10": [
        str(BIN / "typorisk"), "permute", "pentagon.mil", "--top", "10", "--format", "list",
    ],
    "typorisk permute bücher.de --top 20": [
        str(BIN / "typorisk"), "permute", "bücher.de", "--top", "20", "--format", "list",
    ],
}  # fmt: skip


def startup_cpu(root: Path, runs: int) -> None:
    """Print the CPU time (user + sys, ms, medians) of :data:`STARTUP`'s processes for the tree
    at ``root`` and for this one, interleaved run by run, so the load of a busy machine falls
    on both alike (wall time here varies by 2x between runs; CPU time much less)."""
    trees = {"before": root, "after": ROOT}
    samples: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for _ in range(runs):
            for name, argv in STARTUP.items():
                for label, tree in trees.items():
                    env = {**os.environ, "PYTHONPATH": str(tree)}
                    used = resource.getrusage(resource.RUSAGE_CHILDREN)
                    subprocess.run(argv, env=env, cwd=scratch, capture_output=True, check=True)
                    now = resource.getrusage(resource.RUSAGE_CHILDREN)
                    cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
                    samples.setdefault((name, label), []).append(cpu * 1000)
    for name in STARTUP:
        before = statistics.median(samples[name, "before"])
        after = statistics.median(samples[name, "after"])
        print(f"start-up CPU {name:40} {root}: {before:6.1f} ms, this tree: {after:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--root", type=Path, help="measure DIR/typorisk whole-process")
    parser.add_argument(
        "--startup", type=Path, metavar="DIR", help="only: start-up CPU of DIR vs this tree"
    )
    args = parser.parse_args()
    if args.startup:
        startup_cpu(args.startup, args.runs if args.runs != RUNS else 15)
        return
    rows = dataset()
    targets = bench_targets()
    print(f"targets: {len(targets)} ({DATA.name} targets + synthetic); {args.runs} runs, medians")
    wp_ours, wp_theirs = whole_process_rates(targets, args.runs, args.root)
    wp_our_rate = statistics.median(n / t for t, n in wp_ours)
    wp_their_rate = statistics.median(n / t for t, n in wp_theirs)
    where = f" (from {args.root})" if args.root else ""
    print(
        f"whole process, list output{where}: typorisk {wp_our_rate:10,.0f} candidates/s "
        f"({statistics.median(t for t, _ in wp_ours):.2f} s, {wp_ours[0][1]:,} lines); "
        f"dnstwist Fuzzer {wp_their_rate:10,.0f} candidates/s "
        f"({statistics.median(t for t, _ in wp_theirs):.2f} s, {wp_theirs[0][1]:,} lines); "
        f"ratio {wp_our_rate / wp_their_rate:.2f}x"
    )
    ours = [time_typorisk(targets) for _ in range(args.runs)]
    theirs = [time_dnstwist(targets) for _ in range(args.runs)]
    our_rate = statistics.median(sum(c) / t for t, c in ours)
    their_rate = statistics.median(sum(c) / t for t, c in theirs)
    print(
        f"typorisk: {our_rate:10,.0f} candidates/s   "
        f"median {statistics.median(ours[0][1]):6.0f} candidates/target"
    )
    print(
        f"dnstwist: {their_rate:10,.0f} candidates/s   "
        f"median {statistics.median(theirs[0][1]):6.0f} candidates/target"
    )
    print(f"in-process speed ratio typorisk/dnstwist: {our_rate / their_rate:.1f}x")
    for name, members in split_rows(rows).items():
        shares, theirs_share, their_median = recall(members)
        tops = ", ".join(f"top {k}: {shares[k]:.1%}" for k in TOP_N)
        print(
            f"single-edit rows ({name}, {sum(r['single_edit'] == 'yes' for r in members)}):"
            f" typorisk {tops}, whole list {shares[None]:.1%}; dnstwist whole list"
            f" {theirs_share:.1%} (median {their_median:.0f} names a target)"
        )
    for count in (100, 1000):
        cands, rss = peak_rss(count)
        print(
            f"streaming {count:5d} targets: {cands:8,d} candidates, peak RSS {rss / 1024:6.1f} MiB"
        )


if __name__ == "__main__":
    main()
