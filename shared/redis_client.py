"""A redis-py client for the broker URL, whatever its form (redis://, rediss://, redis+socket://)."""

from __future__ import annotations

from functools import cache

import redis

from shared.settings import get_settings


def redis_client(url: str) -> redis.Redis:
    """A client on the same Redis as the Celery broker."""
    if url.startswith("redis+socket://"):
        return redis.Redis(unix_socket_path=url.removeprefix("redis+socket://").split("?")[0])
    return redis.Redis.from_url(url)


@cache
def broker() -> redis.Redis:
    """This process's client on the broker's Redis (metrics, dead letters, politeness)."""
    url = get_settings().redis_url
    if not url:
        raise RuntimeError("NEWSWIRE_REDIS_URL is not set")
    return redis_client(url)
