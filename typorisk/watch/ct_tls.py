"""Pure decoders for what Certificate Transparency logs serve: RFC 6962 ``MerkleTreeLeaf`` and
``extra_data``, static-ct-api data tiles (``TileLeaf``), checkpoints, and the tile path encoding.

No I/O here. The structures are TLS presentation language (RFC 8446 §3): big-endian integers,
``opaque x<a..b>`` vectors with a 1-, 2- or 3-byte length prefix. Hand-rolled because the
Python package that decodes them (``ctutlz`` 0.9.8, last released 2020-05) is unmaintained and
predates the Static CT API; the whole reader is one small class of bounds-checked reads.
Malformed input raises :class:`ValueError` (the callers count it; it never escapes a poll).

::

    MerkleTreeLeaf   = version(1)=0 | leaf_type(1)=0 | TimestampedEntry
    TimestampedEntry = timestamp(8, ms) | entry_type(2) | signed_entry | extensions<0..2^16-1>
        x509_entry(0):    ASN.1Cert certificate<1..2^24-1>
        precert_entry(1): issuer_key_hash[32] | TBSCertificate<1..2^24-1>
    TileLeaf         = TimestampedEntry | [precert: pre_certificate<1..2^24-1>]
                       | Fingerprint[32] certificate_chain<0..2^16-1>
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

X509_ENTRY = 0
PRECERT_ENTRY = 1
MAX_TREE_SIZE = 1 << 63
"""Tree sizes are below this (RFC 6962 and tlog-checkpoint sizes are uint64; 2**63 entries is
beyond any log)."""
TILE_WIDTH = 256
"""Entries in a full data tile (static-ct-api)."""
NOTE_SIGNATURE_PREFIX = "\u2014 "
"""A signed note's signature lines start with an em dash and a space (c2sp.org/signed-note)."""


@dataclass(frozen=True, slots=True)
class LeafEntry:
    """One decoded log entry.

    ``der`` is the X.509 certificate (x509_entry) or the TBSCertificate (precert_entry: what the
    log committed to, the precertificate without its poison extension). ``oversized``: its
    certificate was over the cap, ``der`` is empty and the entry is counted, not parsed.
    """

    timestamp: int
    """Milliseconds since the epoch."""
    precert: bool
    der: bytes
    oversized: bool = False


class TLSReader:
    """A cursor over TLS-encoded bytes; every read checks the bounds (ValueError)."""

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def take(self, n: int) -> bytes:
        end = self.pos + n
        if end > len(self.data):
            raise ValueError(f"truncated: {n} bytes wanted at offset {self.pos}")
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def uint(self, n: int) -> int:
        return int.from_bytes(self.take(n), "big")

    def vector_length(self, prefix: int) -> int:
        """The length of an ``opaque<..>`` with a ``prefix``-byte length; checks it fits."""
        length = self.uint(prefix)
        if self.pos + length > len(self.data):
            raise ValueError(f"vector of {length} bytes runs past the end at offset {self.pos}")
        return length

    def vector(self, prefix: int) -> bytes:
        return self.take(self.vector_length(prefix))

    def at_end(self) -> bool:
        return self.pos == len(self.data)


def read_timestamped_entry(reader: TLSReader, max_cert: int) -> LeafEntry:
    """Decode a ``TimestampedEntry`` at the cursor; certificates over ``max_cert`` bytes are
    skipped (``oversized``). Raises ValueError on malformed input or an unknown entry type."""
    timestamp = reader.uint(8)
    entry_type = reader.uint(2)
    if entry_type == PRECERT_ENTRY:
        reader.take(32)  # issuer_key_hash
    elif entry_type != X509_ENTRY:
        raise ValueError(f"unknown entry type {entry_type}")
    length = reader.vector_length(3)
    if length == 0:
        raise ValueError("empty certificate")
    oversized = length > max_cert
    der = b"" if oversized else reader.data[reader.pos : reader.pos + length]
    reader.pos += length
    reader.vector(2)  # CtExtensions (static-ct-api: leaf_index)
    return LeafEntry(timestamp, entry_type == PRECERT_ENTRY, der, oversized)


def parse_merkle_tree_leaf(data: bytes, max_cert: int) -> LeafEntry:
    """Decode an RFC 6962 ``leaf_input`` (a whole ``MerkleTreeLeaf``, nothing after it)."""
    reader = TLSReader(data)
    version, leaf_type = reader.uint(1), reader.uint(1)
    if version != 0 or leaf_type != 0:
        raise ValueError(f"MerkleTreeLeaf version {version}, leaf type {leaf_type} (want 0, 0)")
    entry = read_timestamped_entry(reader, max_cert)
    if not reader.at_end():
        raise ValueError(f"{len(data) - reader.pos} bytes after the MerkleTreeLeaf")
    return entry


def precert_from_extra_data(data: bytes) -> bytes:
    """The full precertificate (DER) from a precert entry's ``extra_data``
    (``PrecertChainEntry``: ``pre_certificate`` then the chain)."""
    return TLSReader(data).vector(3)


def read_tile_entry(reader: TLSReader, max_cert: int) -> tuple[LeafEntry, bytes]:
    """Decode one ``TileLeaf`` at the cursor (static-ct-api §Log entries): the entry and the
    ``MerkleTreeLeaf`` the log committed to (version 0, leaf type 0, the ``TimestampedEntry``
    as served, its ``leaf_index`` extension included), whose hash is the entry's leaf hash."""
    start = reader.pos
    entry = read_timestamped_entry(reader, max_cert)
    leaf = b"\x00\x00" + reader.data[start : reader.pos]
    if entry.precert:
        reader.vector(3)  # pre_certificate: the submitted precertificate, not committed to
    chain = reader.vector_length(2)
    if chain % 32:
        raise ValueError(f"certificate_chain of {chain} bytes is not a list of SHA-256 hashes")
    reader.take(chain)
    return entry, leaf


def read_tile_leaf(reader: TLSReader, max_cert: int) -> LeafEntry:
    """Decode one ``TileLeaf`` at the cursor (see :func:`read_tile_entry`)."""
    return read_tile_entry(reader, max_cert)[0]


def b64(text: object, what: str) -> bytes:
    """Strict base64 of a JSON string field (ValueError naming ``what``)."""
    if not isinstance(text, str):
        raise ValueError(f"{what} is not a string")
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error as exc:
        raise ValueError(f"{what} is not base64: {exc}") from exc


def tile_path(index: int) -> str:
    """The static-ct-api encoding of a tile index: 3-digit elements, all but the last prefixed
    with ``x`` (1234067 → ``x001/x234/067``; 5 → ``005``)."""
    if index < 0:
        raise ValueError(f"negative tile index {index}")
    parts: list[str] = []
    while True:
        parts.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    return "/".join([*(f"x{p}" for p in reversed(parts[1:])), parts[0]])


def data_tile_url(prefix: str, tile: int, width: int = TILE_WIDTH) -> str:
    """URL of data tile ``tile`` under a monitoring ``prefix`` (ending in ``/``); a ``width``
    below 256 names the partial tile (``.p/<width>``)."""
    if not 1 <= width <= TILE_WIDTH:
        raise ValueError(f"tile width {width} outside 1..256")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"{prefix}tile/data/{tile_path(tile)}{suffix}"


def hash_tile_url(prefix: str, level: int, tile: int, width: int = TILE_WIDTH) -> str:
    """URL of Merkle tree tile ``tile`` at tile level ``level`` (c2sp.org/tlog-tiles: its
    hashes are the tree's nodes at level ``8 * level``); ``width`` below 256 names a partial
    tile."""
    if not 1 <= width <= TILE_WIDTH or not 0 <= level <= 63:
        raise ValueError(f"tile level {level} or width {width} out of range")
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"{prefix}tile/{level}/{tile_path(tile)}{suffix}"


@dataclass(frozen=True, slots=True)
class TreeHead:
    """A log's current size (a ``get-sth`` answer or a checkpoint)."""

    size: int
    """Entries in the tree."""
    root_hash: bytes
    """The 32-byte Merkle Tree Hash."""
    origin: str = ""
    """The checkpoint's origin line (static logs; empty for RFC 6962)."""
    timestamp: int = 0
    """Milliseconds since the epoch (RFC 6962 ``get-sth``; 0 when not read)."""
    signature: bytes = b""
    """The TLS ``DigitallySigned`` tree head signature (RFC 6962 ``get-sth``)."""


_DECIMAL = re.compile(r"(?:0|[1-9][0-9]{0,19})\Z")


def parse_sth(doc: object) -> TreeHead:
    """An RFC 6962 ``get-sth`` JSON answer (already decoded). ValueError when malformed."""
    if not isinstance(doc, dict):
        raise ValueError("get-sth answer is not a JSON object")
    size = doc.get("tree_size")
    if not isinstance(size, int) or isinstance(size, bool) or not 0 <= size < MAX_TREE_SIZE:
        raise ValueError(f"tree_size {size!r:.40} is not an integer in [0, 2**63)")
    root = b64(doc.get("sha256_root_hash"), "sha256_root_hash")
    if len(root) != 32:
        raise ValueError(f"sha256_root_hash has {len(root)} bytes, not 32")
    timestamp = doc.get("timestamp", 0)
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
        raise ValueError(f"timestamp {timestamp!r:.40} is not a non-negative integer")
    signature = doc.get("tree_head_signature")
    return TreeHead(
        size,
        root,
        "",
        timestamp,
        b"" if signature is None else b64(signature, "tree_head_signature"),
    )


def parse_checkpoint(text: str) -> TreeHead:
    """A static-ct-api checkpoint (a signed note, c2sp.org/tlog-checkpoint): origin, decimal
    size, base64 root hash, optional extension lines, a blank line, then at least one signature
    line (``— <key name> <base64>``). Only the form is checked here (see
    :func:`note_signature` and :mod:`typorisk.watch.ct_verify` for the signature).
    """
    body, sep, signatures = text.partition("\n\n")
    if not sep:
        raise ValueError("checkpoint has no blank line before its signatures")
    lines = body.split("\n")
    if len(lines) < 3:
        raise ValueError(f"checkpoint body has {len(lines)} lines, needs origin, size, hash")
    origin, size, root = lines[0], lines[1], lines[2]
    if not origin or not _DECIMAL.match(size):
        raise ValueError(f"checkpoint origin {origin!r:.60} or size {size!r:.30} is malformed")
    if int(size) >= MAX_TREE_SIZE:
        raise ValueError(f"checkpoint size {size} is not below 2**63")
    root_hash = b64(root, "checkpoint root hash")
    if len(root_hash) != 32:
        raise ValueError(f"checkpoint root hash has {len(root_hash)} bytes, not 32")
    sig_lines = [line for line in signatures.split("\n") if line]
    if not sig_lines or not all(s.startswith(NOTE_SIGNATURE_PREFIX) for s in sig_lines):
        raise ValueError("checkpoint signature lines are missing or malformed")
    return TreeHead(int(size), root_hash, origin)


def tree_head_input(timestamp: int, size: int, root_hash: bytes) -> bytes:
    """The bytes an RFC 6962 tree head signature covers (§3.5 ``TreeHeadSignature``:
    version v1, signature_type tree_hash, timestamp, tree_size, sha256_root_hash)."""
    return b"\x00\x01" + timestamp.to_bytes(8, "big") + size.to_bytes(8, "big") + root_hash


def split_digitally_signed(data: bytes) -> tuple[int, int, bytes]:
    """(hash algorithm, signature algorithm, signature) of a TLS ``DigitallySigned``;
    the whole of ``data`` must be used."""
    reader = TLSReader(data)
    hash_alg, sig_alg = reader.uint(1), reader.uint(1)
    signature = reader.vector(2)
    if not reader.at_end():
        raise ValueError("bytes after the DigitallySigned signature")
    return hash_alg, sig_alg, signature


def note_signature(text: str, origin: str, log_id: bytes) -> tuple[int, bytes] | None:
    """(timestamp, DigitallySigned) of the log's own signature line in a checkpoint: key name
    ``origin``, key ID the first 4 bytes of SHA-256(origin, LF, 0x05, LogID), body an
    ``RFC6962NoteSignature``. ``None`` when the note carries no such line (other signers, such
    as witnesses, are ignored as the spec requires)."""
    key_id = hashlib.sha256(origin.encode() + b"\n\x05" + log_id).digest()[:4]
    for line in text.partition("\n\n")[2].split("\n"):
        name, _, sig = line.removeprefix(NOTE_SIGNATURE_PREFIX).partition(" ")
        if not line.startswith(NOTE_SIGNATURE_PREFIX) or name != origin:
            continue
        raw = b64(sig, "checkpoint signature")
        if raw[:4] == key_id and len(raw) > 12:
            return int.from_bytes(raw[4:12], "big"), raw[12:]
    return None
