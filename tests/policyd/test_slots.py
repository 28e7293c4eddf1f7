"""The slot table without sockets: who is evicted when full, who never is (a fake clock)."""

from __future__ import annotations

import pytest

from typorisk.policyd.slots import Conn, Slots


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def table(limit: int) -> tuple[Slots, Clock, list[str]]:
    clock = Clock()
    return Slots(limit, grace=0.5, max_waiting=8, clock=clock), clock, []


def conn(slots: Slots, closed: list[str], name: str) -> Conn:
    return Conn(lambda: closed.append(name), slots.clock())


@pytest.mark.parametrize(
    ("states", "age", "evicted"),
    [
        (["answered", "answered"], 0.0, "c0"),  # the one idle longest
        (["busy", "answered"], 0.0, "c1"),  # never the one mid-request
        (["new", "answered"], 0.0, "c1"),  # a new one is protected for the grace period...
        (["new", "new"], 0.6, "c0"),  # ...and evictable after it
        (["new", "busy"], 0.1, None),  # nobody: the newcomer waits
        (["busy", "busy"], 9.0, None),
    ],
)
def test_who_is_evicted_when_full(states: list[str], age: float, evicted: str | None) -> None:
    slots, clock, closed = table(len(states))
    held = [conn(slots, closed, f"c{i}") for i in range(len(states))]
    for c, st in zip(held, states, strict=True):
        assert slots.try_admit(c)
        clock.now += 0.01
        if st == "busy":
            slots.mark_busy(c)
        elif st == "answered":
            c.answered = True
            slots.mark_idle(c)
    clock.now += age
    newcomer = conn(slots, closed, "new")
    assert slots.try_admit(newcomer) is (evicted is not None)
    assert closed == ([evicted] if evicted else [])
    assert len(slots) == len(states)


def test_released_slots_and_shutdown() -> None:
    slots, _, closed = table(1)
    first = conn(slots, closed, "first")
    assert slots.try_admit(first)
    slots.release(first)
    second = conn(slots, closed, "second")
    assert slots.try_admit(second) and closed == []
    slots.shut()
    assert closed == ["second"] and second.evicted
    assert not slots.try_admit(conn(slots, closed, "late"))  # closing: nobody is admitted
