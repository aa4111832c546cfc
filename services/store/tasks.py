"""Store task: validate the Article, upsert it, then send the fetcher its receipt."""

from __future__ import annotations

import logging
from functools import cache

from services.store import repository
from shared.celery_app import create_app, retry_options
from shared.database import transient_db_errors
from shared.logging import log_event
from shared.messages import Article, ArticleBatch, StoredBatch
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
    app.send_task("fetcher.entry_stored", args=[repository.receipt(article, result).dump()])
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


@app.task(name="store.save_batch", bind=True, **retry_options())
def save_batch(self, message: dict) -> int:  # type: ignore[no-untyped-def]
    """A parsed batch in one transaction; an article the database refuses goes to dead letters alone."""
    batch = ArticleBatch.model_validate(message)
    if (self.request.delivery_info or {}).get("redelivered"):  # its last run died: one by one now
        for article in batch.articles:
            app.send_task("store.save_article", args=[article.dump()])
        return 0
    with transient_db_errors(), _sessions().begin() as session:
        saved, refused = repository.save_batch(session, batch.articles)
    for article, exc, trace in refused:
        self.give_up("store.save_article", [article.dump()], exc, trace)
    if saved:
        receipts = StoredBatch(receipts=[repository.receipt(article, result) for article, result in saved])
        app.send_task("fetcher.batch_stored", args=[receipts.dump()])
    counts = broker().pipeline(transaction=False)
    for article, result in saved:
        repository.count_save(counts, result, article.labels)
        log_event(log, "article.saved", feed_id=article.feed_id, article_id=result.article_id,
                  outcome=result.outcome, labels=",".join(article.labels) or "-",
                  run_id=article.run_id)  # fmt: skip
    counts.execute()
    return len(saved)
