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

Every data tile read is proven against the checkpoint (:class:`TileProofs`) before any of its
entries is handed out: its entries' leaf hashes (RFC 6962 hashing of the ``MerkleTreeLeaf``)
must be the tree's level-0 nodes that the Merkle tree tiles (c2sp.org/tlog-tiles, ``tile/<L>/<N>``)
chain up to the checkpoint's root hash. A tile that does not parse, or whose hashes do not chain
to the root, is the log's error (:class:`~typorisk.errors.CTLogError`): the log served entries
outside the tree it signed. The root of the tree read before is recomputed from the same tiles,
so a log whose new tree does not extend the old one (a fork) is refused too.
"""

from __future__ import annotations

from typorisk.watch.ct_http import MAX_HEAD_BYTES, MAX_RESPONSE_BYTES, CTClient
from typorisk.watch.ct_tls import (
    TILE_WIDTH,
    TLSReader,
    TreeHead,
    data_tile_url,
    hash_tile_url,
    note_signature,
    parse_checkpoint,
    read_tile_entry,
)
from typorisk.watch.ct_types import BatchBuilder, CTState
from typorisk.watch.ct_verify import log_id, verify_tree_head
from typorisk.watch.merkle import HASH_BYTES, complete_root, fold, leaf_hash, tree_pieces

TILE_ACCEPT = "application/octet-stream"
HASH_TILE_BYTES = TILE_WIDTH * HASH_BYTES
"""A full Merkle tree tile: 256 hashes of 32 bytes."""


def expected_origin(submission_url: str) -> str:
    """The checkpoint origin of a log: its submission prefix without scheme or trailing ``/``."""
    return submission_url.split("://", 1)[-1].rstrip("/")


async def fetch_head(client: CTClient) -> TreeHead:
    """The log's checkpoint (size and root hash), its signature by the log checked when the
    log list gives the key."""
    body = await client.get_ok(f"{client.log.url}checkpoint", "text/plain", MAX_HEAD_BYTES)
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


async def _tile(client: CTClient, url: str, full_url: str, width: int, max_bytes: int) -> bytes:
    """A tile's bytes: ``url``, or ``full_url`` when a partial tile answers 404 (the log has
    replaced it by the full tile; its first ``width`` entries are the partial tile's)."""
    reply = await client.get(url, TILE_ACCEPT, max_bytes)
    if reply.status == 404 and width < TILE_WIDTH:
        return await client.get_ok(full_url, TILE_ACCEPT, max_bytes)
    if reply.status != 200:
        raise client.error(f"GET {url} answered HTTP {reply.status}")
    return reply.body


class TileProofs:
    """The Merkle tree tiles of one checkpoint, each proven before use (one per poll).

    A tile at level ``L`` holds the tree's nodes at level ``8 L``; tile ``N`` holds nodes
    ``256 N`` to ``256 N + 255``. The rightmost tile of each level is partial when the node count
    is not a multiple of 256: those tiles are read first (:meth:`check_root`) and the
    checkpoint's root is computed from them (each binary digit of the tree size is one complete
    subtree, :func:`~typorisk.watch.merkle.tree_pieces`, whose nodes all lie in the partial tile
    of its level). A full tile is proven by its parent: the root of its 256 hashes must be the
    node the tile above holds for it. Tiles are fetched once per poll.
    """

    def __init__(self, client: CTClient, head: TreeHead) -> None:
        self.client = client
        self.head = head
        self.proven: dict[tuple[int, int], list[bytes]] = {}
        """(level, tile) → its hashes, once proven against ``head``."""
        self.checked = False

    def _width(self, level: int, tile: int) -> int:
        return min(TILE_WIDTH, (self.head.size >> (8 * level)) - tile * TILE_WIDTH)

    async def _fetch(self, level: int, tile: int, width: int) -> list[bytes]:
        prefix = self.client.log.url
        body = await _tile(
            self.client,
            hash_tile_url(prefix, level, tile, width),
            hash_tile_url(prefix, level, tile),
            width,
            HASH_TILE_BYTES,
        )
        if len(body) not in (width * HASH_BYTES, HASH_TILE_BYTES):
            raise self.client.error(
                f"hash tile {level}/{tile} has {len(body)} bytes, not {width} hashes"
            )
        return [body[k : k + HASH_BYTES] for k in range(0, width * HASH_BYTES, HASH_BYTES)]

    async def check_root(self) -> None:
        """Read the partial tiles and check that they give the checkpoint's root hash."""
        if self.checked:
            return
        size, level = self.head.size, 0
        while size >> (8 * level):
            count = size >> (8 * level)
            if count % TILE_WIDTH:
                tile = count // TILE_WIDTH
                self.proven[level, tile] = await self._fetch(level, tile, count % TILE_WIDTH)
            level += 1
        pieces = [await self.node(height, index) for height, index in tree_pieces(size)]
        if fold(pieces) != self.head.root_hash:
            self.proven.clear()
            raise self.client.error(
                f"the Merkle tree tiles do not give the root hash of the checkpoint of size "
                f"{size:,} (the log serves a tree other than the one it signed)"
            )
        self.checked = True

    async def tile(self, level: int, tile: int) -> list[bytes]:
        """The proven hashes of a tile (partial tiles were proven by :meth:`check_root`)."""
        if (level, tile) in self.proven:
            return self.proven[level, tile]
        if self._width(level, tile) != TILE_WIDTH:
            raise self.client.error(f"no tile {level}/{tile} in a tree of {self.head.size:,}")
        hashes = await self._fetch(level, tile, TILE_WIDTH)
        parent = await self.tile(level + 1, tile // TILE_WIDTH)
        if parent[tile % TILE_WIDTH] != complete_root(hashes):
            raise self.client.error(
                f"hash tile {level}/{tile} does not chain to the checkpoint of size "
                f"{self.head.size:,} (the log serves a tree other than the one it signed)"
            )
        self.proven[level, tile] = hashes
        return hashes

    async def node(self, height: int, index: int) -> bytes:
        """The tree's node at level ``height`` (a complete subtree of ``2**height`` leaves),
        index ``index``, from proven tiles."""
        level, rest = divmod(height, 8)
        first = index << rest
        hashes = await self.tile(level, first // TILE_WIDTH)
        offset = first % TILE_WIDTH
        if offset + (1 << rest) > len(hashes):
            raise self.client.error(f"node {height}/{index} is not in the tree")
        return complete_root(hashes[offset : offset + (1 << rest)])

    async def check_data(self, tile: int, leaves: list[bytes]) -> None:
        """Check that ``leaves`` (the leaf hashes of data tile ``tile``, all its entries) are
        the tree's level-0 nodes there. Raises CTLogError when they are not."""
        await self.check_root()
        if len(leaves) == TILE_WIDTH:
            ok = (await self.tile(1, tile // TILE_WIDTH))[tile % TILE_WIDTH] == complete_root(
                leaves
            )
        else:
            ok = await self.tile(0, tile) == leaves
        if not ok:
            raise self.client.error(
                f"data tile {tile} holds entries that are not in the tree of the checkpoint of "
                f"size {self.head.size:,} (the log serves entries outside the tree it signed)"
            )

    async def check_extends(self, before: CTState) -> None:
        """Check that the checkpoint's tree extends the tree of ``before`` (its root
        recomputed from this tree's tiles). Raises CTLogError on a fork."""
        if not before.root_hash or before.tree_size == 0:
            return
        if before.tree_size == self.head.size:
            same = before.root_hash == self.head.root_hash
        else:
            await self.check_root()
            pieces = [await self.node(h, i) for h, i in tree_pieces(before.tree_size)]
            same = fold(pieces) == before.root_hash
        if not same:
            raise self.client.error(
                f"the tree of {self.head.size:,} entries does not extend the tree of "
                f"{before.tree_size:,} read before (a fork: the log rewrote its history)"
            )


async def fetch_batch(
    client: CTClient, start: int, end: int, proofs: TileProofs
) -> tuple[int, BatchBuilder]:
    """Read the tile holding entry ``start``, prove it against the checkpoint, and decode its
    entries in ``[start, end)``. Returns the next index and the batch. Raises CTLogError when
    the tile cannot be had, does not parse, or is not in the signed tree."""
    tree_size = proofs.head.size
    tile = start // TILE_WIDTH
    first = tile * TILE_WIDTH
    width = min(TILE_WIDTH, tree_size - first)
    stop = min(end, first + width)
    url = data_tile_url(client.log.url, tile, width)
    full = data_tile_url(client.log.url, tile)
    reader = TLSReader(await _tile(client, url, full, width, MAX_RESPONSE_BYTES))
    leaves: list[bytes] = []
    builder = BatchBuilder()
    for index in range(first, first + width):
        try:
            leaf, merkle_leaf = read_tile_entry(reader, client.max_entry_bytes)
        except ValueError as exc:
            raise client.error(
                f"data tile {tile} entry {index - first} is malformed ({str(exc)[:100]}): "
                "the tile cannot be checked against the checkpoint"
            ) from exc
        leaves.append(leaf_hash(merkle_leaf))
        if start <= index < stop:
            builder.add(index, leaf)
    await proofs.check_data(tile, leaves)
    return stop, builder
