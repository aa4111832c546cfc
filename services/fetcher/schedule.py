"""When to poll a feed next: its interval, what the feed and server hint, and backoff after failures."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

SY_PERIODS = {
    "hourly": 3600,
    "daily": 86400,
    "weekly": 7 * 86400,
    "monthly": 30 * 86400,
    "yearly": 365 * 86400,
}


def backoff_seconds(errors: int, interval: int, cap: int, rng: random.Random | None = None) -> float:
    """Exponential backoff from the feed's interval, with ±25 % jitter, never above the cap."""
    if errors <= 0:
        return float(interval)
    rng = rng or random.Random()  # noqa: S311 - jitter, not secrecy
    base = interval * 2 ** min(errors - 1, 30)
    # Jitter spreads feeds that failed together (one outlet down) so they do not return in a herd.
    return min(float(cap), base * rng.uniform(0.75, 1.25))


def feed_hint_seconds(ttl: str | None, sy_period: str | None, sy_frequency: str | None) -> int | None:
    """The interval a feed asks for: RSS <ttl> (minutes) or sy:updatePeriod / sy:updateFrequency."""
    hints = []
    if ttl and ttl.strip().isdigit():
        hints.append(int(ttl.strip()) * 60)
    if sy_period and sy_period.strip().lower() in SY_PERIODS:
        frequency = int(sy_frequency) if sy_frequency and sy_frequency.strip().isdigit() else 1
        hints.append(SY_PERIODS[sy_period.strip().lower()] // max(frequency, 1))
    return max(hints) if hints else None


def http_hint_seconds(headers: dict[str, str], now: datetime | None = None) -> int | None:
    """The freshness a response declares: Cache-Control max-age, else Expires (RFC 9111 §4.2.1)."""
    lower = {key.lower(): value for key, value in headers.items()}
    cache_control = lower.get("cache-control", "")
    if match := re.search(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", cache_control, re.IGNORECASE):
        return int(match.group(1))
    if expires := lower.get("expires"):
        try:
            when = parsedate_to_datetime(expires)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max(0, int((when - (now or datetime.now(UTC))).total_seconds()))
    return None


def effective_interval(interval: int, hints: list[int | None], cap: int) -> int:
    """Hints may lengthen the interval up to the cap, never shorten it below the feed's own."""
    longest = max((hint for hint in hints if hint), default=0)
    return max(interval, min(longest, cap))


def next_poll(claimed_next: datetime | None, interval: int, effective: int, now: datetime) -> datetime:
    """Count the interval from the beat tick that claimed this poll (it set next_poll_at to tick +
    interval), not from the poll's end: else a 60 s feed under a 60 s beat is due just after the next tick
    and waits for the one after, polled every 120 s (bench/latency.py). Consecutive claims stay at least
    one interval apart, however many beats run."""
    claimed = claimed_next - timedelta(seconds=interval) if claimed_next else None
    start = claimed if claimed is not None and now - timedelta(seconds=interval) < claimed <= now else now
    return start + timedelta(seconds=effective)


def due_cutoff(now: datetime, beat_interval: float) -> datetime:
    """Feeds due before this are polled at this tick. A tenth of a tick of slack: each tick's task runs a
    few ms late, by a varying amount, and a feed claimed at the last tick must not miss this one by those
    ms and wait a whole tick more (bench/latency.py)."""
    return now + timedelta(seconds=beat_interval / 10)
