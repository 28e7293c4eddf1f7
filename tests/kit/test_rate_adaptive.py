"""The adaptive (AIMD) rate controller, driven by a fake clock: ceiling, growth, cuts."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typorisk.kit.rate import AdaptiveRate, Ticket


class Clock:
    """A clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Server:
    """A simulated server answering at most ``capacity`` q/s (per 10 ms slice) and silently
    dropping the rest; drops are reported ``timeout`` seconds after the send."""

    def __init__(self, pace: AdaptiveRate, clock: Clock, capacity: float, timeout: float) -> None:
        self.pace, self.clock = pace, clock
        self.capacity, self.timeout = capacity, timeout
        self.late: list[tuple[float, Ticket]] = []
        self.sent: list[float] = []
        self.waiting: tuple[float, Ticket] | None = None
        self.budget = 0.0

    def run(self, seconds: float, demand: float) -> None:
        """Offer ``demand`` q/s for ``seconds``; a query waits for its slot, then is sent."""
        step = 0.01
        end = self.clock.now + seconds
        while self.clock.now < end:
            slice_end = self.clock.now + step
            self.budget = min(self.budget + demand * step, demand * step)
            taken = 0
            while self.budget >= 1:
                if self.waiting is None:
                    wait, ticket = self.pace.reserve()
                    self.waiting = (self.clock.now + wait, ticket)
                send, ticket = self.waiting
                if send >= slice_end:
                    break  # the caller sleeps into a later slice
                self.waiting = None
                self.budget -= 1
                self.sent.append(send)
                taken += 1
                if taken <= self.capacity * step:
                    self.pace.answered(ticket)
                else:
                    self.late.append((send + self.timeout, ticket))
            self.clock.now = slice_end
            due = [t for when, t in self.late if when <= self.clock.now]
            self.late = [(w, t) for w, t in self.late if w > self.clock.now]
            for ticket in due:
                self.pace.failed(ticket, timeout=True)

    def sent_rate(self, since: float) -> float:
        """Queries/s sent from ``since`` to now."""
        return sum(1 for s in self.sent if s >= since) / (self.clock.now - since)


events = st.lists(
    st.tuples(
        st.sampled_from(["ok", "timeout", "servfail", "tick"]),
        st.floats(min_value=0.0, max_value=0.2),
    ),
    max_size=400,
)


@settings(max_examples=200, deadline=None)
@given(ceiling=st.floats(min_value=1.0, max_value=50_000.0), script=events)
def test_the_rate_never_exceeds_the_ceiling(
    ceiling: float, script: list[tuple[str, float]]
) -> None:
    clock = Clock()
    pace = AdaptiveRate(ceiling=ceiling, clock=clock)
    tickets: list[Ticket] = []
    slots: list[float] = []
    for kind, dt in script:
        clock.now += dt
        # The client's hot path: take a slot now if one is free, else reserve the next one.
        taken = pace.take_now()
        if taken is not None:
            wait, ticket = 0.0, taken
        else:
            wait, ticket = pace.reserve()
        slots.append(clock.now + wait)
        tickets.append(ticket)
        assert pace.rate <= ceiling and pace.peak <= ceiling
        if kind == "ok":
            pace.answered(tickets.pop(0))
        elif kind in ("timeout", "servfail"):
            pace.failed(tickets.pop(0), timeout=kind == "timeout")
        assert pace.floor <= pace.rate <= ceiling
    # Slots handed out: over any interval T, at most ceiling*T + one burst (+1 for the edge).
    slots.sort()
    burst = max(10, ceiling * 0.005)
    for i, first in enumerate(slots):
        for j in range(i, len(slots)):
            span = slots[j] - first
            assert j - i + 1 <= ceiling * span + burst + 1


def test_it_grows_while_answers_come_and_the_rate_limits() -> None:
    clock = Clock()
    pace = AdaptiveRate(start=1000, clock=clock)
    server = Server(pace, clock, capacity=1e9, timeout=1.0)
    server.run(1.0, demand=50_000)
    assert pace.cuts == 0
    assert pace.rate > 40 * 1000  # slow start: doubling every window, capped by 2x the answers


def test_it_does_not_grow_when_the_caller_is_the_limit() -> None:
    clock = Clock()
    pace = AdaptiveRate(start=1000, clock=clock)
    server = Server(pace, clock, capacity=1e9, timeout=1.0)
    server.run(2.0, demand=300)
    assert pace.rate == 1000


def test_it_settles_below_a_server_that_drops_above_capacity() -> None:
    clock = Clock()
    pace = AdaptiveRate(start=2000, clock=clock)
    server = Server(pace, clock, capacity=5000, timeout=1.0)
    server.run(12.0, demand=50_000)
    assert pace.cuts >= 1
    rate = server.sent_rate(since=clock.now - 6.0)
    assert 0.6 * 5000 <= rate <= 1.0 * 5000, rate
    assert pace.peak < 3 * 5000  # the answered cap stops the doubling within a window


def test_a_steady_baseline_of_failures_is_not_congestion() -> None:
    clock = Clock()
    pace = AdaptiveRate(start=1000, clock=clock)
    for i in range(20_000):
        clock.now += 0.0005
        _, ticket = pace.reserve()
        if i % 5 == 0:  # 20% SERVFAIL, whatever the rate: lame delegations, not load
            pace.failed(ticket, timeout=False)
        else:
            pace.answered(ticket)
    assert pace.cuts <= 1
    assert pace.rate >= 1000


def _report(pace: AdaptiveRate, tickets: list[Ticket], failed_every: int) -> tuple[int, int]:
    """Report ``tickets`` now, one in ``failed_every`` failed; (answered, failed) up to the end
    of the first window (50 outcomes), where the controller decides."""
    answered = failed = 0
    for i, ticket in enumerate(tickets):
        if i % failed_every == 0:
            pace.failed(ticket, timeout=True)
            failed += 1
        else:
            pace.answered(ticket)
            answered += 1
        if answered + failed == 50:
            return answered, failed
    raise AssertionError("fewer than 50 tickets")


def test_outcomes_from_before_a_cut_are_ignored() -> None:
    clock = Clock()
    pace = AdaptiveRate(start=4000, clock=clock)
    old = [pace.reserve()[1] for _ in range(200)]
    clock.now += 0.1
    answered, _ = _report(pace, old, failed_every=4)
    # The first cut: 70% of the most the server answered per second in a window.
    assert pace.cuts == 1 and pace.rate == pytest.approx(0.7 * answered / 0.1)
    after = pace.rate
    clock.now += 0.2
    for ticket in old:  # the same episode reported again (late timeouts): no second cut
        pace.failed(ticket, timeout=True)
    assert pace.cuts == 1 and pace.rate == after


def test_after_the_first_cut_it_cuts_the_rate_the_failures_were_sent_at() -> None:
    clock = Clock()
    pace = AdaptiveRate(start=4000, clock=clock)
    clock.now += 0.1
    _report(pace, [pace.reserve()[1] for _ in range(100)], failed_every=4)
    assert pace.cuts == 1
    sent_at = pace.rate
    second = [pace.reserve()[1] for _ in range(100)]
    pace.rate = 3 * sent_at  # as if it had grown since those were sent
    clock.now += 0.1
    _report(pace, second, failed_every=4)
    assert pace.cuts == 2 and pace.rate == pytest.approx(0.7 * sent_at)
