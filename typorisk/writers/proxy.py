"""Proxies and network sensors: Squid ``dstdomain`` lists and Suricata DNS rules."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator
from typing import TextIO

from typorisk.errors import TyporiskError
from typorisk.writers.blocklist import write_blocklist
from typorisk.writers.entries import Entry, Row, WriterOptions, comment_safe
from typorisk.writers.options import SURICATA_ACTIONS

SID_MAX = 2**31 - 1


def without_subdomains(stream: Iterable[Entry]) -> Iterator[Entry]:
    """Entries whose name is not below another listed name, ordered by reversed labels (so
    ``com.a`` comes before ``com.a.b``, which is dropped). Squid warns about such pairs.

    Holds every entry (about 200 bytes each) to sort them: the one writer that is not streamed.
    """
    ordered = sorted(stream, key=lambda e: e.domain.split(".")[::-1])
    kept: list[str] | None = None
    for entry in ordered:
        labels = entry.domain.split(".")[::-1]
        if kept is not None and labels[: len(kept)] == kept:
            continue
        kept = labels
        yield entry


def write_squid(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """Squid ``acl NAME dstdomain "FILE"`` list: ``.name`` (the name and its subdomains), in
    reversed-label order, names under another listed name removed."""
    return write_blocklist(
        rows,
        out,
        options,
        render=lambda e: f".{e.domain}",
        comment="#",
        what="Squid dstdomain list",
        filter_entries=without_subdomains,
    )


def write_suricata(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """Suricata rules, one per name, matching the DNS query for the name and its subdomains:
    ``dns.query; dotprefix; content:".name"; nocase; endswith;``. Settings: ``action`` (alert,
    drop, reject), ``sid_base`` (first signature id, 9000000; ids are consecutive)."""
    action = str(options.get("action", "alert"))
    if action not in SURICATA_ACTIONS:
        raise TyporiskError(f"action {action!r}: expected one of {', '.join(SURICATA_ACTIONS)}")
    base = options.get("sid_base", 9_000_000)
    if not isinstance(base, int) or isinstance(base, bool) or not 1 <= base < SID_MAX:
        raise TyporiskError(f"sid_base: {base!r} is not a signature id (1..2^31-1)")
    feed = comment_safe(options.feed, 60)
    sid = base - 1

    def render(e: Entry) -> str:
        nonlocal sid
        sid += 1
        if sid > SID_MAX:
            raise TyporiskError("too many rules for sid_base: lower it")
        return (
            f'{action} dns any any -> any any (msg:"{feed} typo domain {e.domain} ({e.reason()})"; '
            f'dns.query; dotprefix; content:".{e.domain}"; nocase; endswith; '
            f"sid:{sid}; rev:1;)"
        )

    return write_blocklist(
        rows, out, options, render=render, comment="#", what=f"Suricata rules, {action}"
    )


def write_suricata_dataset(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """A Suricata ``type string`` dataset (base64 of each name, one a line) for large lists,
    used by one rule: ``dns.query; dataset:isset,typo-domains,type string,load FILE;``. It
    matches exact names only (no subdomains); datasets have no comments."""
    return write_blocklist(
        rows,
        out,
        options,
        render=lambda e: base64.b64encode(e.domain.encode("ascii")).decode("ascii"),
        comment=None,
        what="Suricata dataset",
    )
