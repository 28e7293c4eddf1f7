"""Benchmark: typorisk's web stage against dnstwist ``--lsh``, same world, same run.

The world is tests/web/world.py: aiohttp sites on 127.0.19.x:80/443 (TLS from a test CA), NSD
on 127.0.19.53:53 (dnstwist takes no port) and Unbound in front of it for typorisk. Both tools
scan ``brandbank.com`` with their own permutations; the world's names are ones both generate.
Each tool runs in its own process; peak memory is that process's ru_maxrss (``os.wait4``).

1. **Classification**: the 13 pages of the ground truth (a clone, a lightly modified clone, a
   parked page, a phishing kit, a redirect chain to the target, a redirect loop, a tarpit, a
   50 MB body, binary junk, a reset, an unrelated page, a redirect elsewhere, an address where
   nothing listens). typorisk's class against the truth; dnstwist's ssdeep and TLSH scores.
2. **Throughput**: every name both tools generate (269) registered and served by one of the
   fault-free roles (no tarpit, no 50 MB body: they measure timeouts, not throughput), ``--runs``
   times; medians of wall time, pages/s and peak RSS. typorisk runs with ``--web-rate 0`` (no
   per-address limit: the world puts ~25 names on each address, and the default 2 requests/s
   per address would measure politeness) and its default 16 pages in flight; dnstwist with its
   default threads (min(32, CPUs + 4)).

Needs root (ports 53, 80, 443), nsd, unbound and dnstwist (the ``bench`` extra).
Run: ``.venv/bin/python tests/benchmarks/bench_web.py [--runs 3] [--skip-table]``
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.web import world as w  # noqa: E402

PY = str(ROOT / ".venv/bin/python")
TYPORISK = str(ROOT / ".venv/bin/typorisk")
RUNNER = str(ROOT / "tests/benchmarks/dnstwist_world.py")
FAST_ROLES = ("clone", "modified", "parked", "login", "to-target", "loop", "binary", "reset",
              "unrelated", "to-other", "nowhere")  # fmt: skip


def measured(argv: list[str], limit: float | None = None) -> tuple[float, int, str, str]:
    """Run ``argv``: (wall seconds, peak RSS in MiB, stdout, stderr); after ``limit`` seconds
    the process is killed (by its PID) and its stdout is empty."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err)
        timer = threading.Timer(limit or 1e9, process.kill)
        timer.start()
        _, status, usage = os.wait4(process.pid, 0)
        timer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        took = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return took, usage.ru_maxrss // 1024, out.read().decode(), err.read().decode()


def run_typorisk(world: w.World, *extra: str) -> tuple[float, int, list[dict[str, object]], str]:
    argv = [TYPORISK, "scan", w.TARGET, "--web", "--nameserver", world.nameserver, "--format",
            "jsonl", "--max-unknown", "0.5", "--web-connect-timeout", "2",
            "--web-read-timeout", "3", "--allow-private-network", "127.0.0.0/8",
            *extra]  # fmt: skip
    took, rss, out, err = measured(argv)
    return took, rss, [json.loads(line) for line in out.splitlines()], err


def run_dnstwist(lsh: str, limit: float) -> tuple[float, int, dict[str, dict[str, object]] | None]:
    """dnstwist's run, its peak RSS and its rows by domain (``None``: it did not finish within
    ``limit`` seconds and was killed)."""
    argv = [PY, RUNNER, w.DNS_HOST, "--", "--registered", "--lsh", lsh, "--nameservers",
            w.DNS_HOST, "--format", "json", w.TARGET]  # fmt: skip
    took, rss, out, _err = measured(argv, limit)
    if not out.strip():
        print(f"dnstwist --lsh {lsh}: no output after {took:.0f} s (limit {limit:.0f} s)")
        return took, rss, None
    return took, rss, {d["domain"]: d for d in json.loads(out)}


def web_seconds(err: str) -> float:
    found = re.search(r"typorisk: web: .* requests in ([\d.]+) s", err)
    return float(found.group(1)) if found else float("nan")


def table(directory: Path, limit: float) -> None:
    with w.web_world(directory / "table", dns_port=53) as world:
        took, rss, rows, err = run_typorisk(world)
        tlsh = run_dnstwist("tlsh", limit)
        ssdeep = run_dnstwist("ssdeep", limit)
    by = {r["domain"]: r for r in rows}
    print("\n| page | truth | typorisk | right | similarity | dnstwist ssdeep | dnstwist tlsh |")
    print("|---|---|---|---|---|---|---|")
    right = 0
    for domain, (role, truth, _) in w.SITES.items():
        row = by.get(domain, {})
        ok = row.get("web") == truth
        right += ok
        sim = row.get("web_similarity")
        print(
            f"| {domain} ({role}) | {truth} | {row.get('web')} | {'yes' if ok else 'NO'} | "
            f"{'—' if sim is None else f'{sim:.2f}'} | {_score(ssdeep[2], domain, 'ssdeep')} | "
            f"{_score(tlsh[2], domain, 'tlsh')} |"
        )
    print(f"\ntyporisk: {right}/{len(w.SITES)} right; run {took:.1f} s (web stage "
          f"{web_seconds(err):.1f} s), peak RSS {rss} MiB")  # fmt: skip
    for name, (t, r, _) in (("ssdeep", ssdeep), ("tlsh", tlsh)):
        print(f"dnstwist --lsh {name}: run {t:.1f} s, peak RSS {r} MiB")


def _score(found: dict[str, dict[str, object]] | None, domain: str, key: str) -> str:
    if found is None:
        return "did not finish"
    entry = found.get(domain)
    if entry is None:
        return "not listed"
    value = entry.get(key)
    return "—" if value is None else f"{value}%"


def throughput_sites() -> dict[str, tuple[str, str, int]]:
    """Every name both tools generate, served by the fault-free roles in turn."""
    import dnstwist

    from typorisk.parse.targets import parse_target
    from typorisk.permute import permute

    ours = {c.domain for c in permute([parse_target(w.TARGET)])}
    fuzzer = dnstwist.Fuzzer(w.TARGET)
    fuzzer.generate()
    shared = sorted(ours & {d["domain"] for d in fuzzer.domains})
    octets = {role: octet for _, (role, _, octet) in w.SITES.items()}
    truth = {role: klass for _, (role, klass, _) in w.SITES.items()}
    roles = itertools.cycle(FAST_ROLES)
    return {d: (r, truth[r], octets[r]) for d, r in zip(shared, roles, strict=False)}


def throughput(directory: Path, runs: int) -> None:
    sites = throughput_sites()
    ours: list[tuple[float, float, int]] = []
    theirs: list[tuple[float, int]] = []
    with w.web_world(directory / "many", sites, dns_port=53) as world:
        for _ in range(runs):
            took, rss, rows, err = run_typorisk(world, "--web-rate", "0")
            pages = sum(1 for r in rows if r.get("web"))
            right = sum(
                1 for r in rows if r["domain"] in sites and r.get("web") == sites[r["domain"]][1]
            )
            ours.append((took, web_seconds(err), rss))
            t2, rss2, found = run_dnstwist("tlsh", 1800)
            theirs.append((t2, rss2))
            print(f"  run: typorisk {pages} pages ({right} classed right), {took:.1f} s "
                  f"(web {web_seconds(err):.1f} s), "
                  f"{rss} MiB; dnstwist {len(found or ()) - 1} registered, {t2:.1f} s, "
                  f"{rss2} MiB")  # fmt: skip
    n = len(sites)
    t_wall = statistics.median(t for t, _, _ in ours)
    t_web = statistics.median(t for _, t, _ in ours)
    d_wall = statistics.median(t for t, _ in theirs)
    print(f"\n{n} sites, medians of {runs} runs (machine shared, loaded):")
    print(
        f"  typorisk: {t_wall:.1f} s wall, {n / t_wall:.1f} pages/s; web stage {t_web:.1f} s, "
        f"{n / t_web:.1f} pages/s; peak RSS {statistics.median(r for *_, r in ours)} MiB"
    )
    print(
        f"  dnstwist --lsh tlsh: {d_wall:.1f} s wall, {n / d_wall:.1f} pages/s; peak RSS "
        f"{statistics.median(r for _, r in theirs)} MiB"
    )
    print(f"  wall-time ratio dnstwist/typorisk: {d_wall / t_wall:.2f}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-table", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--dnstwist-limit", type=float, default=600.0,
                        help="seconds before a dnstwist run of the table is stopped")  # fmt: skip
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_web needs root: it binds 127.0.19.x ports 53, 80 and 443")
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        if not args.skip_table:
            table(Path(tmp), args.dnstwist_limit)
        if not args.skip_throughput:
            throughput(Path(tmp), args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
