"""Benchmark: the regex output's trie against a flat alternation of the same names (the peer),
in the same process: microseconds per whole-name match, median of 3 runs, and the ratio.

    .venv/bin/python tests/benchmarks/bench_rules.py [--names 10000,50000]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time

from typorisk.writers.rules import name_pattern, trie_pattern

PREFIX = r"(?i)^(?:[a-z0-9_-]+\.)*"


def per_match(pattern: re.Pattern[str], probes: list[str]) -> float:
    """Median over 3 runs of the microseconds one ``fullmatch`` of a probe takes."""
    times = []
    for _ in range(3):
        started = time.perf_counter()
        assert all(pattern.fullmatch(p) for p in probes)
        times.append((time.perf_counter() - started) / len(probes) * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", default="10000,50000", help="list sizes, comma-separated")
    for n in (int(x) for x in parser.parse_args().names.split(",")):
        names = [f"brand{i}x.com" for i in range(n)]
        flat = re.compile(PREFIX + "(?:" + "|".join(map(name_pattern, names)) + r")\.?$")
        trie = re.compile(PREFIX + "(?:" + trie_pattern(names) + r")\.?$")
        probes = [f"www.{names[i]}" for i in range(0, n, max(1, n // 5000))]
        slow, fast = per_match(flat, probes), per_match(trie, probes)
        print(f"{n} names: flat {slow:.1f} µs/match, trie {fast:.2f} µs/match, {slow / fast:.0f}x")


if __name__ == "__main__":
    main()
