# ruff: noqa: E501  (generated zone lines are clearer unwrapped)
"""Zone-file mode: lines/s and peak memory on a generated multi-million-line CZDS-style zone.

    .venv/bin/python tests/benchmarks/bench_zonefile.py [--lines 3000000] [--candidates 100000]

Generates a ``com``-like zone (SOA, then per domain two NS lines and some glue, tab separated,
lowercase, as CZDS ships them) into a temporary directory, plain and gzip, then runs
:func:`typorisk.register.scan_zone_files` on each in a fresh child process (so peak RSS is the
scan's own) with a candidate set of which 10% are in the zone. Peer for scale: ``grep -F -c``
of the candidate owners on the plain file, the same process pattern.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from typorisk.register import scan_zone_files
path, cands = Path(sys.argv[1]), Path(sys.argv[2]).read_text().split()
start = time.monotonic()
scan = scan_zone_files([path], cands)
elapsed = time.monotonic() - start
found = sum(1 for l in scan.lookups.values() if l.status.value == "found")
print(json.dumps({"lines": scan.lines, "seconds": elapsed, "found": found,
                  "decided": len(scan.lookups),
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def generate(
    directory: Path, lines: int, candidates: int, seed: int = 7
) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    plain = directory / "com.zone"
    names: list[str] = []
    with plain.open("w") as out:
        out.write(
            "com.\t900\tin\tsoa\ta.gtld-servers.net. nstld.verisign-grs.com. 1 1800 900 604800 86400\n"
        )
        written, i = 1, 0
        while written < lines:
            name = f"d{i:08x}{rng.randrange(1 << 16):04x}.com."
            out.write(
                f"{name}\t172800\tin\tns\tns1.host{i % 977}.net.\n{name}\t172800\tin\tns\tns2.host{i % 977}.net.\n"
            )
            written += 2
            if i % 10 == 0:
                out.write(f"ns1.{name}\t172800\tin\ta\t192.0.2.{i % 250}\n")
                written += 1
            if len(names) < candidates // 10 and i % 7 == 0:
                names.append(name.rstrip("."))
            i += 1
    wanted = names + [f"free{j}.com" for j in range(candidates - len(names))]
    cand_file = directory / "candidates.txt"
    cand_file.write_text("\n".join(wanted))
    packed = directory / "com.zone.gz"
    with plain.open("rb") as src, gzip.open(packed, "wb", compresslevel=6) as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
    return plain, packed, cand_file


def run_child(path: Path, candidates: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(candidates)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def grep_peer(plain: Path, candidates: Path) -> float:
    start = time.monotonic()
    subprocess.run(
        ["grep", "-F", "-c", "-f", str(candidates), str(plain)], check=False, capture_output=True
    )
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--candidates", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-zone-") as tmp:
        started = time.monotonic()
        plain, packed, cands = generate(Path(tmp), args.lines, args.candidates)
        print(f"generated {args.lines:,} lines ({plain.stat().st_size / 2**20:.0f} MiB plain, "
              f"{packed.stat().st_size / 2**20:.0f} MiB gzip) in {time.monotonic() - started:.1f} s; "
              f"{args.candidates:,} candidates")  # fmt: skip
        for label, path in (("plain", plain), ("gzip", packed)):
            r = run_child(path, cands)
            print(f"{label:5}: {r['lines']:,.0f} lines in {r['seconds']:.2f} s = "
                  f"{r['lines'] / r['seconds']:,.0f} lines/s; peak RSS {r['rss_mib']:.0f} MiB; "
                  f"{r['found']:,.0f} found, {r['decided']:,.0f} decided")  # fmt: skip
        peer = grep_peer(plain, cands)
        print(f"peer : grep -F -c -f candidates (plain): {peer:.2f} s "
              f"(finds lines, not delegations)")  # fmt: skip
    print(f"parent peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
