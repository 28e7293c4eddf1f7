"""DNS blocklists: RPZ zone, Unbound ``local-zone``, dnsmasq, hosts, AdGuard/ABP, plain list.

Every writer takes rows, a ``TextIO`` and :class:`~typorisk.writers.entries.WriterOptions`;
names pass :func:`~typorisk.writers.entries.check_name` before they are written.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import TextIO

from typorisk.errors import TyporiskError, UnsafeNameError
from typorisk.parse.names import MAX_NAME
from typorisk.writers.blocklist import write_blocklist
from typorisk.writers.entries import Entry, Row, WriterOptions, check_name
from typorisk.writers.options import HELD_ACTIONS, RPZ_POLICIES, UNBOUND_POLICIES

SERIAL_MAX = 2**32 - 1


def rpz_serial(options: WriterOptions) -> int:
    """The SOA serial: Unix time of ``options.now`` in seconds, or one more than the
    ``previous_serial`` setting when that is not smaller; always strictly greater than it."""
    serial = int(options.now.timestamp())
    previous = options.get("previous_serial")
    if isinstance(previous, int) and not isinstance(previous, bool) and previous >= serial:
        serial = previous + 1
    if serial > SERIAL_MAX:
        raise TyporiskError(f"RPZ serial {serial} exceeds 2^32-1: set a smaller previous serial")
    return serial


def _address(options: WriterOptions, key: str, version: int) -> str | None:
    value = options.get(key)
    if value is None:
        return None
    try:
        address = ipaddress.ip_address(str(value))
    except ValueError as exc:
        raise TyporiskError(f"{key}: {value!r} is not an IP address") from exc
    if address.version != version:
        raise TyporiskError(f"{key}: {value!r} is not an IPv{version} address")
    return str(address)


def _rpz_actions(options: WriterOptions) -> list[str]:
    policy = options.get("policy", "nxdomain")
    if policy == "nxdomain":
        return ["CNAME ."]
    if policy == "nodata":
        return ["CNAME *."]
    if policy == "drop":
        return ["CNAME rpz-drop."]
    if policy == "sinkhole":
        v4, v6 = _address(options, "sinkhole_ipv4", 4), _address(options, "sinkhole_ipv6", 6)
        if not (v4 or v6):
            raise TyporiskError("RPZ policy sinkhole needs sinkhole_ipv4 and/or sinkhole_ipv6")
        return [f"A {v4}"] * bool(v4) + [f"AAAA {v6}"] * bool(v6)
    raise TyporiskError(f"RPZ policy {policy!r}: expected one of {', '.join(RPZ_POLICIES)}")


def write_rpz(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """An RPZ zone (BIND ``response-policy``, Unbound ``rpz:``): SOA and NS, then per name
    ``name`` and ``*.name`` (subdomains: ``mx.name`` too) with the policy action.

    Settings: ``policy`` (nxdomain | nodata | sinkhole | drop), ``sinkhole_ipv4``/``_ipv6``,
    ``ttl`` (seconds, 300), ``previous_serial`` (the serial is strictly greater), ``origin``
    (zone name the consumer loads it as, ``rpz.typorisk``: names too long under it are
    refused), ``passthru`` (names to allow: ``CNAME rpz-passthru.``, never blocked too),
    ``established`` (``omit``: an established domain is left out with a ``not blocked``
    comment; ``passthru``: it is listed with ``CNAME rpz-passthru.``, so the server answers and
    logs it), ``comments``.
    A typed name below someone else's domain (``cha.se.com``) is listed itself, never that
    domain. Owner names are relative, so the file loads under any origin.
    """
    actions = _rpz_actions(options)
    ttl = options.get("ttl", 300)
    if not isinstance(ttl, int) or isinstance(ttl, bool) or not 0 <= ttl <= 2**31 - 1:
        raise TyporiskError(f"ttl: {ttl!r} is not a number of seconds")
    origin = check_name(str(options.get("origin", "rpz.typorisk")).rstrip("."))
    room = MAX_NAME - len(origin) - 1
    preamble = [
        f"$TTL {ttl}",
        f"@ SOA localhost. hostmaster.localhost. {rpz_serial(options)} 3600 600 604800 {ttl}",
        "@ NS localhost.",
    ]
    allowed = _passthru(options)
    for name in allowed:
        preamble += [f"{name} CNAME rpz-passthru.", f"*.{name} CNAME rpz-passthru."]

    def fitting(stream: Iterable[Entry]) -> Iterable[Entry]:
        for entry in stream:
            if entry.domain in allowed:
                continue  # allowed by passthru: one owner takes one CNAME, the passthru
            if len(entry.domain) + 2 <= room:
                yield entry
                continue
            error = UnsafeNameError(entry.domain, f"*.name does not fit under {origin}")
            if options.on_invalid is None:
                raise error
            options.on_invalid({"domain": entry.domain}, error)

    def render(e: Entry) -> str:
        owners = (e.domain, f"*.{e.domain}")
        return "\n".join(f"{owner} {action}" for owner in owners for action in actions)

    held = options.get("established", "omit")
    if held not in HELD_ACTIONS:
        raise TyporiskError(f"established {held!r}: expected one of {', '.join(HELD_ACTIONS)}")

    def passthru(e: Entry) -> str:
        return f"{e.domain} CNAME rpz-passthru.\n*.{e.domain} CNAME rpz-passthru."

    return write_blocklist(
        rows,
        out,
        options,
        render=render,
        comment=";",
        what=f"RPZ zone, policy {options.get('policy', 'nxdomain')}",
        preamble=preamble,
        filter_entries=fitting,
        render_held=passthru if held == "passthru" else None,
    )


def _passthru(options: WriterOptions) -> list[str]:
    names = options.get("passthru") or ()
    if not isinstance(names, list | tuple):
        raise TyporiskError("passthru: expected a list of domain names")
    return [check_name(n) for n in names]


def write_unbound(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """Unbound config: ``server:`` then ``local-zone: "name." always_nxdomain`` per name (a local
    zone covers its subdomains). Include it at top level of ``unbound.conf``.
    Setting ``policy``: one of :data:`UNBOUND_POLICIES`."""
    policy = str(options.get("policy", "always_nxdomain"))
    if policy not in UNBOUND_POLICIES:
        raise TyporiskError(f"unbound policy {policy!r}: expected {', '.join(UNBOUND_POLICIES)}")
    return write_blocklist(
        rows,
        out,
        options,
        render=lambda e: f'local-zone: "{e.domain}." {policy}',
        comment="#",
        what=f"Unbound local-zone list, {policy}",
        preamble=["server:"],
    )


def write_dnsmasq(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """dnsmasq config: ``address=/name/`` (NXDOMAIN for the name and its subdomains), or
    ``address=/name/IP`` with the ``sinkhole`` setting."""
    sinkhole = options.get("sinkhole")
    target = ""
    if sinkhole is not None:
        try:
            target = str(ipaddress.ip_address(str(sinkhole)))
        except ValueError as exc:
            raise TyporiskError(f"sinkhole: {sinkhole!r} is not an IP address") from exc
    return write_blocklist(
        rows,
        out,
        options,
        render=lambda e: f"address=/{e.domain}/{target}",
        comment="#",
        what="dnsmasq address list" + (f", sinkhole {target}" if target else ", NXDOMAIN"),
    )


def write_hosts(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """hosts(5) lines ``0.0.0.0 name`` (the exact name only: hosts files have no wildcards).
    Setting ``address`` (default ``0.0.0.0``)."""
    address = str(options.get("address", "0.0.0.0"))  # noqa: S104 - a sinkhole, not a bind
    try:
        address = str(ipaddress.ip_address(address))
    except ValueError as exc:
        raise TyporiskError(f"address: {address!r} is not an IP address") from exc
    return write_blocklist(
        rows,
        out,
        options,
        render=lambda e: f"{address} {e.domain}",
        comment="#",
        what=f"hosts file, names mapped to {address}",
    )


def write_abp(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """AdGuard / Adblock Plus filter list: ``||name^`` (the name and its subdomains)."""
    return write_blocklist(
        rows,
        out,
        options,
        render=lambda e: f"||{e.domain}^",
        comment="!",
        what="AdGuard/ABP filter list",
        preamble=[],
    )


def write_plain(rows: Iterable[Row], out: TextIO, options: WriterOptions) -> int:
    """One validated name a line, nothing else (Palo Alto EDL, OPNsense, Pi-hole)."""
    return write_blocklist(
        rows, out, options, render=lambda e: e.domain, comment=None, what="domain list"
    )
