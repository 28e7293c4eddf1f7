"""Benchmark: ranking 100,000 candidates with their infrastructure (graph + scores + findings).

Run: .venv/bin/python tests/benchmarks/bench_rank.py [--candidates 100000]
Prints the median wall time of 3 runs, candidates/s and peak RSS. Not a timed test.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import time

from typorisk.rank import Observation, rank


def world(count: int, seed: int = 3) -> list[Observation]:
    """``count`` candidates of 1,000 targets: 10% registered with MX on 500 hosts, the rest free."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        target = f"brand{i % 1000}.com"
        registered = rng.random() < 0.1
        out.append(
            Observation(
                target,
                f"typo{i}.com",
                "com",
                10 ** rng.uniform(-7, -2),
                ("replacement",),
                "registered" if registered else "unregistered",
                "mx" if registered else "none",
                mx=(f"mx{rng.randrange(500)}.host.example",) if registered else (),
                ns=(f"ns{rng.randrange(50)}.dns.example",) if registered else (),
                a=(f"198.51.{rng.randrange(256)}.{rng.randrange(256)}",) if registered else (),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    args = parser.parse_args()
    observations = world(args.candidates)
    times = []
    for _ in range(3):
        start = time.perf_counter()
        result = rank(observations)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"ranked {len(result.ranked):,} candidates: median {median:.2f} s "
        f"({len(result.ranked) / median:,.0f}/s), {len(result.clusters)} clusters, "
        f"peak RSS {rss:.0f} MiB"
    )


if __name__ == "__main__":
    main()
