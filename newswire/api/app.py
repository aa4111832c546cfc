"""The FastAPI application: health and metrics, the article endpoints and exports, feeds and dead
letters for operators, and the analysts' web page (static files, no build step)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import redis
from fastapi import Depends, FastAPI, HTTPException, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from newswire.api import articles, exports
from newswire.api.articles import RowId
from newswire.api.ratelimit import RateLimit
from newswire.api.security import refuse_nul, require_read, require_write
from newswire.feeds_cli import feed_row
from services.fetcher import registry
from services.store import repository
from services.store.queries import QueryError
from shared import dead_letters, metrics
from shared.celery_app import create_app as create_celery
from shared.queues import QUEUES
from shared.redis_client import redis_client
from shared.settings import get_settings

STATIC = Path(__file__).with_name("static")
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL
# The page loads only its own script and styles: a script smuggled into a stored article cannot run.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")  # fmt: skip

app = FastAPI(
    title="newswire",
    description="Regional defense and diplomacy news, every story once: search, filters, exports, feeds.",
    version="1.0",
    dependencies=[Depends(refuse_nul)],
)
app.include_router(articles.router)
app.include_router(exports.router)
app.mount("/static", StaticFiles(directory=STATIC), name="static")
app.add_middleware(RateLimit)  # added before security_headers, so a 429 carries the headers too


@app.middleware("http")
async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
    """CSP and friends on every answer (the docs pages load Swagger from a CDN: they keep theirs)."""
    response = await call_next(request)
    if not request.url.path.startswith(("/docs", "/redoc")):
        response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@app.exception_handler(QueryError)
async def query_error(_request: Request, exc: QueryError) -> JSONResponse:
    """A filter that cannot run is the caller's to fix: 422 with the reason, never a 500."""
    return JSONResponse({"detail": str(exc)}, status_code=422)


@app.get("/", include_in_schema=False, dependencies=[Depends(require_read)])
def page() -> FileResponse:
    """The analysts' page."""
    return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")


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


@app.get(
    "/feeds", summary="Feeds and their health as the fetcher sees it", dependencies=[Depends(require_read)]
)
def feeds() -> dict[str, Any]:
    """Status (ok / backing off / broken / disabled / gone), last success, errors, next poll."""
    settings = get_settings()
    registry.ensure_schema(settings)
    with registry.session_factory(settings)() as session:
        recent = registry.entries_since(session, _week_ago())
        return {"items": [feed_row(f, recent, settings.broken_after) for f in registry.list_feeds(session)]}


class NewFeed(BaseModel):
    """A feed to add: its URL, optionally a name, poll interval and full-text mode."""

    url: str = Field(max_length=2048, pattern=NO_NUL)
    name: str | None = Field(None, max_length=200, pattern=NO_NUL)
    interval: str | None = Field(None, description="e.g. 15m, 1h (default NEWSWIRE_DEFAULT_POLL_INTERVAL)")
    fulltext: str = Field("auto", pattern="^(auto|summary|page)$")


@app.post("/feeds", status_code=201, summary="Add a feed (API key)", dependencies=[Depends(require_write)])
def add_feed(new: NewFeed) -> dict[str, Any]:
    """Registers the feed; the next beat tick polls it."""
    settings = get_settings()
    registry.ensure_schema(settings)
    try:
        interval = registry.parse_interval(new.interval or settings.default_poll_interval)
        with registry.session_factory(settings).begin() as session:
            feed = registry.add_feed(session, new.url, new.name, interval, new.fulltext)
            return feed_row(feed, {}, settings.broken_after)
    except (registry.RegistryError, ValueError) as exc:
        raise HTTPException(422, str(exc)) from exc


@app.delete("/feeds/{feed_id}", status_code=204, summary="Remove a feed (API key)",
            dependencies=[Depends(require_write)])  # fmt: skip
def remove_feed(feed_id: RowId) -> Response:
    """Stops polling it; stored articles stay."""
    settings = get_settings()
    with registry.session_factory(settings).begin() as session:
        try:
            session.delete(registry.find_feed(session, str(feed_id)))
        except registry.RegistryError as exc:
            raise HTTPException(404, str(exc)) from exc
    return Response(status_code=204)


@app.post(
    "/dead/{letter_id}/replay",
    summary="Replay a dead letter (API key)",
    dependencies=[Depends(require_write)],
)
def replay(letter_id: str, client: Annotated[redis.Redis | None, Depends(_broker)]) -> dict[str, str]:
    """Sends the message again as it was."""
    if client is None:
        raise HTTPException(503, "NEWSWIRE_REDIS_URL is not set")
    try:
        letter = dead_letters.replay(client, letter_id, create_celery(get_settings()).send_task)
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0])) from exc
    return {"replayed": letter.id, "task": letter.task}


def _week_ago() -> datetime:
    return datetime.now(UTC) - timedelta(days=7)
