"""``typorisk policyd``: the Postfix policy service (runs until SIGTERM/SIGINT; SIGHUP reloads).

SIGTERM/SIGINT stop it cleanly within about ``shutdown_grace`` (1 s): no new connection is
accepted, idle ones are closed, requests in progress are answered, then it exits.

Exit codes: 0 stopped by a signal; 2 usage or configuration error (bad flags, no valid target,
the address cannot be bound).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from typorisk.cli.common import listen_address
from typorisk.cli.match import add_target_arguments, matcher_for, settings_from
from typorisk.errors import TyporiskError
from typorisk.match import TYPO_RULES, Matcher
from typorisk.parse.established import load_top_sites
from typorisk.policyd import LEVELS, Limits, Policy, PolicyServer, PolicyState, parse_actions
from typorisk.policyd.protocol import DEFAULT_TEXT

NAME = "policyd"
HELP = "Postfix policy service: REJECT/HOLD/WARN mail to typo domains of protected domains"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk policyd``."""
    parser.add_argument(
        "--listen", default="127.0.0.1:10040", metavar="HOST:PORT", help="address to listen on"
    )
    add_target_arguments(parser, TYPO_RULES)
    parser.add_argument(
        "--action",
        action="append",
        default=[],
        metavar="LEVEL=ACTION",
        help=f"answer per risk level ({', '.join(LEVELS)}): REJECT, HOLD, WARN or DUNNO "
        "(default high=REJECT medium=HOLD low=WARN)",
    )
    parser.add_argument("--text", default=DEFAULT_TEXT, help="reply text; {domain} {target}")
    parser.add_argument(
        "--block-anyway",
        action="append",
        default=[],
        metavar="DOMAIN",
        help="an established domain (on the top-sites list) to answer by its risk level all "
        "the same; by default established look-alikes (mail.com for mail.mil) get WARN "
        "(repeatable)",
    )
    parser.add_argument(
        "--high-likelihood",
        type=float,
        default=1e-4,
        metavar="X",
        help="candidates at least this likely per typing are high risk",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=256,
        metavar="N",
        help="connections served at once; when all are taken, the one idle longest is closed "
        "to admit a new one",
    )
    parser.add_argument(
        "--max-request-bytes",
        type=int,
        default=16_384,
        metavar="B",
        help="largest request, in bytes; a bigger one is answered DUNNO and logged",
    )
    parser.add_argument(
        "--idle-timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds a connection may wait for its next request; Postfix reconnects",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="INFO logs start, stop, reloads and refused requests; DEBUG also each DUNNO",
    )


async def serve(state: PolicyState, limits: Limits, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT; SIGHUP reloads the targets (in the background)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    reloads: set[asyncio.Task[bool]] = set()

    def on_hup() -> None:
        task = loop.create_task(state.reload())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    server = PolicyServer(state, limits)
    try:
        await server.start(host, port)
    except OSError as exc:
        raise TyporiskError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    loop.add_signal_handler(signal.SIGHUP, on_hup)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    logging.getLogger("typorisk.policyd").info(
        "listening on %s:%d: %d targets, %d candidates",
        host, port, len(state.matcher.targets), state.matcher.candidate_count,
    )  # fmt: skip
    await stop.wait()
    await server.shutdown()
    for task in reloads:
        task.cancel()
    await asyncio.gather(*reloads, return_exceptions=True)
    logging.getLogger("typorisk.policyd").info("stopped: %s", dict(state.stats))


def run(args: argparse.Namespace) -> int:
    """Start the server; returns 0 after SIGTERM/SIGINT."""
    host, port = listen_address(args.listen)
    settings = settings_from(args, TYPO_RULES)
    policy = Policy(
        parse_actions(args.action),
        args.text,
        args.high_likelihood,
        block_anyway=frozenset(d.strip().lower().rstrip(".") for d in args.block_anyway),
        top_sites=load_top_sites(),  # read before serving: the first request must not wait
    )
    limits = Limits(
        max_connections=args.max_connections,
        max_request_bytes=args.max_request_bytes,
        idle_timeout=args.idle_timeout,
    )
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s"
    )

    def loader() -> Matcher:
        return matcher_for(args, settings)[0]

    state = PolicyState(loader, policy)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(state, limits, host, port))
    return 0
