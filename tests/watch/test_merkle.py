"""RFC 6962 Merkle hashing and proofs (typorisk.watch.merkle) against the RFC's reference tree
and against a naive recursive implementation of its definitions (tests/watch/ctlog_server.py)."""

from __future__ import annotations

import pytest

from typorisk.watch.merkle import (
    EMPTY_ROOT,
    leaf_hash,
    root_of,
    verify_consistency,
    verify_inclusion,
)

from .ctlog_server import audit_path, consistency_proof, mth

# The reference leaves and roots of the RFC 6962 test vectors (certificate-transparency and
# transparency-dev test suites): the root of the first n leaves for n = 0..8.
LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243",
          "5051525354555657", "606162636465666768696a6b6c6d6e6f")]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION_0_OF_8 = [
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
]


def hashes(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_the_rfc_6962_reference_roots() -> None:
    assert EMPTY_ROOT.hex() == ROOTS[0]
    leaf_hashes = [leaf_hash(leaf) for leaf in LEAVES]
    for n in range(len(LEAVES) + 1):
        assert root_of(leaf_hashes[:n]).hex() == ROOTS[n]
        assert mth(leaf_hashes[:n]).hex() == ROOTS[n]  # the naive reference agrees


def test_the_reference_inclusion_proof() -> None:
    leaf_hashes = [leaf_hash(leaf) for leaf in LEAVES]
    path = [bytes.fromhex(h) for h in INCLUSION_0_OF_8]
    assert audit_path(0, leaf_hashes) == path
    verify_inclusion(0, 8, leaf_hashes[0], path, bytes.fromhex(ROOTS[8]))
    with pytest.raises(ValueError, match="not in the tree"):
        verify_inclusion(0, 8, leaf_hashes[1], path, bytes.fromhex(ROOTS[8]))


def test_roots_of_every_shape_match_the_recursive_definition() -> None:
    leaves = hashes(1100)
    for n in [*range(0, 70), 255, 256, 257, 511, 512, 513, 768, 1023, 1024, 1025, 1100]:
        assert root_of(leaves[:n]) == mth(leaves[:n]), n


def test_every_inclusion_proof_verifies_and_every_tampering_fails() -> None:
    for size in range(1, 41):
        leaves = hashes(size)
        root = mth(leaves)
        for index in range(size):
            path = audit_path(index, leaves)
            verify_inclusion(index, size, leaves[index], path, root)
            wrong_cases = [
                (index, size, leaf_hash(b"other"), path),
                (index, size, leaves[index], [*path, root]),
            ]
            if path:
                wrong_cases.append((index, size, leaves[index], path[:-1]))
                wrong_cases.append((index, size, leaves[index], [leaf_hash(b"x"), *path[1:]]))
            if size > 1:
                wrong_cases.append(((index + 1) % size, size, leaves[index], path))
            for wrong in wrong_cases:
                with pytest.raises(ValueError):
                    verify_inclusion(*wrong, root)
        with pytest.raises(ValueError, match="outside"):
            verify_inclusion(size, size, leaves[0], [], root)


def test_every_consistency_proof_verifies_and_every_tampering_fails() -> None:
    for second in range(1, 41):
        leaves = hashes(second)
        root2 = mth(leaves)
        for first in range(1, second + 1):
            root1 = mth(leaves[:first])
            proof = consistency_proof(first, leaves)
            verify_consistency(first, second, root1, root2, proof)
            bad = leaf_hash(b"forked")
            wrong_cases = [
                (first, second, bad, root2, proof),
                (first, second, root1, bad, proof),
            ]
            if proof:
                wrong_cases.append((first, second, root1, root2, proof[:-1]))
                wrong_cases.append((first, second, root1, root2, [*proof, bad]))
                wrong_cases.append((first, second, root1, root2, [bad, *proof[1:]]))
            for wrong in wrong_cases:
                with pytest.raises(ValueError):
                    verify_consistency(*wrong)
    verify_consistency(0, 5, b"", mth(hashes(5)), [])  # the empty tree is extended by all


def test_proofs_of_the_wrong_form_are_refused_before_hashing() -> None:
    leaves = hashes(8)
    with pytest.raises(ValueError, match="at most 64"):
        verify_inclusion(0, 8, leaves[0], [leaves[1]] * 65, mth(leaves))
    with pytest.raises(ValueError, match="not 32 bytes"):
        verify_inclusion(0, 8, leaves[0], [b"short"], mth(leaves))
    with pytest.raises(ValueError, match="empty consistency proof"):
        verify_consistency(4, 8, mth(leaves[:4]), mth(leaves), [])
    with pytest.raises(ValueError, match="fork"):
        verify_consistency(8, 8, mth(leaves), leaf_hash(b"x"), [])
