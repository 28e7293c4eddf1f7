"""How many resolver processes ``processes=0`` means, without importing the process pool
(:mod:`typorisk.resolve.shards` pulls in multiprocessing and pickle: ~15 ms of every
``typorisk resolve`` start-up, for a pool that one process per core but one makes a single
process on two cores)."""

from __future__ import annotations

import os

MAX_AUTO = 4
"""Shards at most when their number is chosen from the cores (``processes=0``)."""


def auto_processes() -> int:
    """Shards for ``processes=0``: one per core this process may use but one, at most
    :data:`MAX_AUTO` (1: no shards).

    One core is left to the resolver (the recommended setup runs Unbound on the same host) and
    to the process that merges and writes: on this 2-core machine, two shards beside a local
    Unbound resolved at 2.2× dnstwist's speed and one process at 5.0× (``bench_resolve.py
    --also '--processes 1'``, same run, loaded machine): the shards starved the resolver, which
    dropped queries, and each drop costs a timeout."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_AUTO, cores - 1))
