"""Authoritative mode: ask the suffix's own name servers, with RD=0, whether a name is delegated.

No load on shared resolvers for the registration question, and no resolver cache in the way. The
configured resolver is still used to find the suffix's servers (once per suffix) and to fetch the
records of the names that exist (a minority).

Decision on the suffix server's reply to ``NS <name>`` (RD=0):

- NXDOMAIN → unregistered.
- a referral (NS records for the name in the authority section) → registered; then one delegated
  server is asked ``SOA <name>`` (RD=0): when none answers authoritatively the delegation is lame
  (registered, ``lame=True``).
- an authoritative answer → registered (the server also serves the child zone).
- an authoritative NODATA → the name exists in the suffix zone without a delegation: registered,
  unless only the zone's wildcard answers for it.
- an NXDOMAIN whose answer is a CNAME owned by the name (RFC 6604) → the name exists (an alias).
- a timeout, SERVFAIL, REFUSED, a malformed reply or a non-authoritative reply without referral
  → unknown.
"""

from __future__ import annotations

import dns.rdatatype

from typorisk.resolve import classify, wire
from typorisk.resolve.client import DnsClient
from typorisk.resolve.names import Item, suffix_of
from typorisk.resolve.protocol import Engine
from typorisk.resolve.records import Mail, Outcome, Registration, Resolution, ZoneServers
from typorisk.resolve.transport import NameServer

MAX_SERVERS = 6
"""Suffix servers kept per zone (addresses of the first NS hosts)."""


async def discover(client: DnsClient, suffix: str, *, port: int = 53) -> ZoneServers:
    """Find the zone holding ``suffix`` and its servers' addresses through the resolver.

    Walks up from ``suffix`` until an NS answer (the zone apex). Addresses get ``port``.
    """
    zone = suffix
    hosts: tuple[str, ...] = ()
    while zone:
        reply, _ = await client.query(zone, dns.rdatatype.NS)
        outcome = classify.outcome_of_reply(reply, zone)
        if reply is None or outcome.registration is Registration.UNKNOWN:
            return ZoneServers(suffix, (), outcome)
        records = reply.records() if reply.header.ancount else None
        if reply.rcode == wire.RCODE_NOERROR and records is not None:
            hosts = classify.hosts(records, zone)
            if hosts:
                break
        zone = zone.partition(".")[2]
    if not hosts:
        return ZoneServers(suffix, (), Outcome.ERROR)
    servers: list[NameServer] = []
    for host in hosts[:MAX_SERVERS]:
        for address in await _addresses(client, host):
            servers.append(NameServer(address, port))
    if not servers:
        return ZoneServers(zone, (), Outcome.TIMEOUT)
    return ZoneServers(zone, tuple(dict.fromkeys(servers)))


async def _addresses(client: DnsClient, host: str) -> tuple[str, ...]:
    reply, _ = await client.query(host, dns.rdatatype.A)
    if (
        reply is None
        or reply.malformed
        or reply.rcode != wire.RCODE_NOERROR
        or not reply.header.ancount
    ):
        return ()
    records = reply.records()
    return () if records is None else classify.addresses(records, host, dns.rdatatype.A)


async def is_lame(
    client: DnsClient,
    name: str,
    hosts: tuple[str, ...],
    glue: dict[str, tuple[str, ...]],
    port: int,
) -> tuple[bool, int]:
    """(lame, queries sent): True when none of the first three delegated servers answers
    ``SOA <name>`` authoritatively (RD=0)."""
    sent = 0
    for host in hosts[:3]:
        addresses = glue.get(host) or await _addresses(client, host)
        sent += 0 if host in glue else 1
        for address in addresses[:1]:
            reply, count = await client.query(
                name, dns.rdatatype.SOA, rd=False, servers=(NameServer(address, port),)
            )
            sent += count
            if (
                reply is not None
                and not reply.malformed
                and reply.rcode == wire.RCODE_NOERROR
                and reply.header.authoritative
            ):
                return False, sent
    return True, sent


async def resolve_authoritative(scan: Engine, item: Item[object], name: str) -> Resolution:
    """Settle ``name`` by asking its suffix's servers (see the module docstring)."""
    info = await scan.zone_servers(suffix_of(item, name))
    if info.failure is not None:
        return _unknown(name, info.failure, 0)
    client = scan.client
    reply, sent = await client.query(name, dns.rdatatype.NS, rd=False, servers=info.servers)
    outcome = classify.outcome_of_reply(reply, name)
    if outcome is Outcome.NXDOMAIN:
        return Resolution(
            name,
            outcome.registration,
            outcome,
            Mail.NONE,
            zone_wildcard=False,
            queries=sent,
            authoritative=True,
        )
    if reply is None or outcome.registration is Registration.UNKNOWN:
        return _unknown(name, outcome, sent)
    message = reply.message()
    delegated = None if message is None else classify.referral(message, name, info.zone)
    if message is not None and delegated is not None:
        lame, count = await is_lame(
            client, name, delegated, classify.glue(message), scan.authoritative_port
        )
        return await scan.existing(
            item,
            name,
            Outcome.REFERRAL,
            first=None,
            sent=sent + count,
            ns=delegated,
            probe_servers=info.servers,
            lame=lame,
        )
    if message is None or not reply.header.authoritative:
        return _unknown(name, Outcome.MALFORMED if message is None else Outcome.ERROR, sent)
    return await scan.existing(
        item,
        name,
        outcome,
        first=reply if outcome is Outcome.ANSWER else None,
        sent=sent,
        probe_servers=info.servers,
    )


def _unknown(name: str, outcome: Outcome, sent: int) -> Resolution:
    return Resolution(
        name, Registration.UNKNOWN, outcome, Mail.UNKNOWN, queries=sent, authoritative=True
    )
