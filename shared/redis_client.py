"""A redis-py client for the broker URL, whatever its form (redis://, rediss://, redis+socket://)."""

from __future__ import annotations

import redis


def redis_client(url: str) -> redis.Redis:
    """A client on the same Redis as the Celery broker."""
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://").split("?")[0])
    return redis.Redis.from_url(url)
