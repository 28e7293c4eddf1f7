"""``typorisk update-data``: refresh the RDAP bootstraps (DNS, IPv4, IPv6, ASN), the Public
Suffix List, the CT log list and the top-sites list (established domains) into the user cache
(``$XDG_CACHE_HOME/typorisk``). The only command that fetches from the Internet."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import aiohttp

from typorisk.cli.common import add_network_argument, address_policy
from typorisk.kit.outbound import AddressPolicy
from typorisk.kit.outbound_http import PolicyConnector
from typorisk.kit.paths import user_cache_dir
from typorisk.register.update import (
    NUMBERS_URL,
    PSL_URL,
    RDAP_URL,
    TOP_SITES_URL,
    Updated,
    number_sources,
    update_data,
)
from typorisk.watch.ct import LOG_LIST_URL, update_log_list

NAME = "update-data"
HELP = (
    "download the current RDAP bootstraps (DNS, IPv4, IPv6, ASN), Public Suffix List, CT "
    "log list and top-sites list into the user cache"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``typorisk update-data``."""
    parser.add_argument(
        "--only",
        choices=("rdap", "numbers", "psl", "ct", "top-sites"),
        help="refresh one source only: the DNS bootstrap, the number bootstraps (ipv4.json, "
        "ipv6.json, asn.json), the PSL, the CT log list or the top-sites list of established "
        "domains (default: all)",
    )
    parser.add_argument("--rdap-url", default=RDAP_URL, metavar="URL", help="bootstrap source")
    parser.add_argument(
        "--rdap-numbers-url",
        default=NUMBERS_URL,
        metavar="URL",
        help="where ipv4.json, ipv6.json and asn.json are published",
    )
    parser.add_argument("--psl-url", default=PSL_URL, metavar="URL", help="PSL source")
    parser.add_argument("--ct-url", default=LOG_LIST_URL, metavar="URL", help="CT log list source")
    parser.add_argument(
        "--top-sites-url",
        default=TOP_SITES_URL,
        metavar="URL",
        help="top-sites list (Tranco's top-1m.csv.zip, or a rank,domain CSV): its first 100,000 "
        "registrable domains are established domains, warned about and never blocked",
    )
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where to write (default: $XDG_CACHE_HOME/typorisk or ~/.cache/typorisk)",
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, metavar="S", help="seconds per download"
    )
    add_network_argument(parser, "the downloads")


async def _run(
    sources: dict[str, str], dest: Path, timeout: float, policy: AddressPolicy
) -> list[Updated]:
    ct_url = sources.pop("ct", None)
    async with aiohttp.ClientSession(connector=PolicyConnector(policy)) as session:
        done = await update_data(session, dest, sources=sources, timeout=timeout)
        if ct_url:  # the CT log list (typorisk.watch.ct)
            done.append(await update_log_list(session, dest, url=ct_url, timeout=timeout))
        return done


def run(args: argparse.Namespace) -> int:
    """Download, validate and write; returns 0 (errors raise and exit 2 with a message)."""
    numbers = number_sources(args.rdap_numbers_url)
    sources = {
        "rdap": args.rdap_url,
        **numbers,
        "psl": args.psl_url,
        "ct": args.ct_url,
        "top-sites": args.top_sites_url,
    }
    if args.only == "numbers":
        sources = numbers
    elif args.only:
        sources = {args.only: sources[args.only]}
    dest = Path(args.cache_dir) if args.cache_dir else user_cache_dir()
    policy = address_policy(args.allow_private_network)
    for item in asyncio.run(_run(sources, dest, args.timeout, policy)):
        print(f"typorisk: {item.name}: {item.path} ({item.size:,} bytes, version {item.version})")
    return 0
