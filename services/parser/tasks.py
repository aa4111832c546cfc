"""Parser task: validate the RawEntry, clean and classify it, send the Article to the store."""

from __future__ import annotations

import logging

from pydantic import ValidationError

from services.parser.parse_entry import parse_batch as parse_many
from services.parser.parse_entry import parse_entry as parse_one
from services.parser.taxonomy import default_taxonomy
from shared.celery_app import create_app, retry_options
from shared.errors import PermanentError
from shared.logging import log_event
from shared.messages import ArticleBatch, RawEntry, RawEntryBatch
from shared.settings import get_settings

app = create_app(name="newswire-parser")
log = logging.getLogger("newswire.parser")


@app.task(name="parser.parse_entry", **retry_options())
def parse_entry(message: dict) -> str | None:
    """Clean, date and classify one entry; the parser does no network I/O and owns no state."""
    try:
        entry = RawEntry.model_validate(message)
        settings = get_settings()
        article = parse_one(entry, _taxonomy(settings.taxonomy_file), settings.classify_thresholds)
    except (ValidationError, PermanentError) as exc:
        # Retrying cannot fix bad input: log it whole, with ids, and let the task fail.
        log_event(
            log,
            "parse.rejected",
            logging.ERROR,
            feed_id=message.get("feed_id"),
            entry_key=message.get("entry_key"),
            reason=str(exc).splitlines()[0],
        )
        raise
    app.send_task("store.save_article", args=[article.dump()])
    log_event(
        log,
        "parse.done",
        feed_id=article.feed_id,
        entry_key=article.entry_key,
        labels=",".join(article.labels) or "-",
        date_flag=article.date_flag,
        run_id=article.run_id,
    )
    return article.article_key


@app.task(name="parser.parse_batch", bind=True, **retry_options())
def parse_batch(self, message: dict) -> int:  # type: ignore[no-untyped-def]
    """A poll's entries in one message; an entry that fails goes to dead letters alone, as a parse_entry."""
    batch = RawEntryBatch.model_validate(message)
    if (self.request.delivery_info or {}).get("redelivered"):
        # Its last run died (a kill, or a poison entry that kills the process): run each entry alone,
        # so only the poison is counted towards NEWSWIRE_MAX_WORKER_LOST and dead-lettered.
        for entry in batch.entries:
            app.send_task("parser.parse_entry", args=[entry.dump()])
        return 0
    settings = get_settings()
    articles, failures = parse_many(
        batch.entries, _taxonomy(settings.taxonomy_file), settings.classify_thresholds
    )
    for entry, exc, trace in failures:
        self.give_up("parser.parse_entry", [entry.dump()], exc, trace)
    if articles:
        app.send_task("store.save_batch", args=[ArticleBatch(articles=articles).dump()])
    for article in articles:
        log_event(log, "parse.done", feed_id=article.feed_id, entry_key=article.entry_key,
                  labels=",".join(article.labels) or "-", date_flag=article.date_flag,
                  run_id=article.run_id)  # fmt: skip
    return len(articles)


def _taxonomy(path: object) -> object:
    """The taxonomy the settings name, loaded once per process."""
    return default_taxonomy(str(path) if path else None)
