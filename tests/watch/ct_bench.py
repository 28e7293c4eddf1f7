"""Benchmark: certificates read per second through each CT read API, against the floor of the
same work done without a log (cryptography parsing the same certificates and reading their
SAN and CN in a loop), in the same process on the same corpus.

Run: ``.venv/bin/python -m tests.watch.ct_bench [ENTRIES]`` (default 4,096: 16 full tiles).
Prints the median of 3 runs of each and the ratio to the floor. The log server runs in the same
process and event loop, so the API figures include serving (JSON and base64 for RFC 6962, gzip
for tiles): they are a lower bound for the reader alone. Not a test: no timing is asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import sys
import time

import aiohttp
from cryptography import x509
from cryptography.x509.oid import NameOID

from typorisk.watch.ct import CTState, parse_log_list, poll_log
from typorisk.watch.ct_tls import parse_merkle_tree_leaf
from typorisk.watch.x509names import certificate_from_tbs

from .ctlog_server import PLANTED, CTLogServer, make_corpus

RUNS = 3


def floor_rate(ders: list[bytes]) -> float:
    """Certificates/s of cryptography alone: load, SAN dNSNames, subject CN."""
    start = time.perf_counter()
    for der in ders:
        cert = x509.load_der_x509_certificate(der)
        with contextlib.suppress(x509.ExtensionNotFound):
            cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return len(ders) / (time.perf_counter() - start)


async def api_rate(server: CTLogServer, api: str) -> tuple[float, int, int]:
    log = next(log for log in parse_log_list(server.log_list()) if log.api == api)
    async with aiohttp.ClientSession() as session:
        start = time.perf_counter()
        read, planted = 0, set()
        async for batch in poll_log(session, log, CTState(0, 0), rate=1e9, max_entries=1 << 30):
            read += len(batch.entries)
            planted |= {n for e in batch.entries for n in e.names} & set(PLANTED)
        return read / (time.perf_counter() - start), read, len(planted)


async def main(entries: int) -> None:
    corpus = make_corpus(entries)
    ders = []
    for entry in corpus.entries:
        leaf = parse_merkle_tree_leaf(entry.leaf_input, 1 << 20)
        ders.append(certificate_from_tbs(leaf.der) if leaf.precert else leaf.der)
    server = CTLogServer(corpus, page=256)
    await server.start()
    try:
        rates: dict[str, list[float]] = {"rfc6962": [], "static": [], "floor": []}
        found: dict[str, tuple[int, int]] = {}
        for _ in range(RUNS):
            for api in ("rfc6962", "static"):
                rate, read, planted = await api_rate(server, api)
                rates[api].append(rate)
                found[api] = (read, planted)
            rates["floor"].append(floor_rate(ders))
    finally:
        await server.stop()
    floor = statistics.median(rates["floor"])
    print(f"{entries:,} entries ({len(corpus.precerts):,} precerts), median of {RUNS} runs")
    print(f"{'path':<34} {'certs/s':>9} {'vs floor':>8}  read, planted found")
    for api in ("rfc6962", "static"):
        med = statistics.median(rates[api])
        read, planted = found[api]
        label = f"{api} via HTTP (local server)"
        print(f"{label:<34} {med:>9,.0f} {med / floor:>8.2f}  {read:,}, {planted}/{len(PLANTED)}")
    print(f"{'floor: cryptography parse only':<34} {floor:>9,.0f} {1:>8.2f}")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 4096))
