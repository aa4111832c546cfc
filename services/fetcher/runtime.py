"""The fetcher's long-lived helpers in a worker process: DB sessions, the host limiter, robots cache."""

from __future__ import annotations

from functools import cache

from sqlalchemy.orm import Session, sessionmaker

from services.fetcher import registry
from services.fetcher.conditional_get import FetchResult, build_client, fetch
from services.fetcher.network_guard import parse_networks
from services.fetcher.politeness import HostLimiter
from services.fetcher.robots import RobotsCache
from shared.redis_client import broker
from shared.settings import get_settings

ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: at least 500 KiB must be parsed


@cache
def sessions() -> sessionmaker[Session]:
    """Sessions on the fetcher's state DB."""
    return registry.session_factory(get_settings())


@cache
def limiter() -> HostLimiter | None:
    """Per-host politeness on the broker's Redis (None when no Redis is configured, e.g. unit tests)."""
    settings = get_settings()
    if not settings.redis_url:
        return None
    return HostLimiter(
        broker(),  # the process's one client on the broker's Redis (metrics and dead letters use it too)
        max_concurrent=settings.host_max_concurrent,
        min_delay=settings.host_min_delay_seconds,
        lease=settings.http_total_timeout + 10,
        max_wait=max(60.0, settings.http_total_timeout),
    )


@cache
def robots() -> RobotsCache | None:
    """robots.txt rules per host (None when NEWSWIRE_RESPECT_ROBOTS is off)."""
    settings = get_settings()
    if not settings.respect_robots:
        return None

    def get(url: str) -> FetchResult:
        with build_client(settings, parse_networks(settings.allowed_networks)) as client:
            return fetch(client, url, max_bytes=ROBOTS_MAX_BYTES, total_timeout=settings.http_total_timeout,
                         limiter=limiter())  # fmt: skip

    return RobotsCache(get, settings.user_agent)
