"""A lean reader of a reply's answer section, for the record types the engine reads.

Why not dnspython here: :func:`dns.message.from_wire` costs an order of magnitude more CPU per
reply with answers than this reader, a measurable share of ``typorisk resolve``'s CPU on a
typical candidate set (``tests/benchmarks/bench_lean.py`` compares the two on the same replies
in one run; figures in ``tests/benchmarks/README.md``). dnspython still parses whatever else is
read (referrals and glue in authoritative mode: ``Reply.message``).

What it reads: the answer records of types A, AAAA (class IN), NS, CNAME, MX and TXT, as
:class:`Record` values in wire order; other types are kept with ``value=None``. What it checks:
the header's counts, every record of every section structurally (owner names, compression
pointers pointing strictly backwards, labels ≤ 63 bytes, names ≤ 255 bytes, RDLENGTH inside the
message, nothing after the last record), as :func:`typorisk.resolve.wire.well_formed` does for
every reply, and the data of the answer records it reads exactly, as dnspython does (an A of 4
bytes, an NS target that ends where its data ends, TXT strings that fill their data...). So an
answer section it accepts is one dnspython accepts, with the same records
(``tests/resolve/test_lean.py`` compares the two on random and mutated messages). The data of
records it does not read (an SOA in the authority section) is checked structurally only, as for
an NXDOMAIN decided from its header: nothing is believed from bytes that are not read. Names
are returned as dnspython prints them, lowercased, without the final dot: special bytes escaped
(``\\.``, ``\\032``), the root as ``""``.
"""

from __future__ import annotations

from dataclasses import dataclass

import dns.ipv6

from typorisk.resolve.wire import HEADER

A, NS, CNAME, MX, TXT, AAAA = 1, 2, 5, 15, 16, 28
CLASS_IN = 1
MAX_POINTERS = 16
"""Compression pointers one name may follow (dnspython's ``MAX_COMPRESSION_POINTER_CHAIN``)."""
_ESCAPED = b'"().;\\@$'
_PLAIN = bytes(c for c in range(0x21, 0x7F) if c not in _ESCAPED)
"""Bytes a label shows as they are."""


class _Bad(Exception):
    """The message is not well-formed."""


@dataclass(frozen=True, slots=True)
class Record:
    """One answer record: its owner, type and value."""

    owner: str
    """Owner name: lowercase text without the final dot (see the module docstring)."""
    rdtype: int
    """The record's type (A and AAAA of a class other than IN: negative, and not read)."""
    value: object
    """A, AAAA: the address text; NS, CNAME: the target name; MX: ``(preference, exchange)``;
    TXT: the strings joined (``bytes``); other types: ``None``."""


def read_answers(data: bytes, question_end: int) -> tuple[Record, ...] | None:
    """The answer records of ``data`` (whose question, one, ends at ``question_end``), or
    ``None`` when the message is not well-formed (see the module docstring)."""
    try:
        return _read(data, question_end)
    except (_Bad, IndexError):
        return None


def _read(data: bytes, pos: int) -> tuple[Record, ...]:
    size = len(data)
    if size < HEADER.size or pos > size:
        raise _Bad
    ancount = data[6] << 8 | data[7]
    others = (data[8] << 8 | data[9]) + (data[10] << 8 | data[11])
    records = []
    for _ in range(ancount):
        owner, pos = _name(data, pos, size)
        if pos + 10 > size:
            raise _Bad
        rdtype = data[pos] << 8 | data[pos + 1]
        if rdtype in (A, AAAA) and (data[pos + 2] << 8 | data[pos + 3]) != CLASS_IN:
            rdtype = -rdtype  # an address of another class: not read (dnspython: generic data)
        start = pos + 10
        end = start + (data[pos + 8] << 8 | data[pos + 9])
        if end > size:
            raise _Bad
        records.append(Record(owner, rdtype, _rdata(data, rdtype, start, end)))
        pos = end
    for _ in range(others):
        _, pos = _name(data, pos, size)
        if pos + 10 > size:
            raise _Bad
        pos += 10 + (data[pos + 8] << 8 | data[pos + 9])
        if pos > size:
            raise _Bad
    if pos != size:
        raise _Bad
    return tuple(records)


def _rdata(data: bytes, rdtype: int, start: int, end: int) -> object:
    length = end - start
    if rdtype == A:
        if length != 4:
            raise _Bad
        return f"{data[start]}.{data[start + 1]}.{data[start + 2]}.{data[start + 3]}"
    if rdtype == AAAA:
        if length != 16:
            raise _Bad
        return dns.ipv6.inet_ntoa(data[start:end])
    if rdtype in (NS, CNAME):
        target, after = _name(data, start, end)
        if after != end:
            raise _Bad
        return target
    if rdtype == MX:
        if length < 3:
            raise _Bad
        exchange, after = _name(data, start + 2, end)
        if after != end:
            raise _Bad
        return (data[start] << 8 | data[start + 1], exchange)
    if rdtype == TXT:
        return _strings(data, start, end)
    return None


def _strings(data: bytes, start: int, end: int) -> bytes:
    """TXT data: one or more counted strings that fill it exactly, joined."""
    if start == end:
        raise _Bad
    parts = []
    pos = start
    while pos < end:
        count = data[pos]
        if pos + 1 + count > end:
            raise _Bad
        parts.append(data[pos + 1 : pos + 1 + count])
        pos += 1 + count
    return b"".join(parts)


def _name(data: bytes, pos: int, limit: int) -> tuple[str, int]:
    """(the name at ``pos`` as text, the offset just past it); its own bytes lie before
    ``limit`` (compression pointers may point anywhere before them, strictly backwards)."""
    labels: list[str] = []
    length = 1
    after = -1
    floor = pos  # the segment being read starts here: a pointer must point before it
    hops = 0
    while True:
        if pos >= limit:
            raise _Bad
        count = data[pos]
        if count == 0:
            pos += 1
            break
        if count >= 0xC0:
            if pos + 1 >= limit:
                raise _Bad
            target = (count & 0x3F) << 8 | data[pos + 1]
            hops += 1
            if not HEADER.size <= target < floor or hops > MAX_POINTERS:
                raise _Bad
            if after < 0:
                after = pos + 2
            # As dnspython: the name pointed to must end before the segment that pointed.
            limit = min(limit, floor)
            pos = floor = target
            continue
        if count > 63:
            raise _Bad
        length += count + 1
        if length > 255 or pos + 1 + count > limit:
            raise _Bad
        label = data[pos + 1 : pos + 1 + count]
        if label.translate(None, _PLAIN):
            labels.append(_escape(label))
        else:
            labels.append(label.decode("ascii").lower())
        pos += 1 + count
    return ".".join(labels), (pos if after < 0 else after)


def _escape(label: bytes) -> str:
    """``label`` as dnspython prints it (``\\`` before special characters, ``\\DDD`` for bytes
    outside printable ASCII), lowercased."""
    text = []
    for c in label:
        if c in _ESCAPED:
            text.append("\\" + chr(c))
        elif 0x20 < c < 0x7F:
            text.append(chr(c))
        else:
            text.append(f"\\{c:03d}")
    return "".join(text).lower()
