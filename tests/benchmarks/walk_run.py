"""Walk one ``typorisk run FEED.yaml`` from the flag to the feed file: which typorisk code runs.

A profiler (``sys.setprofile`` and ``threading.setprofile``: the caller's thread and the scan's
event-loop thread) records every call into a function of the package under test, from
``typorisk.cli.main(["run", FEED])`` until the first datagram leaves a socket (the first DNS
query: asyncio's loop, ``TYPORISK_LOOP=asyncio``, so the send is a Python-visible call), then
until the first output is moved into place (``os.replace`` of an atomic write). Reported for
each point: the distinct typorisk functions that ran (hops), the distinct files they live in,
and the calls made (module and class bodies run by imports count as files, not hops); and the path:
the typorisk frames on the threads' stacks at that moment (``--paths`` prints them).

The feed is a copy of ``--feed`` (default ``feeds/corp-mail.yaml``) whose name servers are a
local in-process DNS server (the demo's world, in a child process) and whose outputs go to a
scratch directory; one resolver process (``processes: 1``) so that the whole walk is in this
process. ``--root DIR`` measures another tree of the package (e.g. main's, through
``PYTHONPATH``), for a before/after with the same script.

Run: PYTHONPATH=. .venv/bin/python tests/benchmarks/walk_run.py [--root DIR] [--feed F]
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

HERE = Path(__file__).resolve().parents[2]
SERVER = """
import asyncio, sys
from typorisk.demo.dnsserver import DemoDnsServer
from typorisk.demo.world import build_world
async def main():
    async with DemoDnsServer(build_world(2).zones) as server:
        print(server.port, flush=True)
        await asyncio.Event().wait()
asyncio.run(main())
"""
SENDS = {"sendto", "send", "sendall", "sendmsg"}


class Walk:
    """The typorisk calls seen so far, and snapshots of them at the two points."""

    def __init__(self, package: str) -> None:
        self.package = package
        self.functions: set[tuple[str, str]] = set()
        self.files: set[str] = set()
        self.calls = 0
        self.points: dict[str, dict[str, int]] = {}
        self.paths: dict[str, list[str]] = {}
        self.seen: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "call":
            path = frame.f_code.co_filename
            if path.startswith(self.package):
                with self._lock:
                    self.files.add(path)
                    if frame.f_code.co_flags & inspect.CO_OPTIMIZED:  # module, class body: no hop
                        self.calls += 1
                        self.functions.add((path, frame.f_code.co_qualname))
        elif event == "c_call":
            name = getattr(arg, "__name__", "")
            owner = getattr(arg, "__self__", None)
            if name in SENDS and isinstance(owner, socket.socket):
                if "first send" not in self.points:
                    self._point("first send")
            elif (
                name in ("replace", "rename")
                and getattr(arg, "__module__", "") == "posix"
                and "feed written" not in self.points
            ):
                self._point("feed written")

    def _point(self, name: str) -> None:
        with self._lock:
            path = self.stacks()
            self.points[name] = {
                "hops": len(self.functions),
                "files": len(self.files),
                "calls": self.calls,
                "path_hops": len(path),
                "path_files": len({f for f, _ in path}),
            }
            self.seen[name] = sorted(
                f"{Path(f).relative_to(self.package).as_posix()}:{q}" for f, q in self.functions
            )
            self.paths[name] = [f"{Path(f).relative_to(self.package).as_posix()}:{q}"
                                for f, q in path]  # fmt: skip

    def stacks(self) -> list[tuple[str, str]]:
        """The typorisk frames on every thread's stack now (outermost first, thread by
        thread): the path from the flag to here, as far as stacks hold it (a callback
        scheduled on the loop starts a new stack)."""
        out = []
        for frame in sys._current_frames().values():
            chain = []
            current: FrameType | None = frame
            while current is not None:
                code = current.f_code
                if (
                    code.co_filename.startswith(self.package)
                    and code.co_flags & inspect.CO_OPTIMIZED
                ):
                    chain.append((code.co_filename, code.co_qualname))
                current = current.f_back
            out.extend(reversed(chain))
        return out


def feed_copy(source: Path, where: Path, port: int) -> Path:
    """``source`` with the local name server, one resolver process, outputs under ``where``."""
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    resolve = spec.setdefault("scan", {}).setdefault("resolve", {})
    resolve.update(nameservers=[f"127.0.0.1:{port}"], processes=1, rate=0, timeout=10,
                   max_unknown=1.0)  # fmt: skip
    for i, output in enumerate(spec.get("outputs", [])):
        output["path"] = str(where / f"out{i}-{Path(output['path']).name}")
    path = where / "feed.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=HERE, help="tree holding typorisk/")
    parser.add_argument("--feed", type=Path, default=HERE / "feeds" / "corp-mail.yaml")
    parser.add_argument("--paths", action="store_true", help="print the stacks at each point")
    parser.add_argument("--functions", type=Path, help="write the functions run at each point")
    args = parser.parse_args()
    root = args.root.resolve()
    sys.path.insert(0, str(root))
    os.environ["TYPORISK_LOOP"] = "asyncio"
    env = {**os.environ, "PYTHONPATH": str(root)}
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER], stdout=subprocess.PIPE, env=env, text=True
    )
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        with tempfile.TemporaryDirectory(prefix="typorisk-walk-") as scratch:
            feed = feed_copy(args.feed, Path(scratch), port)
            from typorisk.cli import main as cli

            walk = Walk(str(root / "typorisk"))
            started = time.perf_counter()
            threading.setprofile(walk.profile)
            sys.setprofile(walk.profile)
            try:
                code = cli(["run", str(feed)])
            finally:
                sys.setprofile(None)
                threading.setprofile(None)  # type: ignore[arg-type]
            elapsed = time.perf_counter() - started
            written = sorted(p.name for p in Path(scratch).iterdir() if p.name != "feed.yaml")
    finally:
        server.terminate()
        server.wait()
    walk.points["whole run"] = {
        "hops": len(walk.functions),
        "files": len(walk.files),
        "calls": walk.calls,
    }
    print(json.dumps({"root": str(root), "exit": code, "seconds": round(elapsed, 2),
                      "outputs": len(written), **walk.points}, indent=1))  # fmt: skip
    if args.paths:
        print(json.dumps(walk.paths, indent=1))
    if args.functions:
        args.functions.write_text(json.dumps(walk.seen, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
