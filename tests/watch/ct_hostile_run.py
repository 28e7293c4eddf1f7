"""One ``typorisk watch ct`` run against a healthy and a hostile CT log, both on 127.0.0.1, as a
user would run it (the CLI in a subprocess); prints the commands, exit codes, hits and the
hostile log's stored state before and after.

Usage: python -m tests.watch.ct_hostile_run [--entries N] [--planted K] [--route ROUTE] [--old]

First run: both logs read from entry 0, 100 entries each (the states are stored). Then the
hostile log answers ROUTE (``get-sth`` by default) with JSON nested 30,000 deep, and the second
run reads on. ``--old`` leaves out ``--allow-private-network`` (for a build without it).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from typorisk.store import Store
from typorisk.watch.ct import parse_log_list
from typorisk.watch.runs import ct_source

from .ctlog_server import CTLogServer, make_corpus, serve_in_thread

DEEP = b"[" * 30_000 + b"]" * 30_000


def run(argv: list[str]) -> tuple[int, list[str], str]:
    command = [sys.executable, "-m", "typorisk", *argv]
    print("$", shlex.join(["typorisk", *argv]))
    done = subprocess.run(command, capture_output=True, text=True, env=os.environ, check=False)
    return done.returncode, done.stdout.splitlines(), done.stderr


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=3000)
    parser.add_argument("--planted", type=int, default=300)
    parser.add_argument("--route", default="get-sth")
    parser.add_argument("--old", action="store_true")
    args = parser.parse_args()
    planted = tuple(f"paypal-secure{i}.com" for i in range(args.planted))
    corpus = make_corpus(args.entries, planted=planted)
    api = "static" if args.route in ("checkpoint", "data-tile", "hash-tile") else "rfc6962"
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve_in_thread(CTLogServer(corpus, page=256)) as healthy,
        serve_in_thread(CTLogServer(corpus, page=256)) as hostile,
    ):
        doc = healthy.log_list()
        doc["operators"] += hostile.log_list()["operators"]  # type: ignore[operator]
        listed = Path(tmp) / "logs.json"
        listed.write_text(json.dumps(doc))
        db = Path(tmp) / "watch.db"
        urls = [s.rfc_url if api == "rfc6962" else s.static_url for s in (healthy, hostile)]
        argv = ["watch", "ct", "--log-list", str(listed), "--log", urls[0], "--log", urls[1],
                "--rate", "1000", "--db", str(db), "--target", "paypal.com",
                "--format", "jsonl"]  # fmt: skip
        if not args.old:
            argv += ["--allow-private-network", "127.0.0.0/8"]
        logs = [log for log in parse_log_list(doc) if log.url in urls]
        hostile_log = next(log for log in logs if log.url == urls[1])
        code, rows, _ = run([*argv, "--from-start", "--max-entries", "100"])
        print(f"first run: exit {code}, {len(rows)} new look-alike(s)")
        with Store(db) as store:
            before = store.watch_state(ct_source(hostile_log))
        print(f"hostile log's state before: {before}")
        hostile.hostile[args.route] = DEEP
        code, rows, err = run(argv)
        with Store(db) as store:
            after = store.watch_state(ct_source(hostile_log))
            states = {log.url: store.watch_state(ct_source(log)) for log in logs}
        print(f"second run ({args.route} of the hostile log nested 30,000 deep): exit {code}, "
              f"{len(rows)} new look-alike(s) on stdout")  # fmt: skip
        print("stderr:", *(f"  {line[:220]}" for line in err.splitlines()[-6:]), sep="\n")
        print(f"hostile log's state after: {after} (unchanged: {after == before})")
        print(f"healthy log's state after: {states[urls[0]]}")


if __name__ == "__main__":
    main()
