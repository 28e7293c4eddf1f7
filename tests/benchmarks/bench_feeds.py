"""Benchmark: a 100,000-name feed written in every format, seconds and peak memory per format.

Each format runs in its own child process (so peak RSS is that format's alone), streaming
candidate rows from the permutation engine (100 targets x 1,000 candidates) into a file in a
temporary directory. ``list`` is the floor (permute + validation + one line a name); the other
formats' time is comparable to it. Peak RSS of the permutation alone is printed first.

    .venv/bin/python tests/benchmarks/bench_feeds.py [--names 100000] [--formats rpz,squid]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

TARGETS_PER_RUN = 300


def _targets(n: int) -> list[str]:
    words = [
        "pentagon",
        "army",
        "navy",
        "marines",
        "spaceforce",
        "defense",
        "intelligence",
        "cybercom",
        "logistics",
        "procurement",
    ]
    suffixes = ["mil", "com", "co.uk", "de", "gov", "org", "net", "fr", "nl", "com.au"]
    return [f"{w}{v or ''}.{s}" for v in range(n // 100 + 1) for s in suffixes for w in words][:n]


def _rows(names: int) -> Iterator[dict[str, object]]:
    from typorisk.permute import permute
    from typorisk.writers import candidate_row

    per_target = -(-names // TARGETS_PER_RUN)
    candidates = permute(_targets(TARGETS_PER_RUN), top=per_target)
    for count, candidate in enumerate(candidates, start=1):
        yield candidate_row(candidate)
        if count == names:
            return


def child(fmt: str, names: int, out: Path) -> None:
    from typorisk.writers import FORMATS, WriterOptions

    start = time.perf_counter()
    if fmt == "permute-only":  # the floor: generating the rows, nothing written
        written = sum(1 for _ in _rows(names))
    else:
        with out.open("w", encoding="utf-8") as handle:
            written = FORMATS[fmt].write(_rows(names), handle, WriterOptions())
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = out.stat().st_size if out.exists() else 0
    print(
        json.dumps(
            {"format": fmt, "entries": written, "seconds": elapsed, "peak_mib": peak, "bytes": size}
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--formats", default="")
    parser.add_argument("--child", nargs=2, metavar=("FORMAT", "OUT"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.names, Path(args.child[1]))
        return
    from typorisk.writers import FEED_FORMATS

    formats = (
        args.formats.split(",")
        if args.formats
        else [name for name, f in FEED_FORMATS.items() if not f.directory]
    )
    print(f"{args.names} candidate rows from {TARGETS_PER_RUN} targets, one process per format")
    print(
        f"{'format':18} {'entries':>8} {'seconds':>8} {'names/s':>9} {'peak MiB':>9} {'MiB out':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ["permute-only", *formats]:
            out = Path(tmp) / f"feed.{fmt}"
            proc = subprocess.run(
                [sys.executable, __file__, "--names", str(args.names), "--child", fmt, str(out)],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(proc.stdout)
            rate = r["entries"] / r["seconds"] if r["seconds"] else 0
            print(
                f"{fmt:18} {r['entries']:8d} {r['seconds']:8.2f} {rate:9.0f} "
                f"{r['peak_mib']:9.1f} {r['bytes'] / 2**20:8.1f}"
            )
            out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
