"""The shipped log list's keys: each is the key of its log_id, and verifies real tree heads.

The tree head is a real ``get-sth`` answer of Google's Argon2027h1 log, captured 2026-10-04 and
published in GitHub ``4rji/CTVault`` (``internal/testdata/argon2027h1_sth1.json``, commit
e3e3d6ca): its signature was made by Google with the key the log list carries, so a wrong key, a
wrong signature input or a broken verifier all fail here.

The checkpoints are real static-ct-api checkpoints of five tiled logs, one per implementation
(Tessera, Sunlight twice, TesseraCT, TrustAsia's), published in GitHub ``net4n6-dev/cipherflag``
(``internal/ingest/ct/static/testdata/real_checkpoints/``, commits 040fd9dc and ae1deb7b): the
ParcelYard2027h2 and Luoshu2027 ones exactly as served; of the other three only the note body and
the log's RFC 6962 signature line are kept (their grease and ML-DSA lines, which no reader
checks, are left out). Their keys came into the list from other copies than these checkpoints.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from collections.abc import Callable

import aiohttp
import pytest
from aiohttp import web

from typorisk.errors import CTLogError
from typorisk.watch.ct import CTLog, load_log_list, poll_log, shipped_log_list
from typorisk.watch.ct_static import expected_origin
from typorisk.watch.ct_tls import parse_checkpoint
from typorisk.watch.ct_verify import log_id

ARGON_2027H1 = "https://ct.googleapis.com/logs/us1/argon2027h1/"
REAL_STH = {
    "tree_size": 384065451,
    "timestamp": 1791095073447,
    "sha256_root_hash": "62+t2XxLmSqJnk7pxUna6EVA7+u+dotyl8q6wojifD8=",
    "tree_head_signature": "BAMARzBFAiAOhTncRJL5E4FfPVNWRYhsEeGThRG21r4e5gOi1yK0WwIhAM/2qDFMO5uJ"
    "hZ/mK17c1YcSK3vIjbE9qTTc/V5z4aTu",
}


# (body lines, (key name, base64 signature) lines): a checkpoint as served is the body lines, a
# blank line, then "\u2014 <key name> <signature>" lines, each line ending in "\n".
REAL_CHECKPOINTS: list[tuple[tuple[str, ...], tuple[tuple[str, str], ...]]] = [
    (
        (
            "parcelyard2027h2.prod.certificate.transparency.goog",
            "7612",
            "CTRbpWr0uSJdQIXjk2ns0wpd4xI+b5sQ5vr1oV615V8=",
        ),
        (
            (
                "parcelyard2027h2.prod.certificate.transparency.goog",
                "coeGjAAAAaDk3sUrBAMARzBFAiAfl/FrYH4lYyvd5ZZKixgkDDGWZJQ+HiOHgT4J++M3HQIh"
                "AP77n0joAmOtRiSVN5AW3Jd0Nn9rst6CDvdpqo7I0dvW",
            ),
            (
                "parcelyard2027h2.prod.certificate.transparency.goog",
                "nPa+nzvdnFmuOhuzMwEzGmftgQtt1Pq2dxXpcnqecAqzMlL2+qoOrihBVZRyKOvLZZvjeWzo"
                "OLPJfpJtlgsaW+ulRwA=",
            ),
            (
                "witness.navigli.sunlight.geomys.org",
                "o+AP4gAAAABquZEXnWLS5qPVT34kt/rKxwyfZlE5z6SxXZJj0tBn3XZ0uHQE4XEZgb4wNUU8"
                "enAcAqa/LiqreeKYGJg3Tv7BUArzBw==",
            ),
            (
                "witness.stagemole.eu",
                "Z/euoAAAAABquZEXU4ou+a7QVKDXE7JdNANtX2QJ8G/L7BxUCAjXHIwGPinJebiAhpWwU9fk"
                "h/PkooB++z/QP+1bbiRLe52DeBggBQ==",
            ),
        ),
    ),
    (
        (
            "luoshu2027.trustasia.com/luoshu2027",
            "160598866",
            "DfULSj6IAG8XzGvRpIZqo4aMYNTjtFQaAtnVetOJ1kY=",
        ),
        (
            (
                "luoshu2027.trustasia.com/luoshu2027",
                "n3HrngAAAaDk3vhFBAMASDBGAiEAxuE1vjRNGMeVNXFA27fEn+Y+0h9pEhbAbLuBJN6l5w4C"
                "IQC8uFSOOstuSunJIRq9tfLEC4vOkuHuZEi283MDF0jEDg==",
            ),
        ),
    ),
    (
        (
            "tuscolo2027h1.sunlight.geomys.org",
            "98032491",
            "dz2B/meU570flXS3B+00QjqRIZtYLx3OPpnn6hF87Xk=",
        ),
        (
            (
                "tuscolo2027h1.sunlight.geomys.org",
                "cuJTbQAAAaDk3v/SBAMARzBFAiBubFK8W1Dhurr4tlCLgK0dwahWMvn4unZIpp2ZxM6EYgIh"
                "AIiWetw37BVwey6iIu7q243xZQq9LA+hPYYj3ZgV099U",
            ),
        ),
    ),
    (
        (
            "gouda2027h1.log.ct.ipng.ch",
            "77631030",
            "MJnWwuQG406w+3//Jf2njYMiTzM1J+kM3Au/eIlBnHo=",
        ),
        (
            (
                "gouda2027h1.log.ct.ipng.ch",
                "RiTITAAAAaDk3xcYBAMARjBEAiAQvrKCV4FCeIlq1yt8sbE/+dTGe7350ndCEp0xJDP3MAIg"
                "FgATNuK4PqokR2D+3iwHF4Bz4E2X9RnR8NoaRksLsU8=",
            ),
        ),
    ),
    (
        (
            "log.willow.ct.letsencrypt.org/2027h1",
            "380652843",
            "94EHGJ7Pv27Cc03rMksPgJRj9Paq6i8KyCo+wKk0Qp8=",
        ),
        (
            (
                "log.willow.ct.letsencrypt.org/2027h1",
                "gKFEjgAAAaDk3vcuBAMASDBGAiEAsk8ZBHoGc0HsoN3P0t+C7+frlMdRVVKY+Ut+ZkbUw/YC"
                "IQDObzU9Gnkc03dxP/24M9adGeCFk1yEVv/nb99+lEamSw==",
            ),
        ),
    ),
]


def checkpoint_text(body: tuple[str, ...], signatures: tuple[tuple[str, str], ...]) -> str:
    """The checkpoint as served (c2sp.org/tlog-checkpoint), from its parts."""
    lines = "".join(f"\u2014 {name} {sig}\n" for name, sig in signatures)
    return "\n".join(body) + "\n\n" + lines


CHECKPOINT_TEXTS = [checkpoint_text(*parts) for parts in REAL_CHECKPOINTS]


def shipped() -> list[CTLog]:
    return load_log_list(shipped_log_list())


def test_every_shipped_key_is_the_key_of_its_log_id() -> None:
    keyed = [log for log in shipped() if log.key]
    assert keyed, "the snapshot carries keys"
    for log in keyed:
        assert log.key is not None
        assert base64.b64encode(log_id(log.key)).decode() == log.log_id, log.name
    assert any(log.api == "static" for log in keyed)  # tiled logs carry keys too


async def _tree_size(log: CTLog, path: str, response: Callable[[], web.Response]) -> int:
    """The tree size ``poll_log`` reads from ``log`` served on 127.0.0.1: ``path`` answers
    ``response()`` (the log's URL is pointed there; a static log's origin is its submission
    URL, which the local copy keeps)."""

    async def handler(request: web.Request) -> web.Response:
        return response()

    app = web.Application()
    app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    local = dataclasses.replace(log, url=f"http://127.0.0.1:{port}/")
    try:
        async with aiohttp.ClientSession() as session:
            batches = [b async for b in poll_log(session, local, None, timeout=5.0)]
        return batches[0].state.tree_size
    finally:
        await runner.cleanup()


async def _head(log: CTLog, sth: dict[str, object]) -> int:
    return await _tree_size(log, "/ct/v1/get-sth", lambda: web.json_response(sth))


def test_a_real_tree_head_verifies_with_the_shipped_key() -> None:
    (argon,) = [log for log in shipped() if log.url == ARGON_2027H1]
    assert argon.key
    assert asyncio.run(_head(argon, REAL_STH)) == REAL_STH["tree_size"]


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 384065452},  # one more entry than signed
        {"timestamp": 1791095073448},
        {"sha256_root_hash": base64.b64encode(b"\x00" * 32).decode()},
    ],
)
def test_a_tampered_real_tree_head_is_refused(change: dict[str, object]) -> None:
    (argon,) = [log for log in shipped() if log.url == ARGON_2027H1]
    with pytest.raises(CTLogError, match="signature does not verify"):
        asyncio.run(_head(argon, {**REAL_STH, **change}))


def test_another_logs_key_does_not_verify_it() -> None:
    logs = shipped()
    (argon,) = [log for log in logs if log.url == ARGON_2027H1]
    other = next(log for log in logs if log.key and log.key != argon.key)
    with pytest.raises(CTLogError, match="signature does not verify"):
        asyncio.run(_head(dataclasses.replace(argon, key=other.key), REAL_STH))


def _static_log(checkpoint: str) -> CTLog:
    """The shipped tiled log whose checkpoint origin is that of ``checkpoint``."""
    origin = checkpoint.split("\n", 1)[0]
    (log,) = [
        log
        for log in shipped()
        if log.submission_url and expected_origin(log.submission_url) == origin
    ]
    return log


async def _checkpoint(log: CTLog, text: str) -> int:
    return await _tree_size(
        log, "/checkpoint", lambda: web.Response(text=text, content_type="text/plain")
    )


@pytest.mark.parametrize("text", CHECKPOINT_TEXTS, ids=lambda t: t.split("\n", 1)[0])
def test_real_checkpoints_verify_with_the_shipped_keys(text: str) -> None:
    log = _static_log(text)
    assert log.key and log.api == "static"
    assert asyncio.run(_checkpoint(log, text)) == parse_checkpoint(text).size


@pytest.mark.parametrize("text", CHECKPOINT_TEXTS, ids=lambda t: t.split("\n", 1)[0])
def test_a_tampered_real_checkpoint_is_refused(text: str) -> None:
    origin, size, rest = text.split("\n", 2)
    tampered = f"{origin}\n{int(size) + 1}\n{rest}"  # one more entry than signed
    with pytest.raises(CTLogError, match="signature does not verify"):
        asyncio.run(_checkpoint(_static_log(text), tampered))
