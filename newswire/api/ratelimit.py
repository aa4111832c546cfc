"""The API's rate limit (NEWSWIRE_API_RATE_LIMIT), so that one script cannot starve analysts or the
article DB. Counted per client with the `limits` library's fixed window: in the Redis every replica
shares when NEWSWIRE_REDIS_URL is set (the window ends on Redis's own clock), else in this process.
Probes and the page's own static files are never counted."""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from fastapi import Request
from fastapi.responses import JSONResponse
from limits import RateLimitItem, parse_many
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from newswire.api.security import holds_the_key
from shared.logging import log_event
from shared.redis_client import redis_client
from shared.settings import get_settings

EXEMPT = frozenset({"/healthz", "/metrics"})  # orchestrators and Prometheus must never be throttled
EXEMPT_PREFIXES = ("/static/",)  # the page's own files: no DB behind them
PREFIX = "newswire:ratelimit"
log = logging.getLogger("newswire.api")


@dataclass(frozen=True)
class Refusal:
    """The limit a request broke and how long until its window ends."""

    limit: str
    retry_after: int


class Limiter:
    """The configured limits, counted in shared storage, in memory while that storage does not answer."""

    def __init__(self, spec: str, storage: Storage) -> None:
        self.items: list[RateLimitItem] = parse_many(spec)
        self.shared = FixedWindowRateLimiter(storage)
        self.fallback = FixedWindowRateLimiter(MemoryStorage())
        self.degraded = False

    def hit(self, client: str) -> Refusal | None:
        """Counts one request of the client: the limit it broke, or None."""
        try:
            refusal = self._hit(self.shared, client)
        except StorageError as exc:
            if not self.degraded:
                log_event(log, "rate limit counts in memory: Redis does not answer", logging.WARNING,
                          error=str(exc.storage_error))  # fmt: skip
            self.degraded = True
            return self._hit(self.fallback, client)
        if self.degraded:
            log_event(log, "rate limit counts in Redis again")
            self.degraded = False
        return refusal

    def _hit(self, strategy: FixedWindowRateLimiter, client: str) -> Refusal | None:
        for item in self.items:
            if not strategy.hit(item, client):
                reset, _remaining = strategy.get_window_stats(item, client)
                return Refusal(str(item), max(1, math.ceil(reset - time.time())))
        return None


@lru_cache(maxsize=8)
def limiter_for(spec: str, redis_url: str | None) -> Limiter | None:
    """One limiter per configuration (settings are re-read per request, as everywhere in the API)."""
    if not spec:
        return None
    if not redis_url:
        return Limiter(spec, MemoryStorage())
    pool = redis_client(redis_url).connection_pool  # every URL form the broker accepts, sockets included
    return Limiter(
        spec, RedisStorage("redis://", connection_pool=pool, key_prefix=PREFIX, wrap_exceptions=True)
    )


def client_of(request: Request) -> str:
    """Who is counted: holders of the API key together, everyone else by address. A wrong key counts
    by address, so inventing keys never buys a fresh count."""
    presented = request.headers.get("x-api-key") or request.query_params.get("key")
    if holds_the_key(presented):
        return "key:" + hashlib.sha256((presented or "").encode()).hexdigest()[:16]  # no secret in Redis
    return "ip:" + (request.client.host if request.client else "unknown")


class RateLimit:
    """ASGI middleware: 429 with Retry-After and the limit's name once a client has spent its count."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Counts every HTTP request but the exempt ones."""
        path = scope.get("path", "")
        if scope["type"] != "http" or path in EXEMPT or path.startswith(EXEMPT_PREFIXES):
            await self.app(scope, receive, send)
            return
        settings = get_settings()
        limiter = limiter_for(settings.api_rate_limit, settings.redis_url)
        refusal = None
        if limiter is not None:
            refusal = await run_in_threadpool(limiter.hit, client_of(Request(scope)))
        if refusal is None:
            await self.app(scope, receive, send)
            return
        answer = JSONResponse(
            {"detail": f"rate limit exceeded: {refusal.limit} per client (NEWSWIRE_API_RATE_LIMIT); "
                       f"retry after {refusal.retry_after} s", "limit": refusal.limit,
             "retry_after": refusal.retry_after},
            status_code=429,
            headers={"Retry-After": str(refusal.retry_after)},
        )  # fmt: skip
        await answer(scope, receive, send)
