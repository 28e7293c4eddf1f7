"""Reading an RFC 6962 log: ``get-sth`` for the tree head, ``get-entries`` pages for entries,
``get-sth-consistency`` and ``get-proof-by-hash`` for the proofs that the log keeps one tree.

A page asks for at most ``page`` entries; a log may answer with fewer (logs cap their pages, 256
to 1024), and the next request starts after the last one answered. Entries are decoded from
``leaf_input`` (the ``MerkleTreeLeaf``): the certificate for x509 entries, the TBSCertificate
for precert entries (what the log committed to; the full precertificate in ``extra_data`` is
not needed for names).

Proofs: the tree head read is checked to extend the one read before (:func:`check_extends`,
RFC 6962 §2.1.2), and entries of each page are audited against the tree head by inclusion proofs
(:func:`check_included`, §2.1.1): a random sample, and every entry the caller names (the watch
names those that matched a protected domain). A failed proof is the log's error.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from urllib.parse import quote

from typorisk.watch.ct_http import MAX_RESPONSE_BYTES, CTClient
from typorisk.watch.ct_tls import TreeHead, b64, parse_merkle_tree_leaf, parse_sth
from typorisk.watch.ct_types import BatchBuilder, CTState
from typorisk.watch.ct_verify import verify_tree_head
from typorisk.watch.merkle import MAX_PROOF, leaf_hash, verify_consistency, verify_inclusion

PAGE = 256
"""Entries asked for in one get-entries request."""


async def fetch_head(client: CTClient) -> TreeHead:
    """The log's signed tree head, its signature checked when the log list gives the key."""
    doc = await client.get_json(f"{client.log.url}ct/v1/get-sth", "get-sth")
    try:
        head = parse_sth(doc)
    except ValueError as exc:
        raise client.error(f"malformed get-sth: {exc}") from exc
    if client.log.key:
        try:
            verify_tree_head(client.log.key, head, head.timestamp, head.signature)
        except ValueError as exc:
            raise client.error(f"get-sth of size {head.size:,}: {exc}") from exc
    return head


def _hashes(client: CTClient, doc: object, key: str, what: str) -> list[bytes]:
    items = doc.get(key) if isinstance(doc, dict) else None
    if not isinstance(items, list) or len(items) > MAX_PROOF:
        raise client.error(f"{what} has no '{key}' list of at most {MAX_PROOF} hashes")
    try:
        return [b64(item, key) for item in items]
    except ValueError as exc:
        raise client.error(f"{what}: {exc}") from exc


async def check_extends(client: CTClient, before: CTState, head: TreeHead) -> None:
    """Check that ``head``'s tree extends the tree of ``before`` (a consistency proof from the
    log when it grew). Does nothing when ``before`` has no root. Raises CTLogError."""
    if not before.root_hash or before.tree_size == 0:
        return
    proof: list[bytes] = []
    if before.tree_size < head.size:
        url = (f"{client.log.url}ct/v1/get-sth-consistency?first={before.tree_size}"
               f"&second={head.size}")  # fmt: skip
        proof = _hashes(client, await client.get_json(url, "get-sth-consistency"),
                        "consistency", "get-sth-consistency")  # fmt: skip
    try:
        verify_consistency(before.tree_size, head.size, before.root_hash, head.root_hash, proof)
    except ValueError as exc:
        raise client.error(str(exc)) from exc


async def check_included(
    client: CTClient, head: TreeHead, leaves: dict[int, bytes], indices: Iterable[int]
) -> None:
    """Check with ``get-proof-by-hash`` that each entry of ``indices`` (keys of ``leaves``,
    entry → leaf hash) is in ``head``'s tree. Raises CTLogError for the first that is not."""
    for index in sorted(set(indices)):
        leaf = leaves[index]
        digest = quote(base64.b64encode(leaf).decode())
        url = f"{client.log.url}ct/v1/get-proof-by-hash?hash={digest}&tree_size={head.size}"
        reply = await client.get(url, "application/json")
        if reply.status != 200:
            raise client.error(
                f"entry {index:,} is not in the tree of {head.size:,} entries the log signed "
                f"(get-proof-by-hash answered HTTP {reply.status})"
            )
        doc = client.parse_json(reply.body, "get-proof-by-hash")
        at = doc.get("leaf_index") if isinstance(doc, dict) else None
        path = _hashes(client, doc, "audit_path", "get-proof-by-hash")
        try:
            if not isinstance(at, int) or isinstance(at, bool):
                raise ValueError("get-proof-by-hash has no leaf_index")
            verify_inclusion(at, head.size, leaf, path, head.root_hash)
        except ValueError as exc:
            raise client.error(
                f"entry {index:,} is not proven in the tree of {head.size:,} entries the log "
                f"signed: {exc}"
            ) from exc


async def fetch_batch(
    client: CTClient, start: int, end: int, page: int = PAGE
) -> tuple[int, BatchBuilder]:
    """Read entries from ``start`` (one request, at most ``page`` and up to ``end``, exclusive).
    Returns the next index and the batch (with the leaf hash of each entry it decoded, for
    :func:`check_included`). Raises CTLogError when the page is unusable."""
    last = min(end, start + page) - 1
    url = f"{client.log.url}ct/v1/get-entries?start={start}&end={last}"
    doc = await client.get_json(url, "get-entries", MAX_RESPONSE_BYTES)
    entries = doc.get("entries") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise client.error(f"get-entries {start}..{last} gave no entries list")
    wanted = entries[: last - start + 1]
    # base64 of a certificate of max_entry_bytes, plus the leaf's 15-byte header and slack
    max_text = (client.max_entry_bytes + 64) * 4 // 3 + 4
    builder = BatchBuilder()
    for index, item in enumerate(wanted, start):
        leaf_input = item.get("leaf_input") if isinstance(item, dict) else None
        try:
            raw = b64(leaf_input, "leaf_input")
        except ValueError as exc:
            builder.bad(index, str(exc)[:120])
            continue
        builder.leaves[index] = leaf_hash(raw)
        if isinstance(leaf_input, str) and len(leaf_input) > max_text:
            builder.oversized += 1
            builder.bad(index, f"leaf_input of {len(leaf_input)} base64 characters")
            continue
        try:
            leaf = parse_merkle_tree_leaf(raw, client.max_entry_bytes)
        except ValueError as exc:
            builder.bad(index, str(exc)[:120])
            continue
        builder.add(index, leaf)
    return start + len(wanted), builder
