"""Per-host politeness shared by every fetcher process through Redis: K requests at once, a minimum gap.

One Lua script takes a slot atomically on Redis's own clock, so processes on different machines agree.
A slot is a lease: a fetcher that dies mid-request frees it when the lease runs out."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import redis

from shared.errors import TransientError

_ACQUIRE = """
local slots, gap = KEYS[1], KEYS[2]
local limit, delay, lease, token = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
if redis.call('ZCARD', slots) >= limit then
  local first = redis.call('ZRANGE', slots, 0, 0, 'WITHSCORES')
  return tostring(math.min(math.max(tonumber(first[2]) - now, 0.02), 0.25))
end
local next_start = tonumber(redis.call('GET', gap) or '0')
if now < next_start then
  return tostring(next_start - now)
end
redis.call('ZADD', slots, now + lease, token)
redis.call('PEXPIRE', slots, math.ceil(lease * 1000) + 1000)
redis.call('SET', gap, tostring(now + delay), 'PX', math.ceil(delay * 1000) + 1000)
return '0'
"""


class HostBusy(TransientError):
    """No slot for this host within the wait limit: retry the task later, it is not the feed's fault."""


class HostLimiter:
    """Takes a per-host slot before each request; release on exit."""

    def __init__(
        self,
        client: redis.Redis,
        *,
        max_concurrent: int,
        min_delay: float,
        lease: float,
        max_wait: float,
        prefix: str = "newswire:host",
    ):
        self.client = client
        self.max_concurrent = max(1, max_concurrent)
        self.min_delay = max(0.0, min_delay)
        self.lease = lease
        self.max_wait = max_wait
        self.prefix = prefix
        self._acquire = client.register_script(_ACQUIRE)

    def _keys(self, host: str) -> list[str]:
        return [f"{self.prefix}:{host}:slots", f"{self.prefix}:{host}:gap"]

    @contextmanager
    def slot(self, url: str) -> Iterator[None]:
        """Hold one of the host's slots for the duration of a request."""
        host = (urlsplit(url).hostname or "").lower()
        keys, token = self._keys(host), uuid.uuid4().hex
        give_up = time.monotonic() + self.max_wait
        while True:
            wait = float(
                self._acquire(keys=keys, args=[self.max_concurrent, self.min_delay, self.lease, token])
            )
            if wait <= 0:
                break
            if time.monotonic() + wait > give_up:
                raise HostBusy(f"{host}: no request slot within {self.max_wait:g} s (politeness limit)")
            time.sleep(wait)
        try:
            yield
        finally:
            self.client.zrem(keys[0], token)
