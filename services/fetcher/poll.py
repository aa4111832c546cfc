"""Polling one feed, top to bottom: fetch conditionally, parse, decide per entry, send, record."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker

from services.fetcher import ledger
from services.fetcher.conditional_get import FetchError, build_client, fetch
from services.fetcher.feed_parse import NotAFeed, parse_feed
from services.fetcher.models import Feed, PollLog
from services.fetcher.network_guard import parse_networks
from shared.logging import log_event
from shared.messages import RawEntry
from shared.settings import Settings

log = logging.getLogger("newswire.fetcher")
Send = Callable[[RawEntry], None]


@dataclass
class PollOutcome:
    """What one poll did: the row `newswire run --once` prints for the feed."""

    feed_id: int
    http_status: int | None = None
    seen: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    error: str | None = None


def poll_feed(
    sessions: sessionmaker[Session],
    feed_id: int,
    settings: Settings,
    send: Send,
    *,
    run_id: str | None = None,
    transport: httpx.BaseTransport | None = None,
) -> PollOutcome:
    """Poll one feed and send every new or changed entry; no DB lock is held while fetching."""
    started = datetime.now(UTC)
    with sessions() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise LookupError(f"feed {feed_id} is not in the registry")
        url, etag, last_modified = feed.url, feed.etag, feed.last_modified
    outcome = PollOutcome(feed_id=feed_id)
    parsed, validators = None, (etag, last_modified)
    try:
        with build_client(settings, parse_networks(settings.allowed_networks), transport) as client:
            result = fetch(
                client,
                url,
                etag=etag,
                last_modified=last_modified,
                max_bytes=settings.http_max_body_bytes,
                total_timeout=settings.http_total_timeout,
            )
        outcome.http_status = result.status
        if not result.not_modified:
            parsed = parse_feed(result.body, result.headers, result.url)
            # Keep validators only from a successful, parsed 200 (RFC 9110 §8.8).
            validators = (result.headers.get("etag"), result.headers.get("last-modified"))
    except FetchError as exc:
        outcome.error, outcome.http_status = str(exc), exc.status
    except NotAFeed as exc:
        outcome.error = str(exc)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:  # removed while we fetched
            raise LookupError(f"feed {feed_id} was removed during its poll")
        if parsed is not None:
            _send_entries(session, feed, parsed, settings, send, outcome, now, run_id)
        feed.etag, feed.last_modified = validators
        if outcome.error:
            feed.error_count += 1
        else:
            feed.error_count = 0
        feed.last_error = outcome.error
        feed.last_status = outcome.http_status
        feed.last_polled_at = now
        feed.next_poll_at = now + timedelta(seconds=feed.interval_seconds)
        _log_poll(session, feed, outcome, started, run_id)
    log_event(
        log,
        "poll.failed" if outcome.error else "poll.done",
        logging.WARNING if outcome.error else logging.INFO,
        feed_id=feed_id,
        url=url,
        status=outcome.http_status,
        seen=outcome.seen,
        new=outcome.new,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        reason=outcome.error,
        run_id=run_id,
    )
    return outcome


def _send_entries(session, feed, parsed, settings, send, outcome, now, run_id) -> None:  # type: ignore[no-untyped-def]
    """Decide per entry from the ledger; send first, then record (a crash in between resends)."""
    resend_after = timedelta(seconds=settings.resend_after_seconds)
    entries = {entry.key: entry for entry in parsed.entries}  # a key repeated in one feed: last wins
    states = ledger.load_states(session, feed.id, list(entries))
    outcome.seen = len(entries)
    for key, entry in entries.items():
        state = states.get(key)
        decision = ledger.decide(state, entry.content_hash, now, resend_after)
        if decision in (ledger.Decision.UNCHANGED, ledger.Decision.IN_FLIGHT, ledger.Decision.FAILED):
            outcome.unchanged += 1
            continue
        send(
            RawEntry(
                feed_id=feed.id,
                feed_url=feed.url,
                source=feed.name,
                entry_key=key,
                guid=entry.guid,
                link=entry.link,
                title=entry.title,
                summary_html=entry.summary_html,
                content_html=entry.content_html,
                author=entry.author,
                published_raw=entry.published_raw,
                tags=entry.tags,
                language=parsed.language,
                content_hash=entry.content_hash,
                fetched_at=now,
                run_id=run_id,
            )
        )
        ledger.record_sent(session, state, feed.id, key, entry.content_hash, now, run_id)
        if decision is ledger.Decision.UPDATED:
            outcome.updated += 1
        else:
            outcome.new += 1


def _log_poll(
    session: Session, feed: Feed, outcome: PollOutcome, started: datetime, run_id: str | None
) -> None:
    if run_id is not None:  # a redelivered --once poll replaces its row
        session.execute(delete(PollLog).where(PollLog.run_id == run_id, PollLog.feed_id == feed.id))
    session.add(
        PollLog(
            feed_id=feed.id,
            run_id=run_id,
            started_at=started,
            finished_at=datetime.now(UTC),
            http_status=outcome.http_status,
            seen=outcome.seen,
            new=outcome.new,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            error=outcome.error,
        )
    )
