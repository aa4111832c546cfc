"""All reads and writes of the article DB: idempotent upsert, listing, counts."""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy import Engine, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services.store import dedup
from services.store.entities import replace_entities
from services.store.models import Article, ArticleLabel, ArticleRevision, Source
from shared import messages, metrics, minhash
from shared.database import is_transient, make_engine, upgrade
from shared.logging import log_event
from shared.settings import Settings
from shared.urls import bounded_key, url_key

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version_store"
log = logging.getLogger(__name__)
Outcome = Literal["inserted", "updated", "unchanged", "stale"]
CONTENT_FIELDS = (
    "feed_id", "source", "entry_key", "guid", "url", "title", "text", "html", "summary", "author",
    "language", "tags", "published_at", "date_flag", "fetched_at", "content_hash", "scores", "evidence",
    "text_source", "text_flag", "authors", "canonical_url", "image_url", "modified_at", "facts",
)  # fmt: skip
PAGE_FIELDS = ("text", "html", "text_source", "text_flag")


@dataclass(frozen=True)
class UpsertResult:
    """What the upsert did, and the content hash now stored for the key."""

    outcome: Outcome
    article_id: int
    content_hash: str


@lru_cache(maxsize=8)
def engine_for(url: str, readonly: bool = False) -> Engine:
    """One engine per article DB URL (and mode) per process."""
    return make_engine(url, readonly=readonly)


def session_factory(settings: Settings) -> sessionmaker[Session]:
    """Sessions on the article DB, for the store worker's writes."""
    return sessionmaker(engine_for(settings.article_db_url), expire_on_commit=False)


def reader(settings: Settings) -> sessionmaker[Session]:
    """Read-only sessions (CLI, API, tests): they never take SQLite's write lock."""
    return sessionmaker(engine_for(settings.article_db_url, readonly=True), expire_on_commit=False)


def ensure_schema(settings: Settings) -> None:
    """Migrate the article DB to head (safe at every start)."""
    upgrade(settings.article_db_url, MIGRATIONS, VERSION_TABLE)


def upsert_article(
    session: Session,
    article: messages.Article,
    now: datetime | None = None,
    defer: list[Pending] | None = None,
) -> UpsertResult:
    """Insert or update one story, so a message delivered twice, or the same article reached through two
    feeds or two spellings of its URL, is one row; a changed text is a revision that keeps the old one.
    With `defer`, its clustering step is appended there for the caller to run later (see save_batch)."""
    now = now or datetime.now(UTC)
    row = _locked(session, article)
    if row is None:
        values = {name: getattr(article, name) for name in CONTENT_FIELDS}
        values.update(
            article_key=article.article_key, first_seen_at=now, updated_at=now, last_seen_at=now, version=1,
            source_id=_source_id(session, article, now), canonical_key=_canonical_key(article),
            minhash=_signature(article),
        )  # fmt: skip
        # ON CONFLICT DO NOTHING: a concurrent insert of the same key wins, we then update it.
        new_id = session.scalar(_new_article(session.get_bind().dialect.name), values)
        if new_id is not None:  # a new row has no labels, entities or bands to delete first
            _replace_labels(session, new_id, article, fresh=True)
            replace_entities(session, new_id, article.facts, fresh=True)
            fields = dedup.Subject(new_id, values["minhash"], None, article.published_at, article.source)
            _cluster(session, fields, now, True, defer)
            return UpsertResult("inserted", new_id, article.content_hash)
        row = _locked(session, article)
        assert row is not None  # the conflicting row exists: we just collided with it
    row.last_seen_at = now
    if article.fetched_at < row.fetched_at:
        return UpsertResult("stale", row.id, row.content_hash)  # a newer version is stored already
    if row.content_hash == article.content_hash:
        return UpsertResult("unchanged", row.id, row.content_hash)
    # The page did not change (304): its text, fetched before, stays; the feed's fields update.
    keep_page = article.keep_page_text and row.text_source == "page"
    if not keep_page and (row.text != article.text or row.title != article.title):
        _keep_revision(session, row, now)
    for name in CONTENT_FIELDS:
        if not (keep_page and name in PAGE_FIELDS):
            setattr(row, name, getattr(article, name))
    row.updated_at, row.version = now, row.version + 1
    row.canonical_key = _canonical_key(article) or row.canonical_key
    row.minhash = row.minhash if keep_page else _signature(article)
    session.flush()
    _replace_labels(session, row.id, article)
    replace_entities(session, row.id, article.facts)
    _cluster(session, row, now, False, defer)
    session.expire(row, ["labels"])
    return UpsertResult("updated", row.id, row.content_hash)


Pending = tuple[Article | dedup.Subject, datetime, bool]  # an article's clustering step, put off


def _cluster(
    session: Session,
    article: Article | dedup.Subject,
    now: datetime,
    fresh: bool,
    defer: list[Pending] | None,
) -> None:
    if defer is None:
        dedup.assign_cluster(session, article, now, fresh=fresh)
    else:
        defer.append((article, now, fresh))


def _keep_revision(session: Session, row: Article, now: datetime) -> None:
    """The text being replaced, so a reader can see what the outlet changed."""
    row.revision_count = (row.revision_count or 0) + 1
    revision = ArticleRevision(
        article_id=row.id, revision=row.revision_count, title=row.title, text=row.text,
        content_hash=row.content_hash, replaced_at=now,
    )  # fmt: skip
    session.add(revision)


def _signature(article: messages.Article) -> bytes | None:
    """The parser's MinHash of the text when it sent a valid one, else computed here."""
    return minhash.decode(article.minhash) or minhash.signature(article.text)


def _canonical_key(article: messages.Article) -> str | None:
    return bounded_key(url_key(article.canonical_url)) if article.canonical_url else None


@lru_cache(maxsize=2)
def _new_article(dialect: str):  # type: ignore[no-untyped-def]
    """INSERT .. ON CONFLICT (article_key) DO NOTHING RETURNING id, built once: a Core statement with
    the values as parameters, not an ORM one rebuilt per article (a third of the store's CPU was
    statement building, bench/pipeline.py)."""
    table = Article.__table__
    dml = postgresql if dialect == "postgresql" else sqlite
    return dml.insert(table).on_conflict_do_nothing(index_elements=["article_key"]).returning(table.c.id)


def _source_id(session: Session, article: messages.Article, now: datetime) -> int:
    """The outlet's row, created on its first story (name as the feed calls it, domain from the URL);
    ids already in the database are remembered for the rest of the transaction."""
    known: dict[str, int] = session.info.setdefault("source_ids", {})
    if article.source in known:
        return known[article.source]
    found = session.scalar(select(Source.id).where(Source.name == article.source))
    if found is not None:
        known[article.source] = found
        return found
    domain = urlsplit(article.url or article.canonical_url or "").hostname
    session.execute(
        _insert_source(session).values(
            name=article.source, name_key=article.source.casefold(), domain=domain, first_seen_at=now
        )
        .on_conflict_do_nothing(index_elements=["name"])
    )  # fmt: skip
    return int(session.scalar(select(Source.id).where(Source.name == article.source)))


def _insert_source(session: Session):  # type: ignore[no-untyped-def]
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Source)


def _locked(session: Session, article: messages.Article) -> Article | None:
    """The stored row for this story: by its key, else by the page's canonical URL (another feed's entry
    for the same article, or an AMP/mobile spelling of its link)."""
    row = session.scalar(select(Article).where(Article.article_key == article.article_key).with_for_update())
    canonical = _canonical_key(article)
    if row is None and canonical:
        row = session.scalar(
            select(Article)
            .where(Article.canonical_key == canonical)
            .order_by(Article.id)
            .limit(1)
            .with_for_update()
        )
    return row


def _replace_labels(
    session: Session, article_id: int, article: messages.Article, fresh: bool = False
) -> None:
    if not fresh:
        session.execute(delete(ArticleLabel).where(ArticleLabel.article_id == article_id))
    if article.labels:
        session.execute(
            insert(ArticleLabel.__table__),  # Core: no ORM bulk machinery per row
            [
                {"article_id": article_id, "label": label, "score": article.scores.get(label, 0.0)}
                for label in article.labels
            ],
        )


def list_articles(
    session: Session,
    *,
    label: str | None = None,
    source: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
) -> list[Article]:
    """Stored articles, newest first, filtered by label, source (case-insensitive) and date."""
    query = select(Article).order_by(Article.published_at.desc(), Article.id.desc()).limit(limit)
    if label:
        query = query.where(
            Article.id.in_(select(ArticleLabel.article_id).where(ArticleLabel.label == label))
        )
    if source:
        query = query.where(func.lower(Article.source) == source.lower())
    if since:
        query = query.where(Article.published_at >= since)
    return list(session.scalars(query))


def count_articles(session: Session) -> int:
    """How many stories are stored."""
    return session.scalar(select(func.count()).select_from(Article)) or 0


def count_by_label(session: Session) -> dict[str, int]:
    """Stored stories per label."""
    rows = session.execute(
        select(ArticleLabel.label, func.count()).group_by(ArticleLabel.label).order_by(ArticleLabel.label)
    )
    return {label: count for label, count in rows}


def count_save(client, result: UpsertResult, labels: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Add one upsert to the shared metrics."""
    metrics.inc(client, "newswire_articles_saved_total", outcome=result.outcome)
    if result.outcome in ("inserted", "updated"):
        for label in labels:
            metrics.inc(client, "newswire_articles_labelled_total", label=label)


def count_by_label_since(session: Session, since: datetime) -> dict[str, int]:
    """Stories first seen since a time, per label ("" for unlabelled)."""
    rows = session.execute(
        select(ArticleLabel.label, func.count())
        .join(Article, Article.id == ArticleLabel.article_id)
        .where(Article.first_seen_at >= since)
        .group_by(ArticleLabel.label)
    )
    counts = {label: n for label, n in rows}
    counts["all"] = session.scalar(select(func.count()).where(Article.first_seen_at >= since)) or 0
    return counts


def save_batch(
    session: Session, articles: list[messages.Article], now: datetime | None = None
) -> tuple[list[tuple[messages.Article, UpsertResult]], list[tuple[messages.Article, Exception, str]]]:
    """Upsert a batch in one transaction, each article in its own savepoint: one the database refuses is
    rolled back alone and returned with its error; an error that may pass (database down or locked)
    fails the whole batch, which is retried (every upsert is idempotent).

    Clustering runs last, for the whole batch: on PostgreSQL it holds a lock until the commit (twins in
    two transactions must see each other's bands), so the rows and entities of parallel batches are
    written side by side and only this short step takes turns."""
    saved: list[tuple[messages.Article, UpsertResult]] = []
    refused: list[tuple[messages.Article, Exception, str]] = []
    pending: list[Pending] = []
    for article in articles:
        mine: list[Pending] = []
        try:
            with session.begin_nested():
                result = upsert_article(session, article, now, defer=mine)
        except Exception as exc:
            if isinstance(exc, SQLAlchemyError) and is_transient(exc):
                raise
            refused.append((article, exc, traceback.format_exc()))
            continue
        saved.append((article, result))
        pending.extend(mine)
    for subject, at, fresh in pending:
        try:
            with session.begin_nested():
                dedup.assign_cluster(session, subject, at, fresh=fresh)
        except SQLAlchemyError as exc:  # the article is stored; only its cluster is missing
            if is_transient(exc):
                raise
            log_event(
                log, "cluster.failed", logging.WARNING, article_id=subject.id, error=str(exc).splitlines()[0]
            )
    return saved, refused


def receipt(article: messages.Article, result: UpsertResult) -> messages.EntryStored:
    """What the fetcher hears once the article is committed."""
    return messages.EntryStored(
        feed_id=article.feed_id, entry_key=article.entry_key, content_hash=article.content_hash,
        stored_hash=result.content_hash, outcome=result.outcome, article_id=result.article_id,
        run_id=article.run_id,
    )  # fmt: skip
