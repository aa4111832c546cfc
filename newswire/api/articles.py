"""Read endpoints: articles (filters, search, cursor pages), one article in full, stories (clusters),
sources and stats."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from newswire.api.security import require_read
from services.store import repository
from services.store.models import (
    Article,
    ArticleCountry,
    ArticleLabel,
    ArticleRevision,
    Source,
    StoryCluster,
)
from services.store.queries import MARK_END, MARK_START, ArticleQuery, find_articles
from shared.settings import get_settings

router = APIRouter(dependencies=[Depends(require_read)])
MAX_STATS_DAYS = 5 * 366
# Ids are INTEGER columns (4 bytes on PostgreSQL): a larger id in a URL is a 422, not a driver overflow.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1, description="A row id as the API gave it out")]


def session() -> Session:
    """A read-only session per request (never takes SQLite's write lock)."""
    with repository.reader(get_settings())() as db:
        yield db  # type: ignore[misc]


DB = Annotated[Session, Depends(session)]


def marked(snippet: str | None) -> str | None:
    """Snippet text made safe for HTML, then the matched words wrapped in <mark>."""
    if snippet is None:
        return None
    return html.escape(snippet).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


def summary_of(article: Article, snippet: str | None = None) -> dict[str, Any]:
    """An article as list endpoints show it."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published_at": article.published_at.isoformat(),
        "language": article.language,
        "labels": {label.label: label.score for label in article.labels},
        "countries": [c["code"] for c in (article.facts or {}).get("countries", [])],
        "main_pair": (article.facts or {}).get("main_pair"),
        "summary": article.summary,
        "snippet": marked(snippet),
        "cluster_id": article.cluster_id,
    }


@router.get("/articles", summary="Stored articles: filters, full-text search, cursor pages")
def list_articles(db: DB, query: Annotated[ArticleQuery, Query()]) -> dict[str, Any]:
    """Newest first (or by relevance with q); follow next_cursor for the next page."""
    page = find_articles(db, query)
    return {
        "items": [summary_of(a, page.snippets.get(a.id)) for a in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/articles/{article_id}", summary="One article with evidence, entities, events, cluster, revisions"
)
def get_article(db: DB, article_id: RowId) -> dict[str, Any]:
    """Everything stored about one story."""
    article = db.get(Article, article_id)
    if article is None:
        raise HTTPException(404, f"no article {article_id}")
    revisions = db.scalars(
        select(ArticleRevision)
        .where(ArticleRevision.article_id == article_id)
        .order_by(ArticleRevision.revision)
    )
    facts = article.facts or {}
    return {
        **summary_of(article),
        "canonical_url": article.canonical_url,
        "image_url": article.image_url,
        "authors": article.authors,
        "text": article.text,
        "html": article.html,
        "text_source": article.text_source,
        "date_flag": article.date_flag,
        "modified_at": article.modified_at.isoformat() if article.modified_at else None,
        "first_seen_at": article.first_seen_at.isoformat(),
        "last_seen_at": article.last_seen_at.isoformat() if article.last_seen_at else None,
        "scores": article.scores,
        "evidence": article.evidence,
        "countries": facts.get("countries", []),
        "people": facts.get("people", []),
        "organisations": facts.get("organisations", []),
        "events": facts.get("events", []),
        "cluster": _cluster(db, article.cluster_id),
        "revision_count": article.revision_count,
        "revisions": [
            {
                "revision": r.revision,
                "replaced_at": r.replaced_at.isoformat(),
                "title": r.title,
                "text": r.text,
            }
            for r in revisions
        ],
    }


def _cluster(db: Session, cluster_id: int | None) -> dict[str, Any] | None:
    if cluster_id is None:
        return None
    cluster = db.get(StoryCluster, cluster_id)
    if cluster is None:
        return None
    members = db.execute(
        select(Article.id, Article.source, Article.title, Article.url, Article.published_at)
        .where(Article.cluster_id == cluster_id)
        .order_by(Article.published_at, Article.id)
    ).all()
    return {
        "id": cluster.id,
        "first_source": cluster.first_source,
        "first_published_at": cluster.first_published_at.isoformat(),
        "article_count": cluster.article_count,
        "source_count": cluster.source_count,
        "articles": [
            {
                "id": m.id,
                "source": m.source,
                "title": m.title,
                "url": m.url,
                "published_at": m.published_at.isoformat(),
            }
            for m in members
        ],
    }


@router.get("/stories", summary="Stories carried by several outlets, with who published first")
def stories(
    db: DB,
    since: datetime | None = None,
    until: datetime | None = None,
    min_sources: Annotated[int, Query(ge=1, le=100)] = 2,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Clusters newest first; each lists its articles oldest first."""
    statement = select(StoryCluster.id).where(StoryCluster.source_count >= min_sources)
    if since:
        statement = statement.where(StoryCluster.first_published_at >= since)
    if until:
        statement = statement.where(StoryCluster.first_published_at < until)
    ids = db.scalars(statement.order_by(StoryCluster.first_published_at.desc()).limit(limit)).all()
    return {"items": [_cluster(db, cluster_id) for cluster_id in ids]}


@router.get("/sources", summary="Outlets with their article counts")
def sources(db: DB) -> dict[str, Any]:
    """Every outlet, most articles first."""
    rows = db.execute(
        select(Source.id, Source.name, Source.domain, func.count(Article.id), func.max(Article.published_at))
        .join(Article, Article.source_id == Source.id, isouter=True)
        .group_by(Source.id, Source.name, Source.domain)
        .order_by(func.count(Article.id).desc(), Source.name)
    ).all()
    return {
        "items": [
            {
                "id": i,
                "name": n,
                "domain": d,
                "articles": c,
                "last_published_at": last.isoformat() if last else None,
            }
            for i, n, d, c, last in rows
        ]
    }


@router.get("/stats", summary="Stories per day per label, country or source")
def stats(
    db: DB,
    since: datetime | None = None,
    until: datetime | None = None,
    by: Literal["label", "country", "source"] = "label",
    label: Annotated[str | None, Query(pattern=r"^[a-z_]{1,50}$")] = None,
) -> dict[str, Any]:
    """Counts per published day (UTC) for a range (default: the last 30 days; at most five years)."""
    until = _aware(until) or datetime.now(UTC)
    since = _aware(since) or until - timedelta(days=30)
    if since >= until or until - since > timedelta(days=MAX_STATS_DAYS):
        raise HTTPException(422, f"since must be before until, at most {MAX_STATS_DAYS} days apart")
    day = _day(db)
    if by == "label":
        key, joined = ArticleLabel.label, select().select_from(Article).join(ArticleLabel)
    elif by == "country":
        key, joined = ArticleCountry.code, select().select_from(Article).join(ArticleCountry)
    else:
        key, joined = Article.source, select().select_from(Article)
    statement = joined.add_columns(day, key, func.count()).where(
        Article.published_at >= since, Article.published_at < until
    )
    if label:
        statement = statement.where(
            Article.id.in_(select(ArticleLabel.article_id).where(ArticleLabel.label == label))
        )
    days: dict[str, dict[str, int]] = {}
    for when, name, count in db.execute(statement.group_by(day, key).order_by(day)):
        days.setdefault(str(when), {})[name] = count
    return {"by": by, "since": since.isoformat(), "until": until.isoformat(),
            "days": [{"day": d, "counts": c} for d, c in days.items()]}  # fmt: skip


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _day(db: Session):  # type: ignore[no-untyped-def]
    """The UTC calendar day of publication, in the engine's own dialect."""
    if db.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Article.published_at))
    return func.date(Article.published_at)
