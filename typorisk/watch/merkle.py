"""RFC 6962 Merkle tree hashing and proof verification (pure, no I/O).

Hashing (RFC 6962 §2.1): a leaf hash is ``SHA-256(0x00 || leaf)``, an interior node
``SHA-256(0x01 || left || right)``; the tree of ``n`` leaves splits at the largest power of two
below ``n``, so its root is the right fold of the roots of the complete subtrees that the binary
digits of ``n`` describe (:func:`tree_pieces`). Every hash is 32 bytes.

Verification follows RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), the iterative
forms of RFC 6962 §2.1.1-2.1.2: nothing recurses, and a proof longer than 64 hashes is refused
before any hashing. Failures raise :class:`ValueError` saying what did not hold.

Hand-rolled (about 100 lines) because no maintained Python package for CT proofs is installed or
current; the tests check it against the RFC 6962 reference roots and a naive recursive
implementation of the RFC's definitions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

HASH_BYTES = 32
MAX_PROOF = 64
"""Hashes in a proof, at most: a tree of 2^64 leaves needs 64."""
EMPTY_ROOT = hashlib.sha256(b"").digest()
"""The root of the empty tree."""


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``: the hash of a ``MerkleTreeLeaf``."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def tree_pieces(size: int) -> list[tuple[int, int]]:
    """The complete subtrees whose right fold is the root of a tree of ``size`` leaves, left
    to right, as ``(level, index)``: the subtree of ``2**level`` leaves starting at leaf
    ``index * 2**level``. One per binary digit 1 of ``size``."""
    levels = reversed(range(size.bit_length()))
    return [(level, (size >> level) - 1) for level in levels if size >> level & 1]


def fold(pieces: Sequence[bytes]) -> bytes:
    """The root from the hashes of :func:`tree_pieces` (in that order); the empty root for none."""
    if not pieces:
        return EMPTY_ROOT
    root = pieces[-1]
    for piece in reversed(pieces[:-1]):
        root = node_hash(piece, root)
    return root


def complete_root(hashes: Sequence[bytes]) -> bytes:
    """The root of a complete subtree over ``hashes`` (a power of two of them, at least one)."""
    count = len(hashes)
    if count == 0 or count & (count - 1):
        raise ValueError(f"{count} hashes do not make a complete subtree")
    level = list(hashes)
    while len(level) > 1:
        level = [node_hash(level[k], level[k + 1]) for k in range(0, len(level), 2)]
    return level[0]


def root_of(hashes: Sequence[bytes]) -> bytes:
    """The root of the tree whose leaf hashes are ``hashes`` (RFC 6962 MTH)."""
    out: list[bytes] = []
    for level, index in tree_pieces(len(hashes)):
        start = index << level
        out.append(complete_root(hashes[start : start + (1 << level)]))
    return fold(out)


def _check_hashes(proof: Sequence[bytes], what: str) -> None:
    if len(proof) > MAX_PROOF:
        raise ValueError(f"{what} of {len(proof)} hashes (at most {MAX_PROOF})")
    if any(len(h) != HASH_BYTES for h in proof):
        raise ValueError(f"{what} holds a hash that is not {HASH_BYTES} bytes")


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that the leaf hash ``leaf`` is leaf ``index`` of the tree of ``size`` leaves whose
    root is ``root`` (RFC 9162 §2.1.3.2). Raises ValueError when it is not."""
    _check_hashes(proof, "audit path")
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} outside a tree of {size} leaves")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ValueError("audit path longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("audit path shorter than the tree is deep")
    if r != root:
        raise ValueError(f"leaf {index} is not in the tree of {size} leaves it was served from")


def _trivially_consistent(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> bool:
    """True when no proof is needed (the same tree, or an empty first tree); raises
    ValueError when the sizes or the proof's form cannot be right."""
    _check_hashes(proof, "consistency proof")
    if not 0 <= size1 <= size2:
        raise ValueError(f"no consistency from {size1} to {size2} leaves")
    if size1 == size2:
        if proof or root1 != root2:
            raise ValueError(
                f"two different roots for one tree of {size1:,} entries (a fork: the log "
                "rewrote its history)"
            )
        return True
    if size1 == 0:
        return True  # every tree extends the empty one
    if not proof:
        raise ValueError("empty consistency proof")
    return False


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size2`` leaves (root ``root2``) extends the tree of ``size1``
    leaves (root ``root1``) (RFC 9162 §2.1.4.2). Raises ValueError when it does not."""
    if _trivially_consistent(size1, size2, root1, root2, proof):
        return
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ValueError("consistency proof longer than the tree is deep")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != root1 or sr != root2:
        raise ValueError(
            f"the tree of {size2:,} entries does not extend the tree of {size1:,} read before "
            "(a fork: the log rewrote its history)"
        )
