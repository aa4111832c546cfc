"""Store task: validate the Article, upsert it, then send the fetcher its receipt."""

from __future__ import annotations

import logging
from functools import cache

from services.store import repository
from shared.celery_app import create_app, retry_options
from shared.database import transient_db_errors
from shared.logging import log_event
from shared.messages import Article, EntryStored
from shared.redis_client import broker
from shared.settings import get_settings

app = create_app(name="newswire-store")
log = logging.getLogger("newswire.store")


@cache
def _sessions():  # type: ignore[no-untyped-def]
    return repository.session_factory(get_settings())


@app.task(name="store.save_article", **retry_options())
def save_article(message: dict) -> int:
    """Idempotent upsert on the article key; the receipt goes out only after the commit."""
    article = Article.model_validate(message)
    with transient_db_errors(), _sessions().begin() as session:
        result = repository.upsert_article(session, article)
    receipt = EntryStored(
        feed_id=article.feed_id,
        entry_key=article.entry_key,
        content_hash=article.content_hash,
        stored_hash=result.content_hash,
        outcome=result.outcome,
        article_id=result.article_id,
        run_id=article.run_id,
    )
    app.send_task("fetcher.entry_stored", args=[receipt.dump()])
    repository.count_save(broker(), result, article.labels)
    log_event(
        log,
        "article.saved",
        feed_id=article.feed_id,
        article_id=result.article_id,
        outcome=result.outcome,
        labels=",".join(article.labels) or "-",
        run_id=article.run_id,
    )
    return result.article_id
