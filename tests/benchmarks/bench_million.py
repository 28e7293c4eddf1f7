"""Benchmark: one million candidates end to end on this machine.

permute (1,950 real-looking targets × up to 600) → resolve against a local NSD serving a generated
root zone (one candidate in twenty registered, with A and MX) → rank → CSV + RPZ (checked by
named-checkzone). Reports
wall time per stage, names/s, queries per name and peak RSS, then runs the dnstwist comparison
(bench_resolve.py) on 20,000 names for a same-run ratio.

Run: .venv/bin/python tests/benchmarks/bench_million.py [--targets 1700] [--top 600]
Memory: generation and resolution stream; ranking holds one compact Observation per candidate
(the graph needs them all), not the rows.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_permute import synthetic_targets  # noqa: E402
from tests.resolve.servers import free_port, nsd  # noqa: E402
from typorisk.parse.targets import parse_target  # noqa: E402
from typorisk.permute import permute  # noqa: E402
from typorisk.pipeline import scan_row  # noqa: E402
from typorisk.rank import Observation, observation_from_row, rank  # noqa: E402
from typorisk.resolve import DnsClient, NameServer, ResolveScan  # noqa: E402
from typorisk.writers import write_rows  # noqa: E402
from typorisk.writers.formats import write_candidates  # noqa: E402


def registered(domain: str) -> bool:
    """One candidate in twenty is registered (deterministic)."""
    return zlib.crc32(domain.encode()) % 20 == 0


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def root_zone(targets: list[str], top: int, path: Path) -> int:
    """Write the root zone holding every registered candidate; returns the candidate count."""
    count = 0
    with path.open("w") as zone:
        zone.write("$ORIGIN .\n$TTL 300\n. SOA ns.bench. admin.bench. 1 3600 600 86400 60\n")
        zone.write(". NS ns.bench.\nns.bench. A 127.0.0.1\n")
        for cand in permute(targets, top=top):
            count += 1
            if registered(cand.domain):
                zone.write(f"{cand.domain}. A 192.0.2.7\n{cand.domain}. MX 10 mx.collect.bench.\n")
    return count


async def resolve_all(targets: list[str], top: int, port: int) -> tuple[list[Observation], Any]:
    """Stream candidates through the resolver; keep only the compact facts ranking needs."""
    rows: list[Observation] = []
    async with DnsClient([NameServer("127.0.0.1", port)], timeout=2.0, retries=2) as client:
        scan = ResolveScan(client, concurrency=512)
        async for cand, res in scan.run(permute([parse_target(t) for t in targets], top=top)):
            rows.append(observation_from_row(scan_row(cand, res)))
        return rows, scan.stats()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=1950)
    parser.add_argument("--top", type=int, default=600)
    parser.add_argument("--skip-dnstwist", action="store_true")
    args = parser.parse_args()
    targets = synthetic_targets(args.targets)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        zone_started = time.perf_counter()
        total = root_zone(targets, args.top, work / "root.zone")
        print(
            f"{total:,} candidates of {len(targets):,} targets; zone written in "
            f"{time.perf_counter() - zone_started:.1f} s"
        )
        zone_text = (work / "root.zone").read_text()
        with nsd(work / "nsd", {".": zone_text}, port=free_port()) as (_, port):
            started = time.perf_counter()
            rows, stats = asyncio.run(resolve_all(targets, args.top, port))
            resolved = time.perf_counter()
            result = rank(rows, now=dt.date.today())
            ranked_at = time.perf_counter()
            with (work / "feed.csv").open("w") as out:
                write_rows(
                    (
                        {
                            "domain": r.obs.domain,
                            "target": r.obs.target,
                            "risk": r.risk,
                            "registration": r.obs.registration,
                        }
                        for r in result.ranked
                    ),
                    "csv",
                    out,
                    ("domain", "target", "risk", "registration"),
                )
            csv_at = time.perf_counter()
            with (work / "feed.rpz").open("w") as out:
                listed = write_candidates(
                    (
                        {
                            "domain": r.obs.domain,
                            "target": r.obs.target,
                            "risk": r.risk,
                            "kinds": list(r.obs.kinds),
                            "likelihood": r.obs.likelihood,
                        }
                        for r in result.ranked
                        if r.risk >= 0.3
                    ),
                    "rpz",
                    out,
                )
            written = time.perf_counter()
            check = subprocess.run(
                ["named-checkzone", "rpz.bench", str(work / "feed.rpz")],
                capture_output=True,
                text=True,
                check=False,
            )
        names = len(rows)
        print(
            f"permute+resolve: {resolved - started:6.1f} s  {names / (resolved - started):,.0f}"
            f" names/s  {stats.queries / names:.2f} queries/name"
        )  # type: ignore[attr-defined]
        print(
            f"rank:            {ranked_at - resolved:6.1f} s  {names / (ranked_at - resolved):,.0f}"
            f" rows/s  {len(result.clusters)} clusters"
        )
        print(f"csv:             {csv_at - ranked_at:6.1f} s")
        verdict = check.stdout.strip().splitlines()[-1] if check.stdout else check.stderr.strip()
        print(
            f"rpz:             {written - csv_at:6.1f} s  {listed:,} names with risk >= 0.3; "
            f"named-checkzone: {verdict}"
        )
        print(f"total:           {written - started:6.1f} s; peak RSS {rss_mib():,.0f} MiB")
    if not args.skip_dnstwist:
        print("\nsame-run comparison with dnstwist on 20,000 names (bench_resolve.py):")
        subprocess.run(
            [
                sys.executable,
                str(ROOT / "tests/benchmarks/bench_resolve.py"),
                "--names",
                "20000",
                "--runs",
                "1",
            ],
            check=True,
        )


if __name__ == "__main__":
    main()
