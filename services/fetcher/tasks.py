"""Fetcher tasks: thin wrappers that validate the message, call one function, send results on."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from services.fetcher import ledger, registry, runtime, schedule
from services.fetcher.article_page import attach_page, attach_pages
from services.fetcher.conditional_get import build_client
from services.fetcher.network_guard import parse_networks
from services.fetcher.poll import Outbox, count_poll
from services.fetcher.poll import poll_feed as poll_one
from shared.celery_app import create_app, retry_options
from shared.database import transient_db_errors
from shared.logging import log_event
from shared.messages import (
    EntryFailed,
    EntryStored,
    PageRequest,
    PageRequestBatch,
    PollFeed,
    RawEntryBatch,
    StoredBatch,
)
from shared.redis_client import broker
from shared.settings import get_settings

app = create_app(name="newswire-fetcher")
log = logging.getLogger("newswire.fetcher")
RETRY = retry_options()
OUTBOX = Outbox(
    to_parser=lambda entries: app.send_task(
        "parser.parse_batch", args=[RawEntryBatch(entries=entries).dump()]
    ),
    to_page_fetch=lambda requests: app.send_task(
        "fetcher.fetch_articles", args=[PageRequestBatch(requests=requests).dump()]
    ),
)


@app.task(name="fetcher.poll_due", **RETRY)
def poll_due() -> int:
    """Beat's tick: claim every due feed and send one poll_feed per feed."""
    now = datetime.now(UTC)
    with transient_db_errors(), runtime.sessions().begin() as session:
        feeds = registry.due_feeds(session, schedule.due_cutoff(now, get_settings().beat_interval_seconds))
        for feed in feeds:
            registry.claim(feed, now)
            app.send_task("fetcher.poll_feed", args=[PollFeed(feed_id=feed.id).dump()])
    log_event(log, "poll_due.sent", feeds=len(feeds))
    return len(feeds)


@app.task(name="fetcher.poll_feed", **RETRY)
def poll_feed(message: dict) -> dict:
    """Poll one feed; new or changed entries go to the parse queue (or first to fetch_article)."""
    msg = PollFeed.model_validate(message)
    try:
        with transient_db_errors():
            outcome = poll_one(runtime.sessions(), msg.feed_id, get_settings(), OUTBOX, run_id=msg.run_id,
                               limiter=runtime.limiter())  # fmt: skip
    except LookupError as exc:  # feed removed since the poll was queued: nothing to do
        log_event(log, "poll.skipped", logging.WARNING, feed_id=msg.feed_id, reason=str(exc))
        return {"feed_id": msg.feed_id, "skipped": True}
    count_poll(broker(), outcome)
    return {"feed_id": outcome.feed_id, "status": outcome.http_status, "new": outcome.new}


@app.task(name="fetcher.fetch_article", **RETRY)
def fetch_article(message: dict) -> bool:
    """Fetch an entry's article page, then send the entry (with the page, or the reason) to the parser."""
    request = PageRequest.model_validate(message)
    settings = get_settings()
    with build_client(settings, parse_networks(settings.allowed_networks)) as client:
        entry, validators = attach_page(client, request, settings, limiter=runtime.limiter(),
                                        robots=runtime.robots())  # fmt: skip
    if validators is not None:
        with transient_db_errors(), runtime.sessions().begin() as session:
            ledger.record_page_validators(session, entry.feed_id, entry.entry_key, *validators)
    app.send_task("parser.parse_entry", args=[entry.dump()])
    return entry.page_html_z is not None


@app.task(name="fetcher.fetch_articles", **RETRY)
def fetch_articles(message: dict) -> int:
    """A poll's article pages in one task; the entries go on to the parser in one batch."""
    batch = PageRequestBatch.model_validate(message)
    settings = get_settings()
    with build_client(settings, parse_networks(settings.allowed_networks)) as client:
        done, later = attach_pages(client, batch.requests, settings, limiter=runtime.limiter(),
                                   robots=runtime.robots())  # fmt: skip
    for request in later:  # its host is busy: on its own, with fetch_article's retries
        app.send_task("fetcher.fetch_article", args=[request.dump()])
    if any(validators for _, validators in done):
        with transient_db_errors(), runtime.sessions().begin() as session:
            for entry, validators in done:
                if validators is not None:
                    ledger.record_page_validators(session, entry.feed_id, entry.entry_key, *validators)
    if done:
        app.send_task("parser.parse_batch", args=[RawEntryBatch(entries=[e for e, _ in done]).dump()])
    return len(done)


@app.task(name="fetcher.entry_stored", **RETRY)
def entry_stored(message: dict) -> bool:
    """The store's receipt: the entry version is committed, stop resending it."""
    msg = EntryStored.model_validate(message)
    with transient_db_errors(), runtime.sessions().begin() as session:
        known = ledger.record_stored(session, msg.feed_id, msg.entry_key, answered_hash=msg.content_hash,
                                     stored_hash=msg.stored_hash, article_id=msg.article_id,
                                     now=datetime.now(UTC))  # fmt: skip
    log_event(log, "entry.confirmed", feed_id=msg.feed_id, article_id=msg.article_id, entry_key=msg.entry_key,
              outcome=msg.outcome, known=known, run_id=msg.run_id)  # fmt: skip
    return known


@app.task(name="fetcher.batch_stored", **RETRY)
def batch_stored(message: dict) -> int:
    """The store's receipts for a committed batch, recorded in one transaction."""
    batch = StoredBatch.model_validate(message)
    with transient_db_errors(), runtime.sessions().begin() as session:
        known = ledger.record_stored_batch(session, batch.receipts, datetime.now(UTC))
    for msg, was_known in zip(batch.receipts, known, strict=True):
        log_event(log, "entry.confirmed", feed_id=msg.feed_id, article_id=msg.article_id,
                  entry_key=msg.entry_key, outcome=msg.outcome, known=was_known,
                  run_id=msg.run_id)  # fmt: skip
    return sum(known)


@app.task(name="fetcher.entry_failed", **RETRY)
def entry_failed(message: dict) -> bool:
    """A stage gave up on an entry: settle it with the reason so it is counted, not resent forever."""
    msg = EntryFailed.model_validate(message)
    with transient_db_errors(), runtime.sessions().begin() as session:
        known = ledger.record_failed(session, msg.feed_id, msg.entry_key, msg.content_hash, msg.reason)
    log_event(log, "entry.failed", logging.WARNING, feed_id=msg.feed_id, entry_key=msg.entry_key,
              stage=msg.stage, reason=msg.reason, known=known, run_id=msg.run_id)  # fmt: skip
    return known
