"""Benchmark: typorisk's resolver against dnstwist's, same names, same local NSD, same script run.

A generated zone ``bench.`` holds the registered names (A records, half of them with MX); the name
list mixes them with names that do not exist (90% by default). Each run resolves the whole list in
a fresh process (``spawn``), so peak memory (ru_maxrss) is the tool's own. Reported per tool:
names/s (median over runs), queries per nonexistent name (typorisk), peak RSS, and agreement with
the zone's ground truth on names that answered.

dnstwist 20250130 takes a domain, not a list: its resolver is driven through its library, exactly as
its CLI does (``dnstwist.Scanner`` threads over a queue of ``{'fuzzer', 'domain'}`` dicts, with
``option_extdns`` and ``nameservers``); the port is given as a ``dns.nameserver.Do53Nameserver``,
which its dnspython resolver accepts. "Registered" for dnstwist is its own rule: a result with any
``dns_*`` record.

Run: ``.venv/bin/python tests/benchmarks/bench_resolve.py [--names 20000] [--runs 3]``
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import statistics
import string
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def make_names(count: int, existing_share: float, seed: int = 7) -> tuple[list[str], set[str]]:
    """(shuffled names, the registered ones): distinct random labels under ``bench``."""
    rng = random.Random(seed)
    labels: set[str] = set()
    while len(labels) < count:
        labels.add("".join(rng.choices(string.ascii_lowercase, k=rng.randint(6, 14))))
    names = sorted(f"{label}.bench" for label in labels)
    rng.shuffle(names)
    registered = set(names[: int(count * existing_share)])
    rng.shuffle(names)
    return names, registered


def zone_text(registered: set[str]) -> str:
    lines = [
        "$ORIGIN bench.",
        "$TTL 300",
        "@ SOA ns.bench. admin.bench. 1 3600 600 86400 60",
        "@ NS ns.bench.",
        "ns A 127.0.0.1",
    ]
    for i, name in enumerate(sorted(registered)):
        label = name.removesuffix(".bench")
        lines.append(f"{label} A 192.0.2.{i % 250 + 1}")
        if i % 2:
            lines.append(f"{label} MX 10 mx.{label}.bench.")
    return "\n".join(lines) + "\n"


def run_typorisk(names: list[str], port: int, concurrency: int) -> dict[str, Any]:
    import asyncio

    from typorisk.resolve import DnsClient, NameServer, Registration, ResolveScan

    async def main() -> dict[str, Any]:
        client = DnsClient([NameServer("127.0.0.1", port)], timeout=2.0, retries=2, rate=None)
        async with client:
            scan = ResolveScan(client, concurrency=concurrency)
            verdicts: dict[str, bool | None] = {}
            nx_queries = nx_names = 0
            start = time.perf_counter()
            async for name, r in scan.run(names):
                verdicts[name] = (
                    None
                    if r.registration is Registration.UNKNOWN
                    else r.registration is Registration.REGISTERED
                )
                if r.registration is Registration.UNREGISTERED:
                    nx_names += 1
                    nx_queries += r.queries
            elapsed = time.perf_counter() - start
        stats = scan.stats()
        return {
            "elapsed": elapsed,
            "verdicts": verdicts,
            "queries": stats.queries,
            "nx_queries_per_name": nx_queries / max(nx_names, 1),
            "timeouts": stats.timeouts,
        }

    result = asyncio.run(main())
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def run_dnstwist(names: list[str], port: int, threads: int) -> dict[str, Any]:
    import queue

    import dns.nameserver
    import dnstwist

    jobs: queue.Queue[dict[str, Any]] = queue.Queue()
    tasks = [{"fuzzer": "bench", "domain": name} for name in names]
    for task in tasks:
        jobs.put(task)
    start = time.perf_counter()
    workers = []
    for _ in range(threads):
        worker = dnstwist.Scanner(jobs)
        worker.option_extdns = True
        worker.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", port)]
        worker.start()
        workers.append(worker)
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    verdicts: dict[str, bool | None] = {}
    for task in tasks:
        values = [v for k, v in task.items() if k.startswith("dns_")]
        failed = any(v == ["!ServFail"] for v in values)
        verdicts[task["domain"]] = None if failed else bool(values)
    return {
        "elapsed": elapsed,
        "verdicts": verdicts,
        "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def in_child(func: Any, *args: Any) -> dict[str, Any]:
    """Run ``func(*args)`` in a fresh interpreter (own memory peak); return its result."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        result: dict[str, Any] = pool.apply(func, args)
    return result


def agreement(verdicts: dict[str, bool | None], registered: set[str]) -> tuple[float, int]:
    """(share of answered names classified like the zone, names without an answer)."""
    answered = {n: v for n, v in verdicts.items() if v is not None}
    right = sum(1 for n, v in answered.items() if v == (n in registered))
    return right / max(len(answered), 1), len(verdicts) - len(answered)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=20_000)
    parser.add_argument("--existing", type=float, default=0.10, help="share of registered names")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=512, help="typorisk names in flight")
    parser.add_argument(
        "--threads", type=int, default=0, help="dnstwist threads (default: its own default)"
    )
    args = parser.parse_args()

    import dnstwist

    from tests.resolve.servers import free_port, nsd

    threads = args.threads or dnstwist.THREAD_COUNT_DEFAULT
    names, registered = make_names(args.names, args.existing)
    print(
        f"{len(names)} names, {len(registered)} registered; dnstwist {dnstwist.__version__} "
        f"with {threads} threads; typorisk concurrency {args.concurrency}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        with nsd(Path(tmp), {"bench.": zone_text(registered)}, port=port):
            runs: dict[str, list[dict[str, Any]]] = {"typorisk": [], "dnstwist": []}
            for i in range(args.runs):
                for tool, func, extra in (
                    ("typorisk", run_typorisk, args.concurrency),
                    ("dnstwist", run_dnstwist, threads),
                ):
                    result = in_child(func, names, port, extra)
                    runs[tool].append(result)
                    rate = len(names) / result["elapsed"]
                    print(
                        f"  run {i + 1} {tool:9} {result['elapsed']:7.2f} s  {rate:9,.0f} names/s"
                    )
    print()
    medians = {}
    for tool, results in runs.items():
        rate = statistics.median(len(names) / r["elapsed"] for r in results)
        medians[tool] = rate
        share, unanswered = agreement(results[-1]["verdicts"], registered)
        peak = max(r["maxrss_mb"] for r in results)
        line = f"{tool:9} {rate:9,.0f} names/s  peak RSS {peak:6.1f} MB  "
        line += f"agreement {share:.2%} ({unanswered} unanswered)"
        if tool == "typorisk":
            qpn = statistics.median(r["nx_queries_per_name"] for r in results)
            line += f"  queries/nonexistent name {qpn:.3f}  timeouts {results[-1]['timeouts']}"
        print(line)
    print(f"ratio typorisk/dnstwist: {medians['typorisk'] / medians['dnstwist']:.1f}x")


if __name__ == "__main__":
    main()
