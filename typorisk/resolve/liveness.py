"""Per-server liveness: ask each configured server once, report which ones answer and how.

For the run verdict: a run whose resolvers do not answer must not pass as complete. Each server is
asked on its own (no rotation to another server), with the client's timeout and retries: a timeout
is retried on the same server, any reply ends its check. A dead server (ICMP port unreachable, or
silence) is therefore reported within ``timeout × (retries + 1)`` seconds plus the backoff sleeps.
"""

from __future__ import annotations

import asyncio

import dns.rdatatype

from typorisk.resolve import wire
from typorisk.resolve.client import RCODE_NAMES, DnsClient
from typorisk.resolve.records import ServerCheck
from typorisk.resolve.transport import NameServer


async def check_servers(
    client: DnsClient, probe_name: str, *, rd: bool = True
) -> list[ServerCheck]:
    """Send ``NS probe_name`` (RD set unless ``rd`` is False) to each of ``client.servers``.

    Returns one :class:`ServerCheck` per configured server, in their order; the servers are
    checked concurrently. ``ok`` means a well-formed reply with rcode NOERROR or NXDOMAIN; any
    other rcode, a malformed reply, or no reply after ``client.retries + 1`` tries is a problem,
    in words. ``probe_name`` is a domain name (case and trailing dot ignored; ``"."`` is the root).

    Raises ``ValueError`` when ``probe_name`` cannot be asked (an empty or over-long label).
    """
    name = probe_name.strip().lower().rstrip(".")
    name_wire = wire.encode_name(name)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_check(client, s, name, name_wire, rd)) for s in client.servers]
    return [task.result() for task in tasks]


async def _check(
    client: DnsClient, server: NameServer, name: str, name_wire: bytes, rd: bool
) -> ServerCheck:
    loop = asyncio.get_running_loop()
    started = loop.time()
    unreachable_before = client.unreachable(server)
    tries = 0
    for attempt in range(client.retries + 1):
        if attempt:
            await asyncio.sleep(client.backoff * 2 ** (attempt - 1))
        one_try = client.question(
            name, dns.rdatatype.NS, rd=rd, servers=(server,), name_wire=name_wire, tries=1
        )
        reply, sent = await client.run(one_try)
        tries += sent
        if reply is None:
            if server in client.send_errors:
                problem = f"cannot send: {client.send_errors[server]}"
                return ServerCheck(str(server), False, problem, None, tries, _since(loop, started))
            continue
        elapsed = _since(loop, started)
        if reply.malformed:
            return ServerCheck(str(server), False, "malformed reply", None, tries, elapsed)
        rcode = RCODE_NAMES.get(reply.rcode, f"rcode {reply.rcode}")
        ok = reply.rcode in (wire.RCODE_NOERROR, wire.RCODE_NXDOMAIN)
        return ServerCheck(str(server), ok, None if ok else rcode, rcode, tries, elapsed)
    attempts = client.retries + 1
    problem = (
        f"no reply within {float(client.timeout)} s after {attempts} "
        f"tr{'y' if attempts == 1 else 'ies'}"
    )
    if tries > attempts:  # some were sent again early (UdpChannel's resend)
        problem += f" ({tries} queries)"
    if client.unreachable(server) > unreachable_before:
        problem += " (ICMP port unreachable)"
    return ServerCheck(str(server), False, problem, None, tries, _since(loop, started))


def _since(loop: asyncio.AbstractEventLoop, started: float) -> float:
    return loop.time() - started
