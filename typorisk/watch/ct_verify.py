"""Tree head signatures, checked with the log's public key from the log list (``cryptography``).

RFC 6962 §3.5: a ``get-sth`` answer's ``tree_head_signature`` is a TLS ``DigitallySigned`` over
``TreeHeadSignature`` (ECDSA P-256 or RSA PKCS#1 v1.5, SHA-256). static-ct-api: the checkpoint's
note signature by the log carries the same ``DigitallySigned`` and the timestamp. A log whose
list entry has no ``key`` is read unverified (the shipped snapshot has 44 of its 48 keys, see
``SOURCES.md``; ``typorisk update-data --only ct`` brings them all).
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from typorisk.watch.ct_tls import TreeHead, split_digitally_signed, tree_head_input

TLS_SHA256, TLS_RSA, TLS_ECDSA = 4, 1, 3


def _key(key_b64: str) -> tuple[bytes, ec.EllipticCurvePublicKey | rsa.RSAPublicKey]:
    try:
        der = base64.b64decode(key_b64, validate=True)
        key = serialization.load_der_public_key(der)
    except (binascii.Error, ValueError, UnsupportedAlgorithm) as exc:
        raise ValueError(f"the log list's key does not load: {exc}") from exc
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        raise ValueError(f"a CT log key must be ECDSA or RSA, not {type(key).__name__}")
    return der, key


def log_id(key_b64: str) -> bytes:
    """The RFC 6962 LogID: SHA-256 of the DER SubjectPublicKeyInfo."""
    return hashlib.sha256(_key(key_b64)[0]).digest()


def verify_tree_head(key_b64: str, head: TreeHead, timestamp: int, signed: bytes) -> None:
    """Check ``signed`` (a ``DigitallySigned``) over ``head`` at ``timestamp`` (ms).
    Raises ValueError saying why it does not verify."""
    _, key = _key(key_b64)
    hash_alg, sig_alg, signature = split_digitally_signed(signed)
    if hash_alg != TLS_SHA256:
        raise ValueError(f"tree head signed with hash algorithm {hash_alg}, not SHA-256")
    data = tree_head_input(timestamp, head.size, head.root_hash)
    try:
        if isinstance(key, ec.EllipticCurvePublicKey) and sig_alg == TLS_ECDSA:
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(key, rsa.RSAPublicKey) and sig_alg == TLS_RSA:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise ValueError(f"signature algorithm {sig_alg} does not match the log's key")
    except InvalidSignature as exc:
        raise ValueError("the tree head signature does not verify with the log's key") from exc
