"""Benchmark ``typorisk match`` over a generated multi-million-line Postfix maillog.

    .venv/bin/python tests/benchmarks/bench_match.py [--lines 3000000] [--targets 20]

Generates a Postfix-style log into a temporary directory (7 lines per message: connect, client,
message-id, from, to+status, removed, disconnect; 0.5% of recipients at typo domains), then runs
the real CLI in a child process on the plain and the gzip file, and prints lines per wall and per
CPU second (the child's own, less sensitive to a shared machine) and the child's peak RSS. The
peer is what an administrator would run without typorisk: GNU ``grep -F -f`` with the generated
candidate list (exact names only: it finds no distance-only typos, and gives no
status, queue IDs or counts). Not a timed assertion.
"""

from __future__ import annotations

import argparse
import gzip
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from typorisk import permute

TARGETS = [
    "pentagon.mil", "army.mil", "navy.mil", "corp.com", "us.corp.com", "example.co.uk",
    "paypal.com", "gmail.com", "outlook.com", "bund.de", "interieur.gouv.fr", "nhs.net",
    "mod.gov.uk",
    "europa.eu", "bank.nl", "seznam.cz", "rakuten.co.jp", "canada.ca", "ato.gov.au", "admin.ch",
]  # fmt: skip
COMMON = ["yahoo.com", "hotmail.com", "web.de", "orange.fr", "icloud.com", "aol.com"]


def generate(path: Path, lines: int, targets: list[str], seed: int = 7) -> int:
    """Write about ``lines`` Postfix lines; returns the number of typo recipients written."""
    rnd = random.Random(seed)
    typos = [c.domain for c in permute(targets, top=50)] + ["pemtagkn.mil", "armmy.mll"]
    domains = COMMON + [f"partner{i}.net" for i in range(3000)] + targets
    typo_count = 0
    with path.open("w") as out:
        for n in range(lines // 7):
            qid = f"{n:010X}"
            pid = 1000 + n % 50000
            day = 1 + n * 28 // (lines // 7 + 1)
            ts = f"Jan {day:2d} {n % 24:02d}:{n % 60:02d}:{n * 7 % 60:02d}"
            if rnd.random() < 0.005:
                rcpt, typo_count = rnd.choice(typos), typo_count + 1
            else:
                rcpt = rnd.choice(domains)
            status = rnd.choice(("sent", "sent", "sent", "deferred", "bounced"))
            ip = f"10.{n % 250}.{n % 200}.{n % 100}"
            out.write(
                f"{ts} mx postfix/smtpd[{pid}]: connect from host{n % 999}.example.net[{ip}]\n"
                f"{ts} mx postfix/smtpd[{pid}]: {qid}: client=host{n % 999}.example.net[{ip}]\n"
                f"{ts} mx postfix/cleanup[{pid + 1}]: {qid}: message-id=<{n}.{pid}@mail.corp.com>\n"
                f"{ts} mx postfix/qmgr[99]: {qid}: from=<user{n % 5000}@corp.com>, "
                f"size={n % 90000}, nrcpt=1 (queue active)\n"
                f"{ts} mx postfix/smtp[{pid + 2}]: {qid}: to=<u{n % 777}@{rcpt}>, relay=mx.{rcpt}"
                f"[192.0.2.{n % 250}]:25, delay=0.{n % 9}, delays=0/0/0/0, dsn=2.0.0, "
                f"status={status} (250 2.0.0 Ok: queued as {n:X})\n"
                f"{ts} mx postfix/qmgr[99]: {qid}: removed\n"
                f"{ts} mx postfix/smtpd[{pid}]: disconnect from host{n % 999}.example.net[{ip}] "
                "ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5\n"
            )
    return typo_count


def run_child(argv: list[str]) -> tuple[float, float, str, float]:
    """(seconds, peak RSS of the child in MiB, stderr, CPU seconds) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1, 3):
        sys.exit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return seconds, max(after.ru_maxrss, before.ru_maxrss) / 1024, proc.stderr, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=3_000_000)
    parser.add_argument("--targets", type=int, default=len(TARGETS))
    args = parser.parse_args()
    targets = TARGETS[: args.targets]
    typorisk = str(Path(sys.executable).with_name("typorisk"))
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "maillog"
        started = time.perf_counter()
        typos = generate(log, args.lines, targets)
        lines = sum(1 for _ in log.open("rb"))
        with log.open("rb") as src, gzip.open(Path(tmp) / "maillog.1.gz", "wb", 6) as dst:
            shutil.copyfileobj(src, dst)
        size = log.stat().st_size / 2**20
        print(f"generated {lines:,} lines ({size:.0f} MiB), {typos:,} typo recipients, "
              f"{len(targets)} targets, in {time.perf_counter() - started:.1f} s")  # fmt: skip
        flags = [f"--target={t}" for t in targets] + ["--format=jsonl"]
        for name in ("maillog", "maillog.1.gz"):
            seconds, peak, err, cpu = run_child([typorisk, "match", *flags, str(Path(tmp) / name)])
            summary = err.strip().splitlines()[-1]
            rate = lines / seconds
            print(f"typorisk match {name}: {seconds:.2f} s wall (incl. startup and candidates) "
                  f"= {rate:,.0f} lines/s, {lines / cpu:,.0f} lines per CPU s; "
                  f"peak RSS {peak:.1f} MiB")  # fmt: skip
            print(f"  {summary}")
        grep = shutil.which("grep")
        if grep:
            patterns = Path(tmp) / "candidates.txt"
            names = {c.domain for c in permute(targets, top=500)}
            patterns.write_text("".join(f"@{d}>\n" for d in sorted(names)))
            seconds, _, _, _ = run_child([grep, "-c", "-F", "-f", str(patterns), str(log)])
            print(f"peer: grep -F -f ({len(names):,} exact names) {seconds:.2f} s = "
                  f"{lines / seconds:,.0f} lines/s")  # fmt: skip


if __name__ == "__main__":
    main()
