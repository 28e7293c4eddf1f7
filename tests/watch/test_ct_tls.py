"""The pure decoders of the CT reader, table-driven: tile paths, tree heads, MerkleTreeLeaf and
TileLeaf framing, and certificate names (real certificates made with cryptography)."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typorisk.watch.ct_tls import (
    TLSReader,
    data_tile_url,
    parse_checkpoint,
    parse_merkle_tree_leaf,
    parse_sth,
    precert_from_extra_data,
    read_tile_leaf,
    tile_path,
)
from typorisk.watch.ct_types import BatchBuilder
from typorisk.watch.x509names import (
    certificate_from_tbs,
    names_from_certificate,
    names_from_tbs,
    normalise_name,
)

from ..conftest import ledger_row
from .ctlog_server import CertFactory, Logged, log_entry, tile_index


@pytest.mark.parametrize(
    ("index", "path"),
    [
        (0, "000"),
        (5, "005"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),
        (10**9, "x001/x000/x000/000"),
    ],
)
def test_tile_path_encoding(index: int, path: str) -> None:
    assert tile_path(index) == path
    assert tile_index(path) == index  # the test server's inverse agrees


def test_data_tile_urls() -> None:
    assert data_tile_url("https://l/", 1234067) == "https://l/tile/data/x001/x234/067"
    assert data_tile_url("https://l/", 2, 88) == "https://l/tile/data/002.p/88"
    for width in (0, 257):
        with pytest.raises(ValueError, match="width"):
            data_tile_url("https://l/", 0, width)


ROOT = base64.b64encode(bytes(range(32))).decode()


@pytest.mark.parametrize(
    ("text", "size"),
    [
        (f"log.example/2026\n42\n{ROOT}\n\n\u2014 log.example/2026 AAAA\n", 42),
        (f"o\n0\n{ROOT}\next line\n\n\u2014 o AAAA\n\u2014 witness BBBB\n", 0),
    ],
)
def test_checkpoints_that_parse(text: str, size: int) -> None:
    assert parse_checkpoint(text).size == size


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (f"o\n42\n{ROOT}\n", "no blank line"),
        ("o\n42\n\n\u2014 o AAAA\n", "needs origin, size, hash"),
        (f"o\n042\n{ROOT}\n\n\u2014 o AAAA\n", "malformed"),
        (f"o\n-1\n{ROOT}\n\n\u2014 o AAAA\n", "malformed"),
        (f"o\n{1 << 63}\n{ROOT}\n\n\u2014 o AAAA\n", "not below 2\\*\\*63"),
        ("o\n1\nAAAA\n\n\u2014 o AAAA\n", "3 bytes, not 32"),
        (f"o\n1\n{ROOT}\n\n- o AAAA\n", "signature lines"),
        (f"o\n1\n{ROOT}\n\n", "signature lines"),
    ],
)
def test_checkpoints_that_do_not(text: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_checkpoint(text)


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ([], "not a JSON object"),
        ({"tree_size": -1, "sha256_root_hash": ROOT}, "integer in"),
        ({"tree_size": True, "sha256_root_hash": ROOT}, "integer in"),
        ({"tree_size": 1 << 63, "sha256_root_hash": ROOT}, "integer in"),
        ({"tree_size": 3, "sha256_root_hash": "!!"}, "not base64"),
        ({"tree_size": 3}, "not a string"),
    ],
)
def test_malformed_tree_heads(doc: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_sth(doc)


FACTORY = CertFactory()
CERT = FACTORY.certificate(7, "www.brand.example", ["brand.example", "*.brand.example"])
PRE, TBS = FACTORY.precertificate(8, None, ["pre.brand.example"])
X509_ENTRY = log_entry(0, CERT, tbs=None, factory=FACTORY, timestamp=1_700_000_000_000)
PRE_ENTRY = log_entry(9, PRE, tbs=TBS, factory=FACTORY, timestamp=1_700_000_000_001)


def test_leaves_decode_to_the_certificate_or_the_tbs() -> None:
    leaf = parse_merkle_tree_leaf(X509_ENTRY.leaf_input, 1 << 20)
    assert (leaf.precert, leaf.der, leaf.timestamp) == (False, CERT, 1_700_000_000_000)
    pre = parse_merkle_tree_leaf(PRE_ENTRY.leaf_input, 1 << 20)
    assert (pre.precert, pre.der) == (True, TBS)
    assert precert_from_extra_data(PRE_ENTRY.extra_data) == PRE
    reader = TLSReader(X509_ENTRY.tile_leaf + PRE_ENTRY.tile_leaf)
    assert read_tile_leaf(reader, 1 << 20).der == CERT
    assert read_tile_leaf(reader, 1 << 20).der == TBS
    assert reader.at_end()
    assert parse_merkle_tree_leaf(X509_ENTRY.leaf_input, 100).oversized


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "truncated"),
        (X509_ENTRY.leaf_input[:-3], "runs past the end|truncated"),
        (X509_ENTRY.leaf_input + b"\x00", "bytes after"),
        (b"\x01" + X509_ENTRY.leaf_input[1:], "version 1"),
        (X509_ENTRY.leaf_input[:10] + b"\x00\x07" + X509_ENTRY.leaf_input[12:], "entry type 7"),
        (b"\x00\x00" + bytes(8) + b"\x00\x00" + b"\x00\x00\x00" + b"\x00\x00", "empty"),
    ],
)
def test_malformed_leaves(data: bytes, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_merkle_tree_leaf(data, 1 << 20)


def test_a_tile_leaf_chain_must_be_whole_hashes() -> None:
    broken = X509_ENTRY.tile_leaf[:-34] + b"\x00\x1f" + bytes(31)
    with pytest.raises(ValueError, match="SHA-256"):
        read_tile_leaf(TLSReader(broken), 1 << 20)


def test_names_of_a_certificate_and_of_a_precert_tbs() -> None:
    assert names_from_certificate(CERT).names == ("brand.example", "www.brand.example")
    assert names_from_tbs(TBS).names == ("pre.brand.example",)
    assert names_from_certificate(certificate_from_tbs(TBS)).names == ("pre.brand.example",)
    # the precertificate itself carries the poison extension and the same names
    assert names_from_certificate(PRE).names == ("pre.brand.example",)


@pytest.mark.parametrize(
    "data", [b"", b"\x30", b"\x30\x03\x02\x01\x01", b"\x31\x00", b"\x30\x02\x05\x00", CERT[:50]]
)
def test_what_is_not_a_tbs_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError):
        names_from_tbs(data)


@pytest.mark.parametrize(
    ("value", "name"),
    [
        ("WWW.Brand.Example.", "www.brand.example"),
        ("*.brand.example", "brand.example"),
        ("pаypal.com", "xn--pypal-4ve.com"),  # Cyrillic а, a U-label in a CN
        ("xn--pypal-4ve.com", "xn--pypal-4ve.com"),
        ("Example Corp", None),
        ("a..b", None),
        ("localhost", None),
        ("under_score.example", None),
        ("xn--zz.example", None),
        ("*.*.example", None),
    ],
)
def test_name_normalisation(value: str, name: str | None) -> None:
    assert normalise_name(value) == name


ENTRIES = (X509_ENTRY, PRE_ENTRY)


@settings(max_examples=300, deadline=None)
@given(
    which=st.sampled_from(ENTRIES),
    cuts=st.lists(st.tuples(st.integers(0, 4000), st.integers(0, 255)), max_size=4),
    truncate=st.integers(0, 4000),
    tile=st.booleans(),
)
def test_mutated_entries_are_counted_never_raised(
    which: Logged, cuts: list[tuple[int, int]], truncate: int, tile: bool
) -> None:
    data = bytearray(which.tile_leaf if tile else which.leaf_input)
    for at, value in cuts:
        data[at % len(data)] = value
    raw = bytes(data[: max(1, len(data) - truncate % len(data))])
    builder = BatchBuilder()
    with MUTATIONS.case():
        try:
            leaf = (
                read_tile_leaf(TLSReader(raw), 1 << 20)
                if tile
                else (parse_merkle_tree_leaf(raw, 1 << 20))
            )
        except ValueError:
            builder.bad(0, "framing")
        else:
            builder.add(0, leaf)  # DER damage inside intact framing: counted, not raised
        assert len(builder.entries) + builder.unparsable == 1


MUTATIONS = ledger_row("CT entry bytes mutated or truncated (RFC 6962 leaf, tile leaf)")
