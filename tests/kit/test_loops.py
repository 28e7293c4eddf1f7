"""kit.loops: uvloop's loop for the loops typorisk starts, asyncio's on request."""

from __future__ import annotations

import asyncio

import pytest
import uvloop

from typorisk.kit import loops


def test_typorisk_starts_uvloop_loops_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TYPORISK_LOOP", raising=False)
    loop = loops.new_loop()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
    monkeypatch.setenv("TYPORISK_LOOP", "asyncio")
    loop = loops.new_loop()
    try:
        assert not isinstance(loop, uvloop.Loop)
        assert isinstance(loop, asyncio.BaseEventLoop)
    finally:
        loop.close()


def test_run_returns_the_result_and_cancels_what_is_left() -> None:
    cancelled: list[bool] = []

    async def sleeper() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise

    async def main() -> str:
        asyncio.get_running_loop().create_task(sleeper())
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()).__name__

    assert loops.run(main()) == "Loop"  # uvloop's
    assert cancelled == [True]
