"""``typorisk record``, ``typorisk history`` and ``typorisk diff``: the run history in SQLite.

Three small command modules share this file's helpers; each is registered on its own.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from typorisk.cli import EXIT_INCOMPLETE
from typorisk.cli.common import check_readable, read_json_lines
from typorisk.errors import TyporiskError
from typorisk.store import Change, Diff, Store, diff, row_problem
from typorisk.writers import ROW_FORMATS, Row, write_rows

DEFAULT_DB = "typorisk.db"


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """``--db PATH`` (default ./typorisk.db)."""
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        metavar="PATH",
        help=f"SQLite history file (default: {DEFAULT_DB})",
    )
    parser.add_argument(
        "--format",
        choices=sorted(ROW_FORMATS),
        default=None,
        help="output format (default: table on a terminal, jsonl otherwise)",
    )


def output_format(args: argparse.Namespace) -> str:
    """The chosen format, or table on a terminal and jsonl otherwise."""
    return str(args.format or ("table" if sys.stdout.isatty() else "jsonl"))


def open_existing(path: str) -> Store:
    """Open a store that must already exist (reading commands never create one)."""
    if not Path(path).exists():
        raise TyporiskError(f"no store at {path}; record a run first (typorisk record --db {path})")
    return Store(path)


def change_rows(result: Diff) -> Iterator[Row]:
    """Flat rows of a diff, grouped as in :class:`~typorisk.store.Diff`."""
    groups: list[tuple[str, tuple[Change, ...]]] = [
        ("new-registration", result.new_registrations),
        ("new-mail", result.new_mail),
        ("smtp", result.smtp_changes),
        ("owner", result.owner_changes),
        ("risk-up", result.risk_up),
        ("gone", result.gone),
    ]
    for kind, changes in groups:
        for c in changes:
            yield {
                "change": kind,
                "target": c.target,
                "domain": c.domain,
                "field": c.field,
                "old": c.old,
                "new": c.new,
                "risk": c.risk,
            }


DIFF_COLUMNS = ("change", "target", "domain", "field", "old", "new", "risk")


class Record:
    """``typorisk record``: store scan rows (JSON lines) as one run, streamed (rows are read,
    checked and committed a batch at a time; only ``--resume`` holds the keys already done)."""

    NAME = "record"
    HELP = "record scan results (JSON lines) as a run in the SQLite history"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "inputs",
            nargs="*",
            default=["-"],
            metavar="FILE",
            help="scan rows, JSON lines (typorisk scan --format jsonl); '-' or none: stdin",
        )
        parser.add_argument(
            "--db",
            default=DEFAULT_DB,
            metavar="PATH",
            help=f"SQLite history file (default: {DEFAULT_DB})",
        )
        parser.add_argument(
            "--feed", default="default", help="feed name the run belongs to (default: default)"
        )
        parser.add_argument(
            "--incomplete",
            metavar="REASON",
            help="the scan did not complete (it exited 4): record its rows, mark the run "
            "incomplete with REASON (the next review says so), exit 4",
        )
        parser.add_argument(
            "--resume",
            action="store_true",
            help="continue the feed's unfinished run instead of starting one",
        )

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        check_readable(args.inputs)
        with Store(args.db) as store:
            unfinished = store.resumable(args.feed) if args.resume else None
            if args.resume and unfinished is None:
                raise TyporiskError(f"no unfinished run of feed {args.feed!r} to resume")
            run_id = unfinished.id if unfinished else store.begin_run(args.feed, {"via": "record"})
            skip = store.done(run_id) if unfinished else set()  # a fresh run has nothing done
            rows = (
                r
                for r in read_json_lines(
                    args.inputs, required=("target", "domain"), check=row_problem
                )
                if (r["target"], r["domain"]) not in skip
            )
            try:
                added = store.add(run_id, rows)
            except (KeyboardInterrupt, TyporiskError):  # a bad row, a full disk: keep the rest
                with contextlib.suppress(TyporiskError):  # the disk may still be full
                    store.finish_run(run_id, {"rows": store.count(run_id)}, complete=False)
                raise
            total = store.count(run_id)
            stats: dict[str, object] = {"rows": total}
            if args.incomplete:
                stats["incomplete"] = args.incomplete
            store.finish_run(run_id, stats, complete=not args.incomplete)
        verdict = f"incomplete ({args.incomplete})" if args.incomplete else "complete"
        print(
            f"typorisk: run {run_id} of feed {args.feed!r} recorded {verdict}: {added} rows "
            f"added, {total} in all",
            file=sys.stderr,
        )
        return EXIT_INCOMPLETE if args.incomplete else 0


class History:
    """``typorisk history DOMAIN``."""

    NAME = "history"
    HELP = "show every recorded observation of a domain, oldest first"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("domain", help="candidate domain (A-label)")
        add_db_argument(parser)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        domain = args.domain.strip().lower().rstrip(".")
        with open_existing(args.db) as store:
            rows = [
                {"run": run.id, "started": run.started, "status": run.status, **row}
                for run, row in store.history(domain)
            ]
        if not rows:
            print(f"typorisk: {domain} was never observed in {args.db}", file=sys.stderr)
            return 1
        columns = (
            "run",
            "started",
            "target",
            "registration",
            "mail",
            "mx",
            "registrar",
            "smtp",
            "risk",
        )
        write_rows(rows, output_format(args), sys.stdout, columns)
        return 0


class DiffCommand:
    """``typorisk diff [RUN_A] [RUN_B]``."""

    NAME = "diff"
    HELP = "what changed between two runs (default: the last two complete runs)"

    @staticmethod
    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument(
            "runs",
            nargs="*",
            type=int,
            metavar="RUN",
            help="two run ids to compare, older first (none: the last two complete runs)",
        )
        parser.add_argument("--feed", help="only runs of this feed")
        parser.add_argument("--list", action="store_true", help="list the runs and exit")
        add_db_argument(parser)

    @staticmethod
    def run(args: argparse.Namespace) -> int:
        with open_existing(args.db) as store:
            if args.list:
                rows = [
                    {
                        "run": r.id,
                        "feed": r.feed,
                        "started": r.started,
                        "finished": r.finished,
                        "status": r.status,
                    }
                    for r in store.runs(args.feed)
                ]
                write_rows(
                    rows,
                    output_format(args),
                    sys.stdout,
                    ("run", "feed", "started", "finished", "status"),
                )
                return 0
            old_id, new_id = _pick(store, args.runs, args.feed)
            result = diff(store.observations(old_id), store.observations(new_id))
        print(f"typorisk: changes from run {old_id} to run {new_id}", file=sys.stderr)
        write_rows(change_rows(result), output_format(args), sys.stdout, DIFF_COLUMNS)
        return 0


def _pick(store: Store, runs: list[int], feed: str | None) -> tuple[int, int]:
    if len(runs) > 2:
        raise TyporiskError("give at most two runs: typorisk diff [OLD] [NEW]")
    if len(runs) == 2:
        return store.run(runs[0]).id, store.run(runs[1]).id
    newest = store.run(runs[0]) if runs else store.latest(feed)
    if newest is None:
        raise TyporiskError("no complete run recorded yet; run a scan and record it first")
    older = store.latest(newest.feed, before=newest.id)
    if older is None:
        raise TyporiskError(f"run {newest.id} is the first complete run of {newest.feed!r}")
    return older.id, newest.id
