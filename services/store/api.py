"""The HTTP API of the article DB (FastAPI): health and metrics now; queries grow here (issue 5)."""

from __future__ import annotations

import redis
from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from services.store import repository
from shared import metrics
from shared.queues import QUEUES
from shared.redis_client import redis_client
from shared.settings import get_settings

app = FastAPI(title="newswire", description="Regional defense and diplomacy news, every story once.")


def _broker() -> redis.Redis | None:
    url = get_settings().redis_url
    return redis_client(url) if url else None


@app.get("/healthz", summary="Is the article DB and Redis reachable?")
def healthz() -> JSONResponse:
    """200 when both answer, 503 naming what does not."""
    checks: dict[str, str] = {}
    try:
        with repository.engine_for(get_settings().article_db_url, readonly=True).connect() as conn:
            conn.execute(text("select 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"error: {str(exc).splitlines()[0]}"
    client = _broker()
    try:
        checks["redis"] = "ok" if client is not None and client.ping() else "not configured"
    except redis.RedisError as exc:
        checks["redis"] = f"error: {exc}"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "unhealthy", **checks}, status_code=200 if healthy else 503
    )


@app.get("/metrics", summary="Prometheus metrics of the whole pipeline")
def prometheus() -> Response:
    """Counters and histograms every worker keeps in Redis, plus queue lengths and dead letters."""
    client = _broker()
    if client is None:
        return Response("NEWSWIRE_REDIS_URL is not set\n", status_code=503, media_type="text/plain")
    return Response(metrics.render(client, QUEUES), media_type="text/plain; version=0.0.4")
