"""A Certificate Transparency log for the tests: real X.509 certificates and precertificates
(made with ``cryptography``, precertificates with the CT poison extension), served through both
read APIs by one aiohttp server on 127.0.0.1.

- RFC 6962 under ``/rfc/``: ``ct/v1/get-sth`` (a real Merkle Tree Hash, ECDSA-signed tree head)
  and ``ct/v1/get-entries`` (``leaf_input`` = ``MerkleTreeLeaf``, ``extra_data`` = the chain, or
  the ``PrecertChainEntry`` for precerts), pages capped at ``page`` entries like real logs.
- static-ct-api under ``/static/``: ``checkpoint`` (a signed note whose signature is an
  ``RFC6962NoteSignature``) and data tiles ``tile/data/<N>[.p/<W>]`` of ``TileLeaf`` entries
  with the ``leaf_index`` extension, gzip-encoded like real logs.

- Proofs: ``ct/v1/get-sth-consistency`` and ``ct/v1/get-proof-by-hash`` (RFC 6962), Merkle tree
  tiles ``tile/<L>/<N>[.p/<W>]`` (static), all computed here from the RFC's recursive
  definitions (:func:`mth`, :func:`audit_path`, :func:`consistency_proof`), independently of
  the reader's :mod:`typorisk.watch.merkle`.

Knobs a test turns: ``size`` (the published tree size: lower it and the tree shrank),
``fail_after`` (answer that many requests, then drop every connection: the log went down),
``serve_partial`` (False: partial tiles answer 404), ``broken_tiles`` (tiles served cut short),
``forge_signature`` (tree heads signed over another size), ``throttle_every`` (429s),
``hostile`` (route name → the raw body served instead: ``get-sth``, ``get-entries``,
``checkpoint``, ``data-tile``, ``hash-tile``, ``proof``, ``consistency``), ``forged`` (index →
an entry served in its place while tree heads, proofs and hash tiles stay those of the corpus:
an entry outside the signed tree), ``corpus`` (replace it between runs: a fork).
"""

from __future__ import annotations

import asyncio
import base64
import datetime
import gzip
import hashlib
import json
import random
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ORIGIN_HOST = "127.0.0.1"
EPOCH = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
TLS_SHA256, TLS_ECDSA = 4, 3


def u(n: int, width: int) -> bytes:
    return n.to_bytes(width, "big")


def vec(data: bytes, prefix: int) -> bytes:
    return u(len(data), prefix) + data


class CertFactory:
    """Signs leaf certificates and precertificates under one test CA (EC P-256 keys)."""

    def __init__(self) -> None:
        self.ca_key = ec.generate_private_key(ec.SECP256R1())
        self.ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "typorisk test CA")])
        self.leaf_key = ec.generate_private_key(ec.SECP256R1())
        now = EPOCH
        self.ca = (
            x509.CertificateBuilder()
            .subject_name(self.ca_name)
            .issuer_name(self.ca_name)
            .public_key(self.ca_key.public_key())
            .serial_number(1)
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.ca_key, hashes.SHA256())
        )
        self.ca_der = self.ca.public_bytes(serialization.Encoding.DER)
        spki = self.ca_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.issuer_key_hash = hashlib.sha256(spki).digest()

    def _builder(self, serial: int, cn: str | None, sans: list[str]) -> x509.CertificateBuilder:
        subject = [x509.NameAttribute(NameOID.COMMON_NAME, cn)] if cn else []
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name(subject))
            .issuer_name(self.ca_name)
            .public_key(self.leaf_key.public_key())
            .serial_number(serial)
            .not_valid_before(EPOCH)
            .not_valid_after(EPOCH + datetime.timedelta(days=90))
        )
        if sans:
            general = [x509.DNSName(n) for n in sans]
            builder = builder.add_extension(x509.SubjectAlternativeName(general), critical=False)
        return builder

    def certificate(self, serial: int, cn: str | None, sans: list[str]) -> bytes:
        """A signed leaf certificate (DER)."""
        cert = self._builder(serial, cn, sans).sign(self.ca_key, hashes.SHA256())
        return cert.public_bytes(serialization.Encoding.DER)

    def precertificate(self, serial: int, cn: str | None, sans: list[str]) -> tuple[bytes, bytes]:
        """(the precertificate with the poison extension, DER; the TBSCertificate a log puts
        in its leaf: the same certificate without the poison, RFC 6962 §3.2)."""
        builder = self._builder(serial, cn, sans)
        pre = builder.add_extension(x509.PrecertPoison(), critical=True).sign(
            self.ca_key, hashes.SHA256()
        )
        final = builder.sign(self.ca_key, hashes.SHA256())
        return pre.public_bytes(serialization.Encoding.DER), final.tbs_certificate_bytes


@dataclass
class Logged:
    """One log entry in every encoding the two APIs serve."""

    leaf_input: bytes
    extra_data: bytes
    tile_leaf: bytes
    static_leaf: bytes = b""
    """The ``MerkleTreeLeaf`` of the static face (its ``TimestampedEntry`` carries the
    ``leaf_index`` extension, so it differs from ``leaf_input``)."""


def timestamped_entry(timestamp: int, precert: bool, der: bytes, ikh: bytes, ext: bytes) -> bytes:
    signed = (ikh + vec(der, 3)) if precert else vec(der, 3)
    return u(timestamp, 8) + u(1 if precert else 0, 2) + signed + vec(ext, 2)


def log_entry(
    index: int, cert: bytes, *, tbs: bytes | None, factory: CertFactory, timestamp: int
) -> Logged:
    """Encode a certificate (``tbs`` None) or a precertificate ``cert`` with its ``tbs``."""
    precert = tbs is not None
    der = tbs if tbs is not None else cert
    ikh = factory.issuer_key_hash if precert else b""
    leaf = b"\x00\x00" + timestamped_entry(timestamp, precert, der, ikh, b"")
    chain = vec(vec(factory.ca_der, 3), 3)
    extra = (vec(cert, 3) + chain) if precert else chain
    leaf_index = b"\x00" + vec(u(index, 5), 2)  # static-ct-api leaf_index extension
    entry = timestamped_entry(timestamp, precert, der, ikh, leaf_index)
    tile = entry + (vec(cert, 3) if precert else b"")
    tile += vec(hashlib.sha256(factory.ca_der).digest(), 2)
    return Logged(leaf, extra, tile, b"\x00\x00" + entry)


def garbage_entry(index: int, factory: CertFactory, timestamp: int) -> Logged:
    """An entry whose TLS framing is intact but whose certificate is not DER."""
    junk = b"\x30\x82not a certificate"
    return log_entry(index, junk, tbs=None, factory=factory, timestamp=timestamp)


@dataclass
class Corpus:
    """What the log holds and what a reader must find in it (the ground truth)."""

    entries: list[Logged] = field(default_factory=list)
    names: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Index → the names a correct reader extracts (A-labels, SAN order then CN)."""
    precerts: set[int] = field(default_factory=set)
    bad: set[int] = field(default_factory=set)
    """Entries that cannot be parsed (counted as unparsable)."""
    oversized: set[int] = field(default_factory=set)
    invalid_names: int = 0
    """CNs that are not host names ("Example Corp")."""


PLANTED = (
    "paypa1-login.com",
    "xn--pypal-4ve.com",  # pаypal with a Cyrillic а, as an A-label
    "secure-paypal.net",
    "paypalcom.net",
    "examp1e-bank.com",
    "login-examplebank.info",
)


def make_corpus(
    n: int,
    *,
    seed: int = 18,
    planted: tuple[str, ...] = PLANTED,
    bad: tuple[int, ...] = (),
    oversized: tuple[int, ...] = (),
) -> Corpus:
    """``n`` entries, every third a precertificate, 1-4 benign SANs each (sometimes a wildcard,
    sometimes a CN that is not a host name); the ``planted`` look-alikes spread among them as
    extra SANs; ``bad`` entries not DER; ``oversized`` entries with 12,000 SANs (~300 KiB)."""
    rng = random.Random(seed)
    factory = CertFactory()
    corpus = Corpus()
    spots = {rng.randrange(n): name for name in planted}
    while len(spots) < len(planted):  # two names drew one index
        spots[rng.randrange(n)] = planted[len(spots)]
    for i in range(n):
        timestamp = int(EPOCH.timestamp() * 1000) + i
        if i in bad:
            corpus.entries.append(garbage_entry(i, factory, timestamp))
            corpus.bad.add(i)
            continue
        count = rng.randint(1, 4)
        sans = [f"h{i}-{k}.benign{rng.randrange(500)}.example.org" for k in range(count)]
        if i % 7 == 0:
            sans.append(f"*.wild{i}.example.net")
        if i in spots:
            sans.insert(rng.randrange(len(sans) + 1), spots[i])
        if i in oversized:
            sans = [f"n{k}.oversized{i}.example.com" for k in range(12_000)]
        cn = "Example Corp" if i % 11 == 0 else sans[0]
        expected = [s.removeprefix("*.") for s in sans]
        if cn == "Example Corp":
            corpus.invalid_names += 1
        elif cn.removeprefix("*.") not in expected:
            expected.append(cn.removeprefix("*."))
        if i % 3 == 0:
            pre, tbs = factory.precertificate(1000 + i, cn, sans)
            corpus.entries.append(log_entry(i, pre, tbs=tbs, factory=factory, timestamp=timestamp))
            corpus.precerts.add(i)
        else:
            der = factory.certificate(1000 + i, cn, sans)
            corpus.entries.append(log_entry(i, der, tbs=None, factory=factory, timestamp=timestamp))
        if i in oversized:
            corpus.oversized.add(i)
            corpus.bad.add(i)
            if cn == "Example Corp":
                corpus.invalid_names -= 1
            continue
        corpus.names[i] = tuple(dict.fromkeys(expected))
    return corpus


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash of the leaf inputs."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    hashes_ = [hashlib.sha256(b"\x00" + leaf).digest() for leaf in leaves]
    while len(hashes_) > 1:  # pairwise; an odd last node is promoted, as in §2.1's split
        nxt = [
            hashlib.sha256(b"\x01" + hashes_[k] + hashes_[k + 1]).digest()
            for k in range(0, len(hashes_) - 1, 2)
        ]
        if len(hashes_) % 2:
            nxt.append(hashes_[-1])
        hashes_ = nxt
    return hashes_[0]


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 MTH over leaf hashes, by its recursive definition."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = _split(len(hashes))
    return _node(mth(hashes[:k]), mth(hashes[k:]))


def audit_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]) over leaf hashes."""
    if len(hashes) <= 1:
        return []
    k = _split(len(hashes))
    if m < k:
        return [*audit_path(m, hashes[:k]), mth(hashes[k:])]
    return [*audit_path(m - k, hashes[k:]), mth(hashes[:k])]


def consistency_proof(m: int, hashes: list[bytes], complete: bool = True) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[n], b) over leaf hashes (PROOF with b true)."""
    n = len(hashes)
    if m == n:
        return [] if complete else [mth(hashes)]
    k = _split(n)
    if m <= k:
        return [*consistency_proof(m, hashes[:k], complete), mth(hashes[k:])]
    return [*consistency_proof(m - k, hashes[k:], False), mth(hashes[:k])]


def tile_index(path: str) -> int:
    """Inverse of the static-ct-api tile path encoding (``x001/x234/067`` → 1234067)."""
    parts = path.split("/")
    if not all(p.startswith("x") for p in parts[:-1]) or parts[-1].startswith("x"):
        raise ValueError(path)
    digits = [p.removeprefix("x") for p in parts]
    if not all(len(d) == 3 and d.isdigit() for d in digits):
        raise ValueError(path)
    return int("".join(digits))


class CTLogServer:
    """Serves a :class:`Corpus` through both APIs (see the module docstring)."""

    def __init__(self, corpus: Corpus, *, size: int | None = None, page: int = 100) -> None:
        self.corpus = corpus
        self.size = len(corpus.entries) if size is None else size
        self.page = page
        self.fail_after: int | None = None
        self.serve_partial = True
        self.broken_tiles: set[int] = set()
        self.forge_signature = False
        self.throttle_every = 0
        """Answer every n-th request with 429 and ``Retry-After: 0.2`` (0: never)."""
        self.hostile: dict[str, bytes] = {}
        self.forged: dict[int, Logged] = {}
        self._hashes: dict[tuple[int, str], list[bytes]] = {}
        self.requests: list[str] = []
        self.log_key = ec.generate_private_key(ec.SECP256R1())
        spki = self.log_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.log_id = hashlib.sha256(spki).digest()
        self.key_b64 = base64.b64encode(spki).decode()
        self.runner: web.AppRunner | None = None
        self.base = ""

    @property
    def rfc_url(self) -> str:
        return f"{self.base}/rfc/"

    @property
    def static_url(self) -> str:
        return f"{self.base}/static/"

    @property
    def submission_url(self) -> str:
        return f"{self.base}/submit/"

    def origin(self) -> str:
        return self.submission_url.split("://", 1)[1].rstrip("/")

    @web.middleware
    async def _gate(self, request: web.Request, handler: web.RequestHandler) -> web.StreamResponse:
        self.requests.append(request.path_qs)
        if self.fail_after is not None and len(self.requests) > self.fail_after:
            assert request.transport is not None
            request.transport.close()  # the log is down: the connection drops, no answer
            raise web.HTTPServiceUnavailable()
        if self.throttle_every and len(self.requests) % self.throttle_every == 0:
            return web.Response(status=429, headers={"Retry-After": "0.2"})
        return await handler(request)

    def leaf_hashes(self, face: str) -> list[bytes]:
        """The leaf hashes of the whole corpus for ``face`` (``rfc`` or ``static``)."""
        key = (id(self.corpus), face)
        if key not in self._hashes:
            leaves = [e.leaf_input if face == "rfc" else e.static_leaf for e in self.corpus.entries]
            self._hashes[key] = [leaf_hash(leaf) for leaf in leaves]
        return self._hashes[key]

    def root(self, api: str) -> bytes:
        """The root hash the log signs now for ``api`` (``rfc6962`` or ``static``)."""
        return self._tree_head("rfc" if api == "rfc6962" else "static")[1]

    def served(self, index: int) -> Logged:
        return self.forged.get(index, self.corpus.entries[index])

    def _hostile(self, route: str) -> web.Response | None:
        if route in self.hostile:
            return web.Response(body=self.hostile[route], content_type="application/json")
        return None

    def _tree_head(self, face: str = "rfc") -> tuple[int, bytes, bytes]:
        """(timestamp ms, root hash, DigitallySigned TreeHeadSignature)."""
        size = self.size
        if face == "rfc":
            root = merkle_root([e.leaf_input for e in self.corpus.entries[:size]])
        else:
            root = merkle_root([e.static_leaf for e in self.corpus.entries[:size]])
        timestamp = int(EPOCH.timestamp() * 1000) + 10_000_000 + size
        signed = b"\x00\x01" + u(timestamp, 8) + u(size + self.forge_signature, 8) + root
        signature = self.log_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return timestamp, root, bytes((TLS_SHA256, TLS_ECDSA)) + vec(signature, 2)

    async def get_sth(self, request: web.Request) -> web.Response:
        if hostile := self._hostile("get-sth"):
            return hostile
        timestamp, root, sig = self._tree_head()
        return web.json_response(
            {
                "tree_size": self.size,
                "timestamp": timestamp,
                "sha256_root_hash": base64.b64encode(root).decode(),
                "tree_head_signature": base64.b64encode(sig).decode(),
            }
        )

    async def get_entries(self, request: web.Request) -> web.Response:
        try:
            start, end = int(request.query["start"]), int(request.query["end"])
        except (KeyError, ValueError):
            return web.json_response({"error": "start and end are required"}, status=400)
        if start < 0 or end < start or start >= self.size:
            return web.json_response({"error": "bad range"}, status=400)
        if hostile := self._hostile("get-entries"):
            return hostile
        end = min(end, self.size - 1, start + self.page - 1)
        return web.json_response(
            {
                "entries": [
                    {
                        "leaf_input": base64.b64encode(self.served(i).leaf_input).decode(),
                        "extra_data": base64.b64encode(self.served(i).extra_data).decode(),
                    }
                    for i in range(start, end + 1)
                ]
            }
        )

    async def get_proof_by_hash(self, request: web.Request) -> web.Response:
        if hostile := self._hostile("proof"):
            return hostile
        try:
            wanted = base64.b64decode(request.query["hash"], validate=True)
            size = int(request.query["tree_size"])
        except (KeyError, ValueError):
            return web.json_response({"error": "hash and tree_size are required"}, status=400)
        hashes = self.leaf_hashes("rfc")[: min(size, self.size)]
        if wanted not in hashes:
            return web.json_response({"error": "no such leaf"}, status=400)
        index = hashes.index(wanted)
        path = [base64.b64encode(h).decode() for h in audit_path(index, hashes)]
        return web.json_response({"leaf_index": index, "audit_path": path})

    async def get_sth_consistency(self, request: web.Request) -> web.Response:
        if hostile := self._hostile("consistency"):
            return hostile
        try:
            first, second = int(request.query["first"]), int(request.query["second"])
        except (KeyError, ValueError):
            return web.json_response({"error": "first and second are required"}, status=400)
        if not 0 < first <= second <= self.size:
            return web.json_response({"error": "bad range"}, status=400)
        proof = consistency_proof(first, self.leaf_hashes("rfc")[:second])
        return web.json_response({"consistency": [base64.b64encode(h).decode() for h in proof]})

    async def checkpoint(self, request: web.Request) -> web.Response:
        if hostile := self._hostile("checkpoint"):
            return hostile
        timestamp, root, sig = self._tree_head("static")
        origin = self.origin()
        body = f"{origin}\n{self.size}\n{base64.b64encode(root).decode()}\n"
        key_id = hashlib.sha256(origin.encode() + b"\n\x05" + self.log_id).digest()[:4]
        note_sig = base64.b64encode(key_id + u(timestamp, 8) + sig).decode()
        return web.Response(
            text=f"{body}\n\u2014 {origin} {note_sig}\n", content_type="text/plain", charset="utf-8"
        )

    @staticmethod
    def _tile_path(path: str) -> tuple[int, int]:
        """(tile index, width) of ``x001/234[.p/W]``; 404 when malformed."""
        width = 256
        if ".p/" in path:
            path, _, w = path.partition(".p/")
            if not w.isdigit() or not 1 <= int(w) <= 255 or w != str(int(w)):
                raise web.HTTPNotFound()
            width = int(w)
        try:
            return tile_index(path), width
        except ValueError as exc:
            raise web.HTTPNotFound() from exc

    def level_hashes(self, height: int) -> list[bytes]:
        """The complete nodes at level ``height`` of the tree of the whole corpus (those of a
        smaller tree are its first ``size >> height``: the log only grows)."""
        key = (id(self.corpus), f"level{height}")
        if key not in self._hashes:
            nodes = self.leaf_hashes("static")
            for _ in range(height):
                nodes = [_node(nodes[k], nodes[k + 1]) for k in range(0, len(nodes) - 1, 2)]
            self._hashes[key] = nodes
        return self._hashes[key]

    async def hash_tile(self, request: web.Request) -> web.Response:
        if hostile := self._hostile("hash-tile"):
            return hostile
        level = int(request.match_info["level"])
        tile, width = self._tile_path(request.match_info["path"])
        nodes = self.level_hashes(8 * level)
        first = tile * 256
        if width < 256 and first + width > self.size >> 8 * level:
            raise web.HTTPNotFound()
        if width < 256 and not self.serve_partial and first + 256 <= len(nodes):
            raise web.HTTPNotFound()  # the full tile exists: the partial one was deleted
        if first + width > len(nodes):
            raise web.HTTPNotFound()
        return web.Response(body=b"".join(nodes[first : first + width]))

    async def data_tile(self, request: web.Request) -> web.Response:
        if hostile := self._hostile("data-tile"):
            return hostile
        tile, width = self._tile_path(request.match_info["path"])
        first = tile * 256
        if width < 256:
            if not self.serve_partial or first + width > self.size:
                raise web.HTTPNotFound()
        elif first + 256 > len(self.corpus.entries):
            raise web.HTTPNotFound()
        body = b"".join(self.served(i).tile_leaf for i in range(first, first + width))
        if tile in self.broken_tiles:
            body = body[: len(body) // 3] + b"\xff" * 7  # cut inside an entry
        return web.Response(
            body=gzip.compress(body, 1),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/octet-stream"},
        )

    async def start(self) -> str:
        app = web.Application(middlewares=[self._gate])
        app.router.add_get("/rfc/ct/v1/get-sth", self.get_sth)
        app.router.add_get("/rfc/ct/v1/get-entries", self.get_entries)
        app.router.add_get("/static/checkpoint", self.checkpoint)
        app.router.add_get("/rfc/ct/v1/get-proof-by-hash", self.get_proof_by_hash)
        app.router.add_get("/rfc/ct/v1/get-sth-consistency", self.get_sth_consistency)
        app.router.add_get("/static/tile/data/{path:.+}", self.data_tile)
        app.router.add_get(r"/static/tile/{level:\d+}/{path:.+}", self.hash_tile)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, ORIGIN_HOST, 0)
        await site.start()
        port = self.runner.addresses[0][1]
        self.base = f"http://{ORIGIN_HOST}:{port}"
        return self.base

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    def log_list(self) -> dict[str, object]:
        """A log_list.json v3 document naming this server's two faces."""
        return {
            "version": "test",
            "log_list_timestamp": "2026-11-30T00:00:00Z",
            "operators": [
                {
                    "name": "typorisk tests",
                    "email": ["tests@invalid"],
                    "logs": [
                        {
                            "description": "test log (RFC 6962)",
                            "log_id": base64.b64encode(self.log_id).decode(),
                            "key": self.key_b64,
                            "url": self.rfc_url,
                            "mmd": 86400,
                            "state": {"usable": {"timestamp": "2026-11-01T00:00:00Z"}},
                        }
                    ],
                    "tiled_logs": [
                        {
                            "description": "test log (static)",
                            "log_id": base64.b64encode(self.log_id).decode(),
                            "key": self.key_b64,
                            "submission_url": self.submission_url,
                            "monitoring_url": self.static_url,
                            "mmd": 60,
                            "state": {"qualified": {"timestamp": "2026-11-01T00:00:00Z"}},
                        }
                    ],
                }
            ],
        }


@contextmanager
def serve_in_thread(server: CTLogServer) -> Iterator[CTLogServer]:
    """Run ``server`` on its own event loop in a thread (for tests that poll from a
    subprocess); stopped and joined on exit."""
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.start())
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the CT log server did not start")
    try:
        yield server
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def dump_log_list(server: CTLogServer) -> str:
    return json.dumps(server.log_list())
