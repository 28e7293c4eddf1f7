"""Benchmark: peak memory of ``typorisk scan`` end to end, at 100k and at 1M candidates.

What a user runs: the CLI as a whole process, ``typorisk scan --file targets.txt --top 600
--nameserver 127.0.0.1:PORT --rate 0 --format jsonl`` with its output redirected to a file,
against a local NSD serving a generated root zone (one candidate in twenty registered, with an
address in one of 256 /24 networks and one of 50 collecting MX hosts, so the graph has clusters
to find). Each run's peak RSS is the whole CLI process's ``ru_maxrss`` (``os.wait4`` on that
child only). Reported: per size, the median of ``--runs`` runs (wall time, names/s, peak RSS,
rows written), and the ratio of the 1M peak to the 100k peak (goal: ≤ 500 MiB at 1M, ratio
≤ 1.5).

``--record`` measures ``typorisk record`` instead: the scan's rows for the same candidates
(written here from the zone's truth, as ``typorisk scan --format jsonl`` writes them) recorded
into a fresh store, peak RSS and wall time per size.

``--source DIR`` runs another checkout's code with the same interpreter (``PYTHONPATH=DIR``), e.g.
main's tree from ``git archive main typorisk | tar -x -C /tmp/base``, for a before/after in one
run.

Run: .venv/bin/python tests/benchmarks/bench_million.py [--runs 3] [--sizes 100000,1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks.bench_permute import synthetic_targets  # noqa: E402
from tests.resolve.servers import free_port, nsd  # noqa: E402
from typorisk.permute import permute  # noqa: E402
from typorisk.pipeline.rows import candidate_row  # noqa: E402

TOP = 600
"""Candidates per target (``--top``)."""


def registered(domain: str) -> int | None:
    """One candidate in twenty is registered (deterministic): its number, else None."""
    h = zlib.crc32(domain.encode())
    return h if h % 20 == 0 else None


def targets_for(size: int) -> tuple[list[str], int]:
    """Enough synthetic targets for about ``size`` candidates at :data:`TOP` each, and the
    exact candidate count they give."""
    pool = synthetic_targets(max(1, size // 400))
    out: list[str] = []
    count = 0
    for target in pool:
        if count >= size:
            break
        out.append(target)
        count += sum(1 for _ in permute([target], top=TOP))
    while count < size:  # top up from a larger pool, deterministically
        extra = synthetic_targets(len(out) * 2)[len(out) :]
        for target in extra:
            if count >= size:
                break
            out.append(target)
            count += sum(1 for _ in permute([target], top=TOP))
    return out, count


def root_zone(targets: list[str]) -> str:
    """The root zone holding every registered candidate of ``targets``."""
    lines = [
        "$ORIGIN .\n$TTL 300\n. SOA ns.bench. admin.bench. 1 3600 600 86400 60\n",
        ". NS ns.bench.\nns.bench. A 127.0.0.1\n",
    ]
    for cand in permute(targets, top=TOP):
        h = registered(cand.domain)
        if h is not None:
            lines.append(
                f"{cand.domain}. A 198.51.{h // 20 % 256}.{h // 5120 % 250 + 1}\n"
                f"{cand.domain}. MX 10 mx{h // 20 % 50}.collect.bench.\n"
            )
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float
    peak_mib: float
    rows: int
    code: int


def run_cli(targets_file: Path, port: int, out: Path, source: Path | None) -> Run:
    """One ``typorisk scan`` as a whole process; its own peak RSS from ``wait4``."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    argv = [
        sys.executable,
        "-m",
        "typorisk",
        "scan",
        "--file",
        str(targets_file),
        "--top",
        str(TOP),
        "--nameserver",
        f"127.0.0.1:{port}",
        "--rate",
        "0",
        "--format",
        "jsonl",
        "--today",
        "2026-11-28",
    ]
    started = time.perf_counter()
    with out.open("w") as stdout, (out.with_suffix(".err")).open("w") as stderr:
        proc = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=env, cwd=out.parent)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    with out.open("rb") as handle:
        rows = sum(1 for _ in handle)
    return Run(seconds, usage.ru_maxrss / 1024, rows, proc.returncode)


def scan_rows(targets: list[str], path: Path) -> int:
    """Rows as a ranked scan writes them for ``targets`` (registration from the zone's truth)."""
    count = 0
    with path.open("w") as out:
        for cand in permute(targets, top=TOP):
            h = registered(cand.domain)
            row = {
                **candidate_row(cand),
                "weight": 1.0,
                "registration": "unregistered" if h is None else "registered",
                "mail": "none" if h is None else "mx",
                "mx": [] if h is None else [f"mx{h // 20 % 50}.collect.bench"],
                "risk": 0.2 if h is None else 0.6,
            }
            out.write(json.dumps(row) + "\n")
            count += 1
    return count


def run_record(rows: Path, db: Path, source: Path | None) -> Run:
    """One ``typorisk record`` of ``rows`` into a fresh store ``db``, as a whole process."""
    for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        stale.unlink(missing_ok=True)
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    argv = [sys.executable, "-m", "typorisk", "record", str(rows), "--db", str(db)]
    started = time.perf_counter()
    with (db.with_suffix(".err")).open("w") as stderr:
        # cwd away from a checkout: ``python -m`` puts the cwd first on sys.path
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=stderr, env=env, cwd=db.parent
        )
        _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return Run(time.perf_counter() - started, usage.ru_maxrss / 1024, 0, code)


def record_bench(sizes: list[int], sources: list[Path | None], runs: int) -> None:
    """Peak RSS of ``typorisk record`` per size and source (see the module docstring)."""
    peaks: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in sizes:
            targets, _ = targets_for(size)
            count = scan_rows(targets, work / "rows.jsonl")
            print(f"record: {count:,} rows", flush=True)
            for source in sources:
                label = str(source) if source else "this tree"
                done = [run_record(work / "rows.jsonl", work / "h.db", source) for _ in range(runs)]
                if any(r.code != 0 for r in done):
                    raise SystemExit(f"{label}: {(work / 'h.err').read_text()[-2000:]}")
                peak = statistics.median(r.peak_mib for r in done)
                wall = statistics.median(r.seconds for r in done)
                peaks[(label, size)] = peak
                runs_text = ", ".join(f"{r.peak_mib:,.0f}" for r in done)
                print(
                    f"record {label} at {count:,}: median {wall:.1f} s, peak RSS {peak:,.0f} MiB"
                    f" (runs: {runs_text} MiB)",
                    flush=True,
                )
    report(sizes, sources, peaks)


def report(
    sizes: list[int], sources: list[Path | None], peaks: dict[tuple[str, int], float]
) -> None:
    """The ratio of the peak at the largest size to the peak at the smallest, per source."""
    if len(sizes) < 2:
        return
    low, high = min(sizes), max(sizes)
    for source in sources:
        label = str(source) if source else "this tree"
        ratio = peaks[(label, high)] / peaks[(label, low)]
        print(
            f"{label}: peak RSS {peaks[(label, low)]:,.0f} MiB at {low:,}, "
            f"{peaks[(label, high)]:,.0f} MiB at {high:,}: ratio {ratio:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--sizes", default="100000,1000000", help="candidate counts, comma-separated"
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--source",
        type=Path,
        action="append",
        default=[],
        help="another tree's code to run too (PYTHONPATH); repeatable",
    )
    parser.add_argument("--skip-self", action="store_true", help="run only the --source trees")
    parser.add_argument("--record", action="store_true", help="measure typorisk record instead")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    sources: list[Path | None] = [*args.source, *([] if args.skip_self else [None])]
    if args.record:
        record_bench(sizes, sources, args.runs)
        return
    peaks: dict[tuple[str, int], float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for size in sizes:
            targets, count = targets_for(size)
            (work / "targets.txt").write_text("\n".join(targets) + "\n")
            zone = root_zone(targets)
            print(f"{count:,} candidates of {len(targets):,} targets (top {TOP})", flush=True)
            with nsd(work / f"nsd{size}", {".": zone}, port=free_port()) as (_, port):
                for source in sources:
                    label = str(source) if source else "this tree"
                    runs = []
                    for i in range(args.runs):
                        run = run_cli(work / "targets.txt", port, work / "scan.jsonl", source)
                        if run.code != 0 or run.rows != count:
                            err = (work / "scan.err").read_text()[-2000:]
                            raise SystemExit(
                                f"{label}: exit {run.code}, {run.rows} rows of {count}\n{err}"
                            )
                        print(
                            f"  {label} run {i + 1}: {run.seconds:6.1f} s  "
                            f"{count / run.seconds:7,.0f} names/s  "
                            f"peak RSS {run.peak_mib:6,.0f} MiB",
                            flush=True,
                        )
                        runs.append(run)
                    peak = statistics.median(r.peak_mib for r in runs)
                    wall = statistics.median(r.seconds for r in runs)
                    peaks[(label, size)] = peak
                    print(
                        f"{label} at {count:,}: median {wall:.1f} s, peak RSS {peak:,.0f} MiB",
                        flush=True,
                    )
    report(sizes, sources, peaks)


if __name__ == "__main__":
    main()
