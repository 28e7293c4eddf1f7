"""Pure interpretation of DNS replies: records, mail capability, referrals (no I/O, no clock).

Inputs are checked replies (:class:`~typorisk.resolve.transport.Reply`), their answer records
(:mod:`typorisk.resolve.lean`) or, for referrals and glue, parsed :class:`dns.message.Message`
objects; names are returned as lowercase A-labels without a trailing dot.

An NXDOMAIN is decided from the header alone (no parse) only when the answer section is empty.
With answers, RFC 6604 applies: the rcode speaks of the *last* name of the CNAME chain, so a
CNAME owned by the name asked means the name exists (an alias whose target does not); an NXDOMAIN
with answers that are no such chain is an unusable reply (``error``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

import dns.rdatatype

from typorisk.resolve import lean
from typorisk.resolve.lean import Record
from typorisk.resolve.records import Mail, MxHost, Outcome
from typorisk.resolve.wire import (
    RCODE_NOERROR,
    RCODE_NXDOMAIN,
    RCODE_REFUSED,
    RCODE_SERVFAIL,
)

if TYPE_CHECKING:
    import dns.message
    import dns.name

    from typorisk.resolve.transport import Reply


def text_name(name: dns.name.Name) -> str:
    """``name`` as a lowercase A-label without the trailing dot (``""`` for the root). Only the
    root's dot goes: a last label that is an escaped dot (``\\.``) keeps it."""
    # the root's labels, compared without importing dns.name (~25 ms of start-up, and only
    # referrals and glue, parsed by dnspython, reach here)
    return "" if name.labels == (b"",) else name.to_text(omit_final_dot=True).lower()


def outcome_of_rcode(rcode: int, ancount: int) -> Outcome:
    """The outcome a reply's header implies for the name asked (before any wildcard check)."""
    if rcode == RCODE_NXDOMAIN:
        return Outcome.NXDOMAIN
    if rcode == RCODE_NOERROR:
        return Outcome.ANSWER if ancount else Outcome.NODATA
    if rcode == RCODE_SERVFAIL:
        return Outcome.SERVFAIL
    if rcode == RCODE_REFUSED:
        return Outcome.REFUSED
    return Outcome.ERROR


def outcome_of_reply(reply: Reply | None, name: str) -> Outcome:
    """The outcome a checked reply to a question about ``name`` implies (before wildcards).

    ``None`` (no reply) is a timeout, a malformed reply is ``MALFORMED`` whatever its header
    says, and an NXDOMAIN with answers follows RFC 6604 (module docstring). The common NXDOMAIN
    (no answers) costs no parse.
    """
    if reply is None:
        return Outcome.TIMEOUT
    if reply.malformed:
        return Outcome.MALFORMED
    ancount = reply.header.ancount
    outcome = outcome_of_rcode(reply.header.rcode, ancount)
    if outcome is not Outcome.NXDOMAIN or not ancount:
        return outcome
    records = reply.records()
    if records is None:
        return Outcome.MALFORMED
    return Outcome.ANSWER if is_alias(records, name) else Outcome.ERROR


def is_alias(records: Sequence[Record], name: str) -> bool:
    """True when the answer records hold a CNAME owned by ``name`` (the name is an alias)."""
    return any(r.owner == name and r.rdtype == lean.CNAME for r in records)


def answer(records: Sequence[Record], name: str, rdtype: int) -> tuple[list[object], str | None]:
    """The values of the ``rdtype`` records answering ``name`` (duplicates once, in wire order),
    following a CNAME chain (at most 8 links). Returns (values, first CNAME target or ``None``).
    """
    current = name
    first_cname: str | None = None
    for _ in range(8):
        found = [r.value for r in records if r.owner == current and r.rdtype == rdtype]
        if found:
            return list(dict.fromkeys(found)), first_cname
        if rdtype == lean.CNAME:
            break
        alias = next(
            (r.value for r in records if r.owner == current and r.rdtype == lean.CNAME), None
        )
        if not isinstance(alias, str):
            break
        if first_cname is None:
            first_cname = alias
        current = alias
    return [], first_cname


def addresses(records: Sequence[Record], name: str, rdtype: int) -> tuple[str, ...]:
    """Sorted A or AAAA addresses answering ``name``."""
    values, _ = answer(records, name, rdtype)
    return tuple(sorted(str(v) for v in values))


def hosts(records: Sequence[Record], name: str) -> tuple[str, ...]:
    """Sorted NS host names answering ``name``."""
    values, _ = answer(records, name, lean.NS)
    return tuple(sorted(str(v) for v in values))


def mx_hosts(records: Sequence[Record], name: str) -> tuple[MxHost, ...]:
    """MX records answering ``name``, by preference then host."""
    values, _ = answer(records, name, lean.MX)
    found = {MxHost(*cast(tuple[int, str], v)) for v in values}
    return tuple(sorted(found, key=lambda m: (m.preference, m.host)))


def has_txt(records: Sequence[Record], name: str, prefix: str) -> bool:
    """True when a TXT record at ``name`` starts with ``prefix`` (case-insensitive)."""
    values, _ = answer(records, name, lean.TXT)
    wanted = prefix.lower().encode()
    for value in values:
        text = cast(bytes, value).strip().lower()
        if text.startswith(wanted) and text[len(wanted) : len(wanted) + 1] in (b"", b" ", b";"):
            return True
    return False


def is_null_mx(mx: tuple[MxHost, ...]) -> bool:
    """RFC 7505: exactly one MX, preference 0, exchange the root."""
    return len(mx) == 1 and mx[0].preference == 0 and mx[0].host == ""


def mail_of(
    mx: tuple[MxHost, ...],
    a: tuple[str, ...],
    aaaa: tuple[str, ...],
    *,
    mx_known: bool,
    addresses_known: bool = True,
) -> Mail:
    """Mail capability of an existing name.

    ``mx_known`` is False when the MX lookup failed (timeout, SERVFAIL, malformed reply): then
    only an explicit MX answer could settle it, and without one the result is unknown, never
    ``implicit``/``none``. ``addresses_known`` is False when an A or AAAA lookup failed: an
    address found still means ``implicit``, but none found is then unknown, not ``none``.
    """
    if mx:
        return Mail.NULL_MX if is_null_mx(mx) else Mail.MX
    if not mx_known:
        return Mail.UNKNOWN
    if a or aaaa:
        return Mail.IMPLICIT
    return Mail.NONE if addresses_known else Mail.UNKNOWN


def referral(message: dns.message.Message, name: str, zone: str) -> tuple[str, ...] | None:
    """NS hosts of a referral for ``name`` out of ``zone``, or ``None`` when it is no referral.

    A referral is a non-authoritative NOERROR without answers whose authority section holds NS
    records owned by ``name`` or an ancestor of it strictly below ``zone``.
    """
    import dns.name  # noqa: PLC0415 - see text_name

    if message.rcode() != RCODE_NOERROR or message.answer:
        return None
    qname = dns.name.from_text(name)
    apex = dns.name.from_text(zone)
    for rrset in message.authority:
        if (
            rrset.rdtype == dns.rdatatype.NS
            and qname.is_subdomain(rrset.name)
            and rrset.name != apex
            and rrset.name.is_subdomain(apex)
        ):
            return tuple(sorted(text_name(r.target) for r in rrset))
    return None


def glue(message: dns.message.Message) -> dict[str, tuple[str, ...]]:
    """Addresses in the additional section, by host name (A and AAAA)."""
    found: dict[str, list[str]] = {}
    for rrset in message.additional:
        if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
            found.setdefault(text_name(rrset.name), []).extend(str(r.address) for r in rrset)
    return {host: tuple(sorted(addrs)) for host, addrs in found.items()}
