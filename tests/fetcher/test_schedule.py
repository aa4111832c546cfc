"""The poll cadence: a feed is polled once per interval, counted from the tick that claimed it."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from services.fetcher.schedule import due_cutoff, next_poll

T = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
S = timedelta(seconds=1)


@pytest.mark.parametrize(
    ("claimed_next", "now", "effective", "expected"),
    [
        pytest.param(T + 60 * S, T + 2 * S, 60, T + 60 * S, id="claimed-by-a-tick: count from the tick"),
        pytest.param(None, T, 60, T + 60 * S, id="never-scheduled: count from now"),
        pytest.param(T - 600 * S, T, 60, T + 60 * S, id="stale-schedule (run --once later): from now"),
        pytest.param(T + 300 * S, T, 60, T + 60 * S, id="scheduled-far-ahead (not a claim): from now"),
        pytest.param(T + 60 * S, T + 2 * S, 900, T + 900 * S, id="feed-hint-lengthens: from the tick"),
    ],
)
def test_next_poll(claimed_next: datetime | None, now: datetime, effective: int, expected: datetime) -> None:
    assert next_poll(claimed_next, 60, effective, now) == expected


def _simulate(beats: list[float], polls_take: float, ticks: int, seed: int = 1) -> list[float]:
    """Beat ticks every 60 s (one or more beats, each with its own offset); each tick's task runs 0-50 ms
    late; a due feed is claimed (next = now + interval) and its poll ends `polls_take` s later."""
    rng, interval, next_at, claims = random.Random(seed), 60, None, []  # noqa: S311 - not crypto
    events = sorted(offset + 60 * k for offset in beats for k in range(ticks))
    for tick in events:
        now = T + timedelta(seconds=tick + rng.uniform(0, 0.05))
        if next_at is None or next_at <= due_cutoff(now, 60):
            claims.append((now - T).total_seconds())
            next_at = now + timedelta(seconds=interval)  # registry.claim
            end = now + timedelta(seconds=polls_take)
            next_at = next_poll(next_at, interval, interval, end)  # poll._record_health
    return claims


@pytest.mark.parametrize("polls_take", [0.5, 10.0, 40.0], ids=["fast-poll", "slow-poll", "very-slow-poll"])
def test_a_60s_feed_under_a_60s_beat_is_polled_at_every_tick(polls_take: float) -> None:
    claims = _simulate([0.0], polls_take=polls_take, ticks=30)
    # Before: counted from the poll's end, a feed was due just after the next tick and polled every other
    # tick (120 s); without the slack, a tick that ran a few ms earlier than the last one missed it.
    assert len(claims) == 30


@pytest.mark.parametrize("offset", [0.0, 1.0, 20.0, 30.0, 59.0])
def test_two_beats_by_mistake_still_poll_once_per_interval(offset: float) -> None:
    claims = _simulate([0.0, offset], polls_take=2.0, ticks=30)
    gaps = [b - a for a, b in itertools.pairwise(claims)]
    assert min(gaps) >= 60 - 6 and len(claims) <= 31  # slack: a tenth of the beat interval
