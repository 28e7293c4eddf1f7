"""``typorisk watch``: look-alikes of protected domains among newly registered names.

    typorisk watch nrd LIST_OR_FOLDER... --target paypal.com [--db typorisk.db]
    typorisk watch zone OLD.zone.gz NEW.zone.gz --file brands.txt
    typorisk watch ct [--log-list FILE] [--log URL] [--max-entries N] --feed feeds/brand.yaml
    typorisk watch hits [--since 2026-11-24]

Each source resumes from the state kept in the store (``--db``). New look-alikes are written
to standard output (one row each, ``--format``) and summed up in one alert line on stderr.

Exit codes: 4 the run was incomplete: a source failed (a CT log down, refused or hostile; an
NRD file not read to its end: a broken zip, a damaged gzip; a damaged zone file), its state
kept, the new look-alikes of the other sources still written and alerted; 3 new look-alikes
found (so cron alerts); 1 nothing new but some input was rejected (malformed lines); 0 nothing
new; 2 usage or configuration error.

``watch ct`` connects only to public addresses unless ``--allow-private-network CIDR`` (or the
``--feed``'s ``scan.allow_private_network``) opens a network (:mod:`typorisk.kit.outbound`); a
log refused by that policy is that log's error.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections import Counter
from pathlib import Path

from typorisk.cli import EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, EXIT_REJECTED
from typorisk.cli.common import add_hit_format_argument, add_network_argument, address_policy
from typorisk.cli.history import DEFAULT_DB
from typorisk.cli.match import add_target_arguments, matcher_for, settings_from
from typorisk.errors import TyporiskError
from typorisk.match import RULES, Matcher
from typorisk.store import Store, WatchHit
from typorisk.watch.runs import WatchReport
from typorisk.writers import write_rows

NAME = "watch"
HELP = "watch NRD lists, zone diffs and CT logs for look-alikes of protected domains"
COLUMNS = (
    "domain",
    "target",
    "rule",
    "score",
    "other_suffix",
    "name",
    "detail",
    "source",
    "first_seen",
)
TABLE_COLUMNS = ("domain", "target", "rule", "score", "first_seen")


def _add_common(parser: argparse.ArgumentParser) -> None:
    add_target_arguments(parser)
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help="store keeping each source's state and the hits",
    )
    add_hit_format_argument(parser)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Subcommands of ``typorisk watch``."""
    sub = parser.add_subparsers(
        dest="source",
        metavar="SOURCE",
        required=True,
        help="what to watch: nrd (lists), zone (two zone files), ct (logs); hits (the store)",
    )
    nrd = sub.add_parser("nrd", help="newly registered domain lists (files or folders)")
    nrd.add_argument(
        "lists",
        nargs="+",
        metavar="PATH",
        help="list (one domain a line; plain, gzip or zip) or folder of lists",
    )
    nrd.add_argument(
        "--reread",
        action="store_true",
        help="read files again even when unchanged since the last run",
    )
    _add_common(nrd)
    zone = sub.add_parser("zone", help="names added between two days of a zone (CZDS files)")
    zone.add_argument("old", metavar="OLD", help="the older zone file (plain or gzip)")
    zone.add_argument("new", metavar="NEW", help="the newer zone file of the same zone")
    _add_common(zone)
    ct = sub.add_parser("ct", help="Certificate Transparency logs (RFC 6962 and static-ct-api)")
    ct.add_argument(
        "--log-list",
        metavar="FILE",
        help="log list (Chrome log_list.json v3; default: the shipped snapshot)",
    )
    ct.add_argument(
        "--log",
        action="append",
        default=[],
        metavar="URL",
        help="read only the logs at these URLs (repeatable; default: usable logs)",
    )
    ct.add_argument(
        "--max-entries",
        type=int,
        default=10_000,
        metavar="N",
        help="entries per log per run",
    )
    ct.add_argument(
        "--rate", type=float, default=2.0, metavar="R", help="requests per second per log"
    )
    ct.add_argument("--timeout", type=float, default=30.0, metavar="S", help="seconds per request")
    ct.add_argument(
        "--from-start",
        action="store_true",
        help="read a log never read before from entry 0 (default: from its head)",
    )
    add_network_argument(ct, "the CT connections")
    _add_common(ct)
    hits = sub.add_parser("hits", help="look-alikes in the store, first seen since a date")
    hits.add_argument("--db", default=DEFAULT_DB, metavar="PATH", help="the store")
    hits.add_argument("--since", metavar="DATE", help="ISO date or time (default: 7 days ago)")
    hits.add_argument(
        "--min-score",
        type=float,
        default=0.0,
        metavar="X",
        help="drop hits scoring below X, in [0, 1]",
    )
    add_hit_format_argument(hits)


def matcher_of(args: argparse.Namespace) -> Matcher:
    """The matcher of the flags (targets, allowlist, rules, thresholds): the one ``typorisk
    match`` builds from the same flags. Generated candidates are kept beside the store: a
    daily run skips their ~18 s."""
    settings = settings_from(args)
    matcher, args.rejected_targets = matcher_for(args, settings, Path(args.db).resolve().parent)
    return matcher


def _rows(hits: list[WatchHit]) -> list[dict[str, object]]:
    return [
        {
            "domain": h.domain,
            "target": h.target,
            "rule": h.rule,
            "score": h.score,
            "other_suffix": h.other_suffix,
            "name": h.name,
            "detail": h.detail,
            "source": h.source,
            "first_seen": h.first_seen,
        }
        for h in hits
    ]


def _write(hits: list[WatchHit], fmt: str | None) -> None:
    chosen = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    columns = TABLE_COLUMNS if chosen == "table" else COLUMNS
    write_rows(_rows(hits), chosen, sys.stdout, columns)
    sys.stdout.flush()


def _summary(report: WatchReport) -> str:
    r = report.reading
    rate = r.names / report.seconds if report.seconds > 0 else 0.0
    parts = [f"typorisk: watch {report.source.partition(':')[0]}: {r.files} file(s)"]
    if report.skipped_files:
        parts.append(f"{report.skipped_files} unchanged, not read again")
    if "entries" in report.extra:
        parts.append(
            f"{report.extra['entries']:,} CT entries "
            f"({report.extra.get('unparsable', 0):,} unparsable)"
        )
    if "added" in report.extra:
        parts.append(f"{report.extra['added']:,} names added to the zone")
    parts.append(f"{r.names:,} names ({rate:,.0f}/s)")
    parts.append(f"{len(report.new)} new look-alike(s) ({report.hits} hit(s))")
    if r.malformed:
        parts.append(f"{r.malformed:,} malformed line(s) skipped")
    if r.overlong:
        parts.append(f"{r.overlong:,} over-long line(s) skipped")
    if r.errors:
        parts.append(f"{len(r.errors)} file(s) not read to the end")
    if report.incomplete or r.errors:
        parts.append(f"INCOMPLETE: {len(report.incomplete) + len(r.errors)} source(s) failed")
    return ", ".join(parts)


def _per_rule(hits: list[WatchHit]) -> str:
    """``combo 7, candidate 3``: new hits per rule, most first (then in rule order)."""
    counts = Counter(h.rule for h in hits)
    order = sorted(counts, key=lambda rule: (-counts[rule], RULES.index(rule)))
    return ", ".join(f"{rule} {counts[rule]}" for rule in order)


def _finish(report: WatchReport, args: argparse.Namespace) -> int:
    _write(report.new, args.format)
    for line in [*report.reading.errors, *report.incomplete]:
        print(f"typorisk: {line}", file=sys.stderr)
    if report.reading.quoted:
        print(f"typorisk: e.g. {'; '.join(report.reading.quoted)}", file=sys.stderr)
    print(_summary(report), file=sys.stderr)
    if report.new:
        best = sorted(report.new, key=lambda h: -h.score)[:5]
        shown = ", ".join(f"{h.domain} ({h.rule} of {h.target}, {h.score:.2f})" for h in best)
        more = f" and {len(report.new) - len(best)} more" if len(report.new) > len(best) else ""
        print(
            f"typorisk: ALERT: {len(report.new)} new look-alike(s) ({_per_rule(report.new)}): "
            f"{shown}{more}",
            file=sys.stderr,
        )
    if report.incomplete or report.reading.errors:  # a source (log, file, zone) failed
        return EXIT_INCOMPLETE
    if report.new:
        return EXIT_FINDINGS
    rejected = report.reading.malformed or args.rejected_targets
    return EXIT_REJECTED if rejected else EXIT_OK


def _ct(args: argparse.Namespace, matcher: Matcher, store: Store) -> WatchReport:
    from typorisk.watch.ct import load_log_list  # noqa: PLC0415
    from typorisk.watch.ct_http import ct_session  # noqa: PLC0415
    from typorisk.watch.runs import CTOptions, watch_ct  # noqa: PLC0415

    if args.max_entries < 1 or args.rate <= 0 or args.timeout <= 0:
        raise TyporiskError("--max-entries, --rate and --timeout must be positive")
    logs = load_log_list(Path(args.log_list) if args.log_list else None)
    if args.log:
        wanted = {u.rstrip("/") + "/" for u in args.log}
        logs = [log for log in logs if log.url in wanted]
        if missing := wanted - {log.url for log in logs}:
            raise TyporiskError(f"no log at {', '.join(sorted(missing))} in the log list")
    else:
        logs = [log for log in logs if log.usable]
    networks = list(args.allow_private_network)
    if args.feed:  # the feed's scan.allow_private_network opens the same networks
        from typorisk.feeds.spec import load_feed  # noqa: PLC0415  (only --feed pays for it)

        networks += load_feed(Path(args.feed)).options.allow_private_network
    policy = address_policy(networks)
    if policy.allowed:
        print(f"typorisk: CT connections may reach {policy.opened}", file=sys.stderr)
    options = CTOptions(args.max_entries, args.rate, args.timeout, from_start=args.from_start)

    async def run() -> WatchReport:
        async with ct_session(policy) as session:
            return await watch_ct(logs, matcher, store, session, options)

    return asyncio.run(run())


def run(args: argparse.Namespace) -> int:
    """Run one watch source (see the module docstring for the exit codes)."""
    if args.source == "hits":
        return _hits(args)
    from typorisk.watch.runs import watch_lists, watch_zone  # noqa: PLC0415

    matcher = matcher_of(args)
    with Store(args.db) as store:
        if args.source == "nrd":
            report = watch_lists([Path(p) for p in args.lists], matcher, store, reread=args.reread)
        elif args.source == "zone":
            report = watch_zone(Path(args.old), Path(args.new), matcher, store)
        else:
            report = _ct(args, matcher, store)
    return _finish(report, args)


def _hits(args: argparse.Namespace) -> int:
    since = args.since
    if since is None:
        since = (dt.datetime.now(dt.UTC) - dt.timedelta(days=7)).replace(microsecond=0)
        since = since.isoformat()
    if not Path(args.db).exists():
        raise TyporiskError(f"no store at {args.db}; run 'typorisk watch nrd ...' first")
    with Store(args.db) as store:
        found = store.watch_hits(since, min_score=args.min_score)
    _write(found, args.format)
    print(f"typorisk: {len(found)} look-alike(s) first seen since {since}", file=sys.stderr)
    return EXIT_OK
