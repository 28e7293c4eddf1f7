"""Reading a static-ct-api log (c2sp.org/static-ct-api): the ``checkpoint`` for the tree size,
data tiles ``tile/data/<N>`` (256 entries) for entries.

The rightmost tile of a tree whose size is not a multiple of 256 is partial: it is fetched as
``<N>.p/<W>`` with ``W = size - 256 N``; when the log already replaced it by the full tile (404),
the full tile is fetched and its first ``W`` entries read, as the spec advises. A resumed poll
that starts inside a tile fetches the tile and skips the entries already read.

Entries in a tile have no length prefix of their own, so a structurally broken entry ends the
tile: it and the entries after it are counted as unparsable (a bad certificate inside an intact
entry costs only that entry). The checkpoint's origin must be the log's submission prefix
without its scheme; the log's note signature is verified when the log list gives the key
(:mod:`.ct_verify`).
"""

from __future__ import annotations

from typorisk.watch.ct_http import CTClient
from typorisk.watch.ct_tls import (
    TILE_WIDTH,
    TLSReader,
    TreeHead,
    data_tile_url,
    note_signature,
    parse_checkpoint,
    read_tile_leaf,
)
from typorisk.watch.ct_types import BatchBuilder
from typorisk.watch.ct_verify import log_id, verify_tree_head

TILE_ACCEPT = "application/octet-stream"


def expected_origin(submission_url: str) -> str:
    """The checkpoint origin of a log: its submission prefix without scheme or trailing ``/``."""
    return submission_url.split("://", 1)[-1].rstrip("/")


async def fetch_head(client: CTClient) -> TreeHead:
    """The log's checkpoint (size and root hash), its signature by the log checked when the
    log list gives the key."""
    body = await client.get_ok(f"{client.log.url}checkpoint", "text/plain")
    try:
        text = body.decode("utf-8")
        head = parse_checkpoint(text)
    except (UnicodeDecodeError, ValueError) as exc:
        raise client.error(f"malformed checkpoint: {exc}") from exc
    want = expected_origin(client.log.submission_url) if client.log.submission_url else ""
    if want and head.origin != want:
        raise client.error(f"checkpoint origin {head.origin!r:.80} is not {want!r}")
    if client.log.key:
        try:
            signed = note_signature(text, head.origin, log_id(client.log.key))
            if signed is None:
                raise ValueError("no signature line by the log's key")
            verify_tree_head(client.log.key, head, *signed)
        except ValueError as exc:
            raise client.error(f"checkpoint of size {head.size:,}: {exc}") from exc
    return head


async def _tile(client: CTClient, tile: int, width: int) -> bytes:
    url = data_tile_url(client.log.url, tile, width)
    reply = await client.get(url, TILE_ACCEPT)
    if reply.status == 404 and width < TILE_WIDTH:
        return await client.get_ok(data_tile_url(client.log.url, tile), TILE_ACCEPT)
    if reply.status != 200:
        raise client.error(f"GET {url} answered HTTP {reply.status}")
    return reply.body


async def fetch_batch(
    client: CTClient, start: int, end: int, tree_size: int
) -> tuple[int, BatchBuilder]:
    """Read the tile holding entry ``start``, its entries in ``[start, end)``. Returns the next
    index and the batch. Raises CTLogError when the tile cannot be had."""
    tile = start // TILE_WIDTH
    first = tile * TILE_WIDTH
    width = min(TILE_WIDTH, tree_size - first)
    stop = min(end, first + width)
    reader = TLSReader(await _tile(client, tile, width))
    builder = BatchBuilder()
    for index in range(first, stop):
        try:
            leaf = read_tile_leaf(reader, client.max_entry_bytes)
        except ValueError as exc:
            for lost in range(max(index, start), stop):
                builder.bad(lost, f"tile entry {index - first} is malformed: {exc}"[:120])
            break
        if index >= start:
            builder.add(index, leaf)
    return stop, builder
