"""Microsoft 365: the Tenant Allow/Block List as a CSV and as an Exchange Online PowerShell script.

A block entry for a domain in the Tenant Allow/Block List marks mail from it as high-confidence
phishing and, per Microsoft's documentation, also stops users from sending to it (NDR 5.7.703):
both directions of a typo-domain leak. The optional transport rule rejects outbound mail to the
names explicitly. Every value is a validated name and every note is reduced to a safe alphabet,
so nothing can break out of the single-quoted PowerShell strings.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import TextIO

from typorisk.writers.entries import (
    Entry,
    Row,
    WriterOptions,
    comment_safe,
    entries,
    header_lines,
)

BATCH = 20
"""Entries per ``New-TenantAllowBlockListItems`` call (kept small: the cmdlet limits a call)."""
RULE_BATCH = 100
"""Domains per transport rule (rules are limited in size)."""


def write_m365_csv(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """CSV ``Value,ListType,Action,Notes`` (``Sender``, ``Block``) for ``Import-Csv``."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Value", "ListType", "Action", "Notes"])
    count = 0
    for entry in entries(rows, options):
        writer.writerow([entry.domain, "Sender", "Block", entry.reason()])
        count += 1
    return count


def write_m365_warn(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """CSV ``Domain,Target,Rank,Reason`` of the established domains of other organisations that
    look like a protected one (``mail.com`` for ``mail.mil``): the list for a mail flow rule's
    *recipient domain is* condition with a non-blocking action (a Policy Tip, moderation), so
    senders confirm the recipient instead of having mail rejected. Nothing else is listed."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Domain", "Target", "Rank", "Reason"])
    count = 0
    for entry in entries(rows, options, held=True):
        standing = entry.standing
        if standing is None or standing.kind != "third-party":
            continue
        rank = str(standing.rank) if standing.rank else ""
        writer.writerow([entry.domain, entry.target, rank, comment_safe(standing.reason())])
        count += 1
    return count


def _batches(stream: Iterable[Entry], size: int) -> Iterator[list[Entry]]:
    iterator = iter(stream)
    while batch := list(islice(iterator, size)):
        yield batch


def write_m365_ps(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """An Exchange Online PowerShell script: ``New-TenantAllowBlockListItems -ListType Sender
    -Block`` in batches of :data:`BATCH`, each name with its reason as a comment. Setting
    ``transport_rule`` (false): also write one outbound reject rule per :data:`RULE_BATCH`."""
    feed = comment_safe(options.feed, 60)
    for line in header_lines(options, "Microsoft 365 Tenant Allow/Block List script"):
        out.write(f"# {line}\n")
    out.write("# Run after Connect-ExchangeOnline (Exchange Online PowerShell).\n")
    out.write("$ErrorActionPreference = 'Stop'\n")
    out.write(f"$notes = 'typorisk feed {feed}: likely typo domain'\n")
    rule = options.get("transport_rule", False) is True
    count = 0
    domains: list[str] = []
    for batch in _batches(entries(rows, options), BATCH):
        out.write("$entries = @(\n")
        for entry in batch:
            out.write(f"    '{entry.domain}'  # {entry.reason()}\n")
        out.write(")\n")
        out.write(
            "New-TenantAllowBlockListItems -ListType Sender -Block -NoExpiration "
            "-Notes $notes -Entries $entries\n"
        )
        count += len(batch)
        if rule:
            domains.extend(e.domain for e in batch)
            if len(domains) >= RULE_BATCH:
                _transport_rule(out, feed, domains[:RULE_BATCH], count)
                del domains[:RULE_BATCH]
    if rule and domains:
        _transport_rule(out, feed, domains, count)
    out.write(f"# {count} names\n")
    return count


def _transport_rule(out: TextIO, feed: str, domains: list[str], count: int) -> None:
    listed = ", ".join(f"'{d}'" for d in domains)
    out.write(
        f"New-TransportRule -Name 'typorisk {feed} {count}' -RecipientDomainIs @({listed}) "
        "-RejectMessageEnhancedStatusCode '5.7.1' "
        "-RejectMessageReasonText 'Recipient domain looks like a typo of one of our domains'\n"
    )
