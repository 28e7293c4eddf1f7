"""Benchmark: the lean answer reader (:mod:`typorisk.resolve.lean`) against dnspython's
``dns.message.from_wire`` on the replies the engine reads for a registered name (NS, A, AAAA,
MX, TXT answers, with compression and an EDNS OPT record), in the same run.

Run: ``.venv/bin/python tests/benchmarks/bench_lean.py [--rounds 7]``. Prints µs per reply for
both (median of the rounds) and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import dns.message
import dns.rrset

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from typorisk.resolve.lean import read_answers
from typorisk.resolve.wire import question_end

ANSWERS = {
    "NS": ["ns1.hosting.example.", "ns2.hosting.example."],
    "A": ["192.0.2.1", "192.0.2.2"],
    "AAAA": ["2001:db8::1"],
    "MX": ["10 mx1.paypa1.com.", "20 mx2.paypa1.com."],
    "TXT": ['"v=spf1 include:_spf.example -all"'],
}


def replies(count: int) -> list[bytes]:
    """``count`` replies for distinct names, cycling through the record types."""
    out = []
    kinds = list(ANSWERS)
    for i in range(count):
        name = f"paypa{i}.com."
        kind = kinds[i % len(kinds)]
        query = dns.message.make_query(name, kind, use_edns=0, payload=1232, id=i % 65536)
        response = dns.message.make_response(query)
        response.answer.append(dns.rrset.from_text_list(name, 300, "IN", kind, ANSWERS[kind]))
        out.append(response.to_wire())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--replies", type=int, default=2000)
    args = parser.parse_args()
    data = replies(args.replies)
    ends = [question_end(d) for d in data]
    lean_us, dns_us = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for d, end in zip(data, ends, strict=True):
            assert read_answers(d, end) is not None
        lean_us.append((time.perf_counter() - start) / len(data) * 1e6)
        start = time.perf_counter()
        for d in data:
            dns.message.from_wire(d)
        dns_us.append((time.perf_counter() - start) / len(data) * 1e6)
    lean, ref = statistics.median(lean_us), statistics.median(dns_us)
    print(f"{len(data)} replies, median of {args.rounds} rounds:")
    print(f"  lean reader   {lean:7.2f} us/reply")
    print(f"  dnspython     {ref:7.2f} us/reply   ({ref / lean:.1f}x the lean reader)")


if __name__ == "__main__":
    main()
