"""The shipped log list's keys: each is the key of its log_id, and verifies a real tree head.

The tree head is a real ``get-sth`` answer of Google's Argon2027h1 log, captured 2026-10-04 and
published in GitHub ``4rji/CTVault`` (``internal/testdata/argon2027h1_sth1.json``, commit
e3e3d6ca): its signature was made by Google with the key the log list carries, so a wrong key, a
wrong signature input or a broken verifier all fail here.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses

import aiohttp
import pytest
from aiohttp import web

from typorisk.errors import CTLogError
from typorisk.watch.ct import CTLog, load_log_list, poll_log, shipped_log_list
from typorisk.watch.ct_verify import log_id

ARGON_2027H1 = "https://ct.googleapis.com/logs/us1/argon2027h1/"
REAL_STH = {
    "tree_size": 384065451,
    "timestamp": 1791095073447,
    "sha256_root_hash": "62+t2XxLmSqJnk7pxUna6EVA7+u+dotyl8q6wojifD8=",
    "tree_head_signature": "BAMARzBFAiAOhTncRJL5E4FfPVNWRYhsEeGThRG21r4e5gOi1yK0WwIhAM/2qDFMO5uJ"
    "hZ/mK17c1YcSK3vIjbE9qTTc/V5z4aTu",
}


def shipped() -> list[CTLog]:
    return load_log_list(shipped_log_list())


def test_every_shipped_key_is_the_key_of_its_log_id() -> None:
    keyed = [log for log in shipped() if log.key]
    assert keyed, "the snapshot carries keys"
    for log in keyed:
        assert log.key is not None
        assert base64.b64encode(log_id(log.key)).decode() == log.log_id, log.name
    assert any(log.api == "static" for log in keyed)  # tiled logs carry keys too


async def _head(log: CTLog, sth: dict[str, object]) -> int:
    async def get_sth(request: web.Request) -> web.Response:
        return web.json_response(sth)

    app = web.Application()
    app.router.add_get("/ct/v1/get-sth", get_sth)
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
