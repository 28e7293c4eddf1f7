"""Reading an RFC 6962 log: ``get-sth`` for the tree size, ``get-entries`` pages for entries.

A page asks for at most ``page`` entries; a log may answer with fewer (logs cap their pages, 256
to 1024), and the next request starts after the last one answered. Entries are decoded from
``leaf_input`` (the ``MerkleTreeLeaf``): the certificate for x509 entries, the TBSCertificate
for precert entries (what the log committed to; the full precertificate in ``extra_data`` is
not needed for names).
"""

from __future__ import annotations

import json

from typorisk.watch.ct_http import CTClient
from typorisk.watch.ct_tls import TreeHead, b64, parse_merkle_tree_leaf, parse_sth
from typorisk.watch.ct_types import BatchBuilder
from typorisk.watch.ct_verify import verify_tree_head

PAGE = 256
"""Entries asked for in one get-entries request."""


def _json(client: CTClient, body: bytes, what: str) -> object:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise client.error(f"{what} is not JSON ({exc})") from exc


async def fetch_head(client: CTClient) -> TreeHead:
    """The log's signed tree head, its signature checked when the log list gives the key."""
    body = await client.get_ok(f"{client.log.url}ct/v1/get-sth", "application/json")
    try:
        head = parse_sth(_json(client, body, "get-sth"))
    except ValueError as exc:
        raise client.error(f"malformed get-sth: {exc}") from exc
    if client.log.key:
        try:
            verify_tree_head(client.log.key, head, head.timestamp, head.signature)
        except ValueError as exc:
            raise client.error(f"get-sth of size {head.size:,}: {exc}") from exc
    return head


async def fetch_batch(
    client: CTClient, start: int, end: int, tree_size: int, page: int = PAGE
) -> tuple[int, BatchBuilder]:
    """Read entries from ``start`` (one request, at most ``page`` and up to ``end``, exclusive).
    Returns the next index and the batch. Raises CTLogError when the page is unusable."""
    last = min(end, start + page) - 1
    url = f"{client.log.url}ct/v1/get-entries?start={start}&end={last}"
    doc = _json(client, await client.get_ok(url, "application/json"), "get-entries")
    entries = doc.get("entries") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise client.error(f"get-entries {start}..{last} gave no entries list")
    wanted = entries[: last - start + 1]
    # base64 of a certificate of max_entry_bytes, plus the leaf's 15-byte header and slack
    max_text = (client.max_entry_bytes + 64) * 4 // 3 + 4
    builder = BatchBuilder()
    for index, item in enumerate(wanted, start):
        leaf_input = item.get("leaf_input") if isinstance(item, dict) else None
        if isinstance(leaf_input, str) and len(leaf_input) > max_text:
            builder.oversized += 1
            builder.bad(index, f"leaf_input of {len(leaf_input)} base64 characters")
            continue
        try:
            leaf = parse_merkle_tree_leaf(b64(leaf_input, "leaf_input"), client.max_entry_bytes)
        except ValueError as exc:
            builder.bad(index, str(exc)[:120])
            continue
        builder.add(index, leaf)
    return start + len(wanted), builder
