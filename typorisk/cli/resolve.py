"""``typorisk resolve``: registration, mail capability and wildcards of names, one a line.

The DNS work runs on an event loop in a background thread; this (main) thread writes rows as they
arrive, draws the progress line and takes Ctrl-C: the scan is then cancelled, every task ends, and
the rows already written stay written.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TextIO, TypeVar

import dns.resolver
import idna

from typorisk.cli.common import check_readable, read_lines
from typorisk.errors import ResolverConfigError
from typorisk.model import Candidate
from typorisk.resolve import DnsClient, NameServer, Resolution, ResolveScan, ScanStats
from typorisk.resolve.records import resolution_row
from typorisk.writers import ROW_FORMATS, Row, write_rows

NAME = "resolve"
HELP = "resolve names (one a line): registered?, mail capability (MX, null MX), wildcards"

COLUMNS = (
    "domain",
    "registration",
    "mail",
    "mx",
    "ns",
    "a",
    "aaaa",
    "cname",
    "spf",
    "dmarc",
    "wildcard",
    "zone_wildcard",
    "outcome",
    "queries",
    "error",
)
TABLE_COLUMNS = ("domain", "registration", "mail", "mx", "a", "wildcard", "error")

T = TypeVar("T", str, Candidate)


def add_dns_arguments(parser: argparse.ArgumentParser) -> None:
    """DNS flags shared by ``resolve`` and ``scan``; each maps to a DnsClient/ResolveScan option."""
    dns_group = parser.add_argument_group("DNS")
    dns_group.add_argument(
        "--nameserver",
        action="append",
        default=[],
        metavar="HOST[:PORT]",
        help="resolver to ask (repeatable; default: the system's, from /etc/resolv.conf)",
    )
    dns_group.add_argument(
        "--authoritative",
        action="store_true",
        help="ask each suffix's own servers with RD=0 whether a name is delegated",
    )
    dns_group.add_argument(
        "--authoritative-port",
        type=int,
        default=53,
        metavar="PORT",
        help=argparse.SUPPRESS,  # for local test servers only
    )
    dns_group.add_argument(
        "--concurrency", type=int, default=256, metavar="N", help="names in flight (default 256)"
    )
    dns_group.add_argument(
        "--rate",
        type=float,
        default=1000.0,
        metavar="Q",
        help="queries/s per server (default 1000; 0 for no limit)",
    )
    dns_group.add_argument(
        "--timeout", type=float, default=2.0, metavar="S", help="seconds per query (default 2)"
    )
    dns_group.add_argument(
        "--retries", type=int, default=2, metavar="N", help="retries after a timeout or SERVFAIL"
    )
    dns_group.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="S",
        help="total seconds; names not settled by then are reported unknown (budget)",
    )
    dns_group.add_argument(
        "--no-wildcards", action="store_true", help="do not probe zones for wildcards"
    )
    parser.add_argument(
        "--format",
        choices=sorted(ROW_FORMATS),
        default=None,
        help="output format (default: table on a terminal, jsonl otherwise)",
    )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk resolve``."""
    parser.add_argument(
        "file", nargs="?", default="-", metavar="FILE", help="names one a line ('-': stdin)"
    )
    add_dns_arguments(parser)
    add_scale_arguments(parser)


def add_scale_arguments(parser: argparse.ArgumentParser) -> None:
    """``--executor local|dask`` and its options (shared with ``scan``)."""
    scale = parser.add_argument_group("scale out (Dask)")
    scale.add_argument(
        "--executor",
        choices=("local", "dask"),
        default="local",
        help="local: this process; dask: batches on Dask workers",
    )
    scale.add_argument(
        "--scheduler",
        metavar="tcp://HOST:8786",
        help="a running Dask scheduler (default: an embedded LocalCluster)",
    )
    scale.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        metavar="N",
        help="worker processes of the embedded LocalCluster",
    )
    scale.add_argument(
        "--batch-size",
        type=int,
        default=2000,
        metavar="N",
        help="names per batch sent to a worker (default 2000)",
    )


def system_nameservers() -> list[NameServer]:
    """The system's resolvers (``/etc/resolv.conf``), read only here at the CLI entry point."""
    try:
        system = dns.resolver.Resolver()
    except dns.resolver.NoResolverConfiguration as exc:
        raise ResolverConfigError(
            "no system resolver configured: give --nameserver HOST[:PORT]"
        ) from exc
    return [NameServer.parse(str(s), system.port) for s in system.nameservers]


def make_client(args: argparse.Namespace) -> Callable[[], DnsClient]:
    """Validate the DNS flags now (errors before any output); the client is built in the loop."""
    servers = [NameServer.parse(text) for text in args.nameserver] or system_nameservers()
    if args.concurrency < 1:
        raise ResolverConfigError("--concurrency must be at least 1")
    if args.rate < 0:
        raise ResolverConfigError("--rate must be >= 0 (0: no limit)")
    options: dict[str, Any] = {
        "timeout": args.timeout,
        "retries": args.retries,
        "rate": args.rate or None,
    }
    DnsClient(servers, **options)  # raises ResolverConfigError for bad values
    return lambda: DnsClient(servers, **options)


def scan_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments of :class:`ResolveScan` from the flags."""
    return {
        "concurrency": args.concurrency,
        "budget": args.budget,
        "authoritative": args.authoritative,
        "authoritative_port": args.authoritative_port,
        "wildcards": not args.no_wildcards,
    }


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


_END = object()


def stream(
    items: Iterable[T],
    client_factory: Callable[[], DnsClient],
    options: dict[str, Any],
    stats_out: list[ScanStats],
) -> Iterator[tuple[T, Resolution]]:
    """Run the scan on a background event loop; yield its results here as they arrive.

    On exit (exhausted, closed early, or KeyboardInterrupt) the scan is cancelled and joined, and
    its statistics are appended to ``stats_out``.
    """
    results: queue.Queue[object] = queue.Queue()
    ready = threading.Event()
    handles: dict[str, Any] = {}

    async def main() -> None:
        async with client_factory() as client:
            scan = ResolveScan(client, **options)
            handles["scan"] = scan
            async for entry in scan.run(items):
                results.put(entry)

    def thread_main() -> None:
        loop = asyncio.new_event_loop()
        task = loop.create_task(main())
        handles["loop"], handles["task"] = loop, task
        ready.set()
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the main thread, which re-raises it
            results.put(_Failed(exc))
        finally:
            loop.close()
            results.put(_END)

    thread = threading.Thread(target=thread_main, name="typorisk-resolve", daemon=True)
    thread.start()
    ready.wait()
    try:
        while (entry := results.get()) is not _END:
            if isinstance(entry, _Failed):
                raise entry.exc
            yield entry  # type: ignore[misc]
    finally:
        if thread.is_alive():
            handles["loop"].call_soon_threadsafe(handles["task"].cancel)
            thread.join()
        if "scan" in handles:
            stats_out.append(handles["scan"].stats())


class Progress:
    """A one-line progress report on stderr, only when stderr is a terminal."""

    def __init__(self, err: TextIO | None = None, total: int | None = None) -> None:
        self.err = err or sys.stderr
        self.enabled = self.err.isatty()
        self.total = total
        self.count = 0
        self.start = time.monotonic()
        self._last = 0.0

    def tick(self) -> None:
        """Count one settled name; redraw at most four times a second."""
        self.count += 1
        now = time.monotonic()
        if self.enabled and now - self._last >= 0.25:
            self._last = now
            rate = self.count / max(now - self.start, 1e-9)
            of = f"/{self.total}" if self.total else ""
            self.err.write(f"\r{self.count}{of} names, {rate:,.0f} names/s ")
            self.err.flush()

    def close(self) -> None:
        """Erase the progress line."""
        if self.enabled:
            self.err.write("\r\033[K")
            self.err.flush()


def print_stats(stats: ScanStats, err: TextIO | None = None) -> None:
    """The end-of-run statistics, on stderr."""
    err = err or sys.stderr
    rcodes = ", ".join(f"{k} {v}" for k, v in sorted(stats.rcodes.items()))
    regs = ", ".join(f"{k} {v}" for k, v in sorted(stats.registrations.items()))
    err.write(
        f"typorisk: {stats.names} names ({regs}) in {stats.elapsed:.2f} s "
        f"({stats.names_per_second:,.0f} names/s); {stats.queries} queries "
        f"({stats.queries_per_second:,.0f}/s; {rcodes}); {stats.timeouts} timeouts, "
        f"{stats.retries} retries, {stats.tcp} over TCP, {stats.mismatched} stray replies\n"
    )
    for zone in stats.wildcard_zones:
        err.write(f"typorisk: wildcard zone: *.{zone} answers every name below it\n")


def _names(path: str) -> Iterator[str]:
    for line in read_lines(path):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        if not text.isascii():
            # An unconvertible name is kept as typed: the engine reports it as an error row.
            with contextlib.suppress(idna.IDNAError):
                text = idna.encode(text.rstrip("."), uts46=True).decode("ascii")
        yield text


def dask_rows(
    args: argparse.Namespace, items: Iterable[dict[str, object]]
) -> Iterator[dict[str, object]]:
    """Resolve rows (each with ``domain``) in batches on Dask, as ``--executor dask`` asks.
    Each output row is its input row plus the resolution's columns."""
    from typorisk.resolve.dask import BatchSpec, resolve_dask  # noqa: PLC0415  (Dask stays optional)

    servers = [NameServer.parse(text) for text in args.nameserver] or system_nameservers()
    spec = BatchSpec(
        servers=tuple((s.host, s.port) for s in servers),
        timeout=args.timeout,
        retries=args.retries,
        rate=args.rate or None,
        concurrency=args.concurrency,
        wildcards=not args.no_wildcards,
    )
    if args.batch_size < 1 or args.workers < 1:
        raise ResolverConfigError("--batch-size and --workers must be at least 1")
    return resolve_dask(
        items, spec, scheduler=args.scheduler, workers=args.workers, batch_size=args.batch_size
    )


def _run_dask(args: argparse.Namespace, fmt: str, columns: tuple[str, ...]) -> int:
    """``--executor dask``: the same rows, resolved in batches on Dask workers."""
    started = time.monotonic()
    items: Iterator[dict[str, object]] = ({"domain": name} for name in _names(args.file))
    count = write_rows(
        dask_rows(args, items),
        fmt,
        sys.stdout,
        columns,
    )
    elapsed = time.monotonic() - started
    print(
        f"typorisk: {count} names on Dask in {elapsed:.1f} s ({count / max(elapsed, 1e-9):,.0f}"
        " names/s)",
        file=sys.stderr,
    )
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the command; returns 0 (unknown results are data, not failures)."""
    check_readable([args.file])
    if args.executor == "dask":
        fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
        return _run_dask(args, fmt, TABLE_COLUMNS if fmt == "table" else COLUMNS)
    factory = make_client(args)
    fmt = args.format or ("table" if sys.stdout.isatty() else "jsonl")
    columns: tuple[str, ...] = TABLE_COLUMNS if fmt == "table" else COLUMNS
    stats: list[ScanStats] = []
    progress = Progress()

    def rows() -> Iterator[Row]:
        for _, resolution in stream(_names(args.file), factory, scan_options(args), stats):
            progress.tick()
            yield resolution_row(resolution)

    try:
        write_rows(rows(), fmt, sys.stdout, columns)
        sys.stdout.flush()
    finally:
        progress.close()
        if stats:
            print_stats(stats[0])
    return 0
