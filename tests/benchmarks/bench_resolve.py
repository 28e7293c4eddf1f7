"""Benchmark: ``typorisk resolve`` as users run it (whole process, default settings) against
dnstwist's own CLI and dnsperf, on dnstwist's own candidates, against a recursive Unbound and an
authoritative NSD.

The world: dnstwist's Fuzzer makes the candidates of ``--targets`` targets with a dictionary of
``--tlds`` TLDs (so ``tld-swap`` spreads them over many TLDs); ``--registered`` of them (10%)
are chosen, among names that are their own registrable domain, and get A records (MX for half)
in their suffix's zone. One NSD (``HOST.54:53``) serves the root and every suffix zone; an
Unbound (``HOST.53:53``) stubs each zone to it. Both listen on port 53 because dnstwist's
``--nameservers`` takes no port (run as root; ``--host`` picks a free 127.x.y prefix). Unbound
is restarted before every measurement, so each one starts with a cold cache.

Per server and run, in the same script: ``typorisk resolve -`` (after: this tree; before:
``--before DIR``, a checkout of another tree, e.g. ``git archive main``), dnstwist's CLI once per
target with the same ``--tld`` file (its wall times summed), dnsperf on the same names (``NS``,
the first question each tool asks: the server's limit), and typorisk in-process (secondary).
Printed: names/s (median of ``--runs``), the ratio to dnstwist, the share of dnsperf's q/s,
queries per nonexistent name, and agreement with the zone's truth.

Bytecode: each typorisk tree is byte-compiled (``compileall``) before the runs, as pip compiles
a package it installs, and as Python does itself on a first run unless
``PYTHONDONTWRITEBYTECODE`` is set. These machines set it, and the editable install leaves
typorisk as sources, so without this step every run compiled typorisk's modules again (~0.1-0.3
s a run here), while dnstwist ran from the bytecode pip wrote when it installed it.
``--no-bytecode`` measures that case too.

Needs NSD, Unbound, dnsperf (``apt-get install nsd unbound dnsperf``) and the ``bench`` extra.
Run: ``.venv/bin/python tests/benchmarks/bench_resolve.py [--runs 3] [--before /tmp/main]``
(``--before``: e.g. ``git archive main | tar -x -C /tmp/main``).
"""

from __future__ import annotations

import argparse
import compileall
import functools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGETS = ("paypal.com", "microsoft.com", "barclays.co.uk", "zalando.de")
_TLD_TEXT = (
    "com net org info biz io co me us uk de fr it es nl be ch at se no dk fi pl cz pt ie ca au "
    "nz jp cn in br mx ru eu asia xyz online site shop app dev top club"
)
TLDS = tuple(_TLD_TEXT.split(" "))
PYTHON = sys.executable
TYPORISK = [PYTHON, "-m", "typorisk"]


@dataclass
class World:
    """The names, which of them are registered, and the zones that say so."""

    names: list[str]
    registered: set[str]
    zones: dict[str, str]
    """Origin (with trailing dot) → zone file text; the root included."""
    by_target: dict[str, int] = field(default_factory=dict)


def build_world(targets: list[str], tlds: list[str], share: float, seed: int = 15) -> World:
    """dnstwist's candidates of ``targets`` and a zone per suffix (module docstring)."""
    import dnstwist

    from typorisk.parse.names import is_ldh_name
    from typorisk.parse.psl import load_psl

    psl = load_psl()
    names: dict[str, None] = {}
    by_target = {}
    for target in targets:
        fuzzer = dnstwist.Fuzzer(target, tld_dictionary=list(tlds))
        fuzzer.generate()
        found = [d["domain"] for d in fuzzer.domains if is_ldh_name(d["domain"])]
        by_target[target] = len(fuzzer.domains)
        names.update(dict.fromkeys(found))
    ordered = list(names)
    rng = random.Random(seed)
    own = [n for n in ordered if (split := psl.split(n)) is not None and split[0] == n]
    registered = set(rng.sample(own, int(len(ordered) * share)))
    registered.update(t for t in targets)
    suffixes = {s[1] for n in ordered if (s := psl.split(n)) is not None}
    zones = {".": _zone(".", "", [f"{s.split('.')[-1]} NS ns.nic." for s in suffixes])}
    zones["."] += "nic NS ns.nic.\nns.nic A 127.0.0.1\n"
    body: dict[str, list[str]] = {s: [] for s in suffixes}
    for i, name in enumerate(sorted(registered)):
        split = psl.split(name)
        assert split is not None
        label = name.removesuffix(f".{split[1]}")
        body[split[1]].append(f"{label} A 192.0.2.{i % 250 + 1}")
        if i % 2:
            body[split[1]].append(f"{label} MX 10 mx.{name}.")
    for suffix, lines in body.items():
        zones[f"{suffix}."] = _zone(f"{suffix}.", suffix, lines)
    rng.shuffle(ordered)
    return World(ordered, registered, zones, by_target)


def _zone(origin: str, suffix: str, lines: list[str]) -> str:
    ns = f"ns.nic{'.' + suffix if suffix else ''}."
    head = [f"$ORIGIN {origin}", "$TTL 300", f"@ SOA {ns} admin.{origin} 1 3600 600 86400 60"]
    return "\n".join([*head, "@ NS ns.nic.", *lines]) + "\n"


# -- tools -----------------------------------------------------------------------------------


@dataclass
class Result:
    tool: str
    elapsed: float
    names: int
    verdicts: dict[str, bool | None] = field(default_factory=dict)
    queries: int | None = None
    nx_queries_per_name: float | None = None
    qps: float | None = None

    @property
    def rate(self) -> float:
        return self.names / self.elapsed


def run_typorisk_cli(
    tool: str, root: Path, host: str, names_file: Path, extra: tuple[str, ...] = ()
) -> Result:
    """``typorisk resolve - --nameserver HOST:53`` (defaults otherwise, unless ``extra`` flags
    are given), as a whole process."""
    env = dict(os.environ, PYTHONPATH=str(root))
    with names_file.open("rb") as stdin:
        start = time.perf_counter()
        done = subprocess.run(
            [*TYPORISK, "resolve", "-", "--nameserver", f"{host}:53", "--format", "jsonl", *extra],
            stdin=stdin,
            capture_output=True,
            env=env,
            cwd=root,
            check=False,
        )
        elapsed = time.perf_counter() - start
    if done.returncode not in (0, 4):
        raise RuntimeError(f"{tool} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    verdicts: dict[str, bool | None] = {}
    nx = nx_queries = 0
    for line in done.stdout.splitlines():
        row = json.loads(line)
        reg = row["registration"]
        verdicts[row["domain"]] = None if reg == "unknown" else reg == "registered"
        if reg == "unregistered":
            nx += 1
            nx_queries += int(row.get("queries") or 0)
    found = re.search(r" (\d+) queries", done.stderr.decode())
    return Result(
        tool,
        elapsed,
        len(verdicts),
        verdicts,
        queries=int(found.group(1)) if found else None,
        nx_queries_per_name=nx_queries / nx if nx else None,
    )


def _run_with(root: Path, names_file: Path, extra: tuple[str, ...], host: str) -> Result:
    return run_typorisk_cli("after", root, host, names_file, extra)


def run_dnstwist_cli(host: str, targets: list[str], tld_file: Path) -> Result:
    """dnstwist's CLI per target (``--nameservers HOST --tld FILE --format json``), summed."""
    dnstwist = shutil.which("dnstwist", path=str(Path(PYTHON).parent)) or "dnstwist"
    elapsed = 0.0
    verdicts: dict[str, bool | None] = {}
    for target in targets:
        start = time.perf_counter()
        done = subprocess.run(
            [dnstwist, "--nameservers", host, "--tld", str(tld_file), "--format", "json", target],
            capture_output=True,
            check=True,
        )
        elapsed += time.perf_counter() - start
        for row in json.loads(done.stdout):
            values = [v for k, v in row.items() if k.startswith("dns_")]
            failed = any(v == ["!ServFail"] for v in values)
            verdicts[row["domain"]] = None if failed else len(row) > 2  # dnstwist's own rule
    return Result("dnstwist", elapsed, len(verdicts), verdicts)


def run_dnsperf(host: str, query_file: Path) -> Result:
    """dnsperf over the same names (``NS``), as fast as the server answers."""
    done = subprocess.run(
        ["dnsperf", "-s", host, "-p", "53", "-d", str(query_file), "-n", "1", "-q", "500"],
        capture_output=True,
        text=True,
        check=True,
    )
    qps = float(re.search(r"Queries per second:\s+([\d.]+)", done.stdout).group(1))  # type: ignore[union-attr]
    completed = int(re.search(r"Queries completed:\s+(\d+)", done.stdout).group(1))  # type: ignore[union-attr]
    return Result("dnsperf", completed / qps, completed, qps=qps)


def run_in_process(host: str, names: list[str]) -> Result:
    """typorisk's engine in this process, default client (secondary figure)."""
    from typorisk.resolve import DnsClient, NameServer, Registration, ResolveScan

    async def main() -> Result:
        async with DnsClient([NameServer(host, 53)]) as client:
            scan = ResolveScan(client)
            verdicts: dict[str, bool | None] = {}
            nx = nx_queries = 0
            start = time.perf_counter()
            async for name, r in scan.run(names):
                unknown = r.registration is Registration.UNKNOWN
                verdicts[name] = None if unknown else r.registration is Registration.REGISTERED
                if r.registration is Registration.UNREGISTERED:
                    nx += 1
                    nx_queries += r.queries
            elapsed = time.perf_counter() - start
        return Result(
            "in-process",
            elapsed,
            len(verdicts),
            verdicts,
            queries=scan.stats().queries,
            nx_queries_per_name=nx_queries / nx if nx else None,
        )

    from typorisk.kit.loops import run

    return run(main())


def agreement(verdicts: dict[str, bool | None], world: World) -> tuple[float, int]:
    """(share of the world's names classified like the zone; unknown counts as wrong, names
    without a verdict)."""
    truth = {n: n in world.registered for n in world.names}
    right = sum(1 for n, v in truth.items() if verdicts.get(n) is v)
    unknown = sum(1 for n in truth if verdicts.get(n) is None)
    return right / len(truth), unknown


# -- the run ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--targets", type=int, default=len(TARGETS))
    parser.add_argument("--tlds", type=int, default=len(TLDS))
    parser.add_argument("--registered", type=float, default=0.10)
    parser.add_argument("--host", default="127.0.15", help="127.x.y prefix: .53 Unbound, .54 NSD")
    parser.add_argument("--before", type=Path, help="another typorisk tree to compare (before)")
    parser.add_argument("--servers", default="unbound,nsd")
    parser.add_argument(
        "--no-bytecode", action="store_true",
        help="do not byte-compile the typorisk trees first (see the module docstring)",
    )  # fmt: skip
    parser.add_argument(
        "--also", action="append", default=[], metavar="FLAGS",
        help="also run this tree's CLI with these flags (e.g. '--processes 1'), repeatable",
    )  # fmt: skip
    args = parser.parse_args()

    from tests.resolve.servers import nsd, unbound

    targets, tlds = list(TARGETS[: args.targets]), list(TLDS[: args.tlds])
    if not args.no_bytecode:
        for tree in (ROOT, args.before):
            if tree is not None and not compileall.compile_dir(tree / "typorisk", quiet=1):
                raise SystemExit(f"bench_resolve: could not byte-compile {tree / 'typorisk'}")
    world = build_world(targets, tlds, args.registered)
    tools: list[str] = ["after"] + (["before"] if args.before else [])
    tools += [f"after {flags}" for flags in args.also]
    tools += ["dnstwist", "dnsperf", "in-process"]
    print(
        f"{len(world.names)} names ({len(world.registered)} registered) from dnstwist's Fuzzer: "
        f"{', '.join(f'{t} {n}' for t, n in world.by_target.items())}; {len(world.zones)} zones; "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; typorisk "
        + ("from sources (--no-bytecode)" if args.no_bytecode else "byte-compiled first")
    )
    unbound_host, nsd_host = f"{args.host}.53", f"{args.host}.54"
    results: dict[tuple[str, str], list[Result]] = {}
    with tempfile.TemporaryDirectory() as tmp_text:
        tmp = Path(tmp_text)
        names_file = tmp / "names.txt"
        names_file.write_text("".join(f"{n}\n" for n in world.names))
        query_file = tmp / "queries.txt"
        query_file.write_text("".join(f"{n} NS\n" for n in world.names))
        tld_file = tmp / "tlds.txt"
        tld_file.write_text("".join(f"{t}\n" for t in tlds))
        stubs = [(origin, f"{nsd_host}@53") for origin in world.zones]
        probe = next(o for o in world.zones if o != ".")

        def fresh(server: str, i: int) -> AbstractContextManager[object]:
            if server != "unbound":
                return nullcontext()
            return unbound(tmp / f"unbound{i}", stubs, port=53, host=unbound_host, probe=probe)

        runners: dict[str, Callable[[str], Result]] = {
            "after": lambda h: run_typorisk_cli("after", ROOT, h, names_file),
            "before": lambda h: run_typorisk_cli("before", args.before, h, names_file),
            "dnstwist": lambda h: run_dnstwist_cli(h, targets, tld_file),
            "dnsperf": lambda h: run_dnsperf(h, query_file),
            "in-process": lambda h: run_in_process(h, world.names),
        }
        for flags in args.also:
            extra = tuple(flags.split())
            runners[f"after {flags}"] = functools.partial(_run_with, ROOT, names_file, extra)
        with nsd(tmp / "nsd", world.zones, host=nsd_host, port=53):
            counter = iter(range(10_000))
            for server in args.servers.split(","):
                host = unbound_host if server == "unbound" else nsd_host
                for run in range(args.runs):
                    for tool in tools:
                        with fresh(server, next(counter)):
                            result = runners[tool](host)
                        results.setdefault((server, tool), []).append(result)
                        print(
                            f"  {server:7} run {run + 1} {tool:22} {result.elapsed:7.2f} s "
                            f"{result.rate:9,.0f} names/s" + _extra(result),
                            flush=True,
                        )
    _report(results, world, tools, args.servers.split(","))


def _extra(result: Result) -> str:
    if result.qps is not None:
        return f"  ({result.qps:,.0f} q/s)"
    if result.queries is not None:
        return f"  ({result.queries} queries)"
    return ""


def _report(
    results: dict[tuple[str, str], list[Result]], world: World, tools: list[str], servers: list[str]
) -> None:
    print()
    for server in servers:
        med = {t: statistics.median(r.rate for r in results[(server, t)]) for t in tools}
        qps = statistics.median(r.qps or 0.0 for r in results[(server, "dnsperf")])
        print(f"{server}: dnsperf {qps:,.0f} q/s (the server's limit on these names)")
        for tool in tools:
            if tool == "dnsperf":
                continue
            runs = results[(server, tool)]
            share, unknown = agreement(runs[-1].verdicts, world)
            line = f"  {tool:22} {med[tool]:9,.0f} names/s"
            if tool != "dnstwist":
                queries = statistics.median(r.queries or 0 for r in runs)
                qrate = statistics.median((r.queries or 0) / r.elapsed for r in runs)
                nxq = statistics.median(r.nx_queries_per_name or 0.0 for r in runs)
                line += (
                    f"  {med[tool] / med['dnstwist']:5.1f}x dnstwist  {qrate / qps:6.1%} of "
                    f"dnsperf's q/s  {queries / len(world.names):.3f} queries/name  "
                    f"{nxq:.3f} per nonexistent name"
                )
            line += f"  agreement {share:.2%} ({unknown} unknown)"
            print(line)


if __name__ == "__main__":
    main()
