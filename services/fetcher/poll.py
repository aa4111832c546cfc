"""Polling one feed, top to bottom: fetch conditionally, parse, decide per entry, send, record, schedule."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from services.fetcher import ledger, schedule
from services.fetcher.conditional_get import FetchError, FetchResult, build_client, fetch, validators
from services.fetcher.discovery import discover_feeds, looks_like_html
from services.fetcher.feed_parse import NotAFeed, ParsedFeed, parse_feed
from services.fetcher.models import EntryState, Feed, FeedURL, PollLog
from services.fetcher.network_guard import parse_networks
from services.fetcher.politeness import HostLimiter
from shared import metrics
from shared.logging import log_event
from shared.messages import PageRequest, RawEntry
from shared.settings import Settings

log = logging.getLogger("newswire.fetcher")
# Pages per fetch message: pages are slow (up to NEWSWIRE_HTTP_TOTAL_TIMEOUT each), and five of them stay
# well inside a task's time limit while sharing the bus's cost per message.
PAGE_BATCH = 5


@dataclass(frozen=True)
class Outbox:
    """Where a poll sends entries: straight to the parser (in batches), or first to the article-page fetch."""

    to_parser: Callable[[list[RawEntry]], None]
    to_page_fetch: Callable[[list[PageRequest]], None]


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
    warning: str | None = None
    retry_after: float | None = None
    moved_to: str | None = None
    hint_seconds: list[int | None] = field(default_factory=list)


def poll_feed(
    sessions: sessionmaker[Session],
    feed_id: int,
    settings: Settings,
    outbox: Outbox,
    *,
    run_id: str | None = None,
    transport: httpx.BaseTransport | None = None,
    limiter: HostLimiter | None = None,
) -> PollOutcome:
    """Poll one feed and send every new or changed entry; no DB lock is held while fetching."""
    started = datetime.now(UTC)
    with sessions() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:
            raise LookupError(f"feed {feed_id} is not in the registry")
        url, etag, last_modified = feed.url, feed.etag, feed.last_modified
        resend_before = started - timedelta(seconds=settings.resend_after_seconds)
        if ledger.has_lost_entries(session, feed_id, resend_before):
            etag = last_modified = None  # a 304 would hide the entries we must send again
    outcome = PollOutcome(feed_id=feed_id)
    parsed, kept = None, (etag, last_modified)
    try:
        with build_client(settings, parse_networks(settings.allowed_networks), transport) as client:
            result = _get(client, url, etag, last_modified, settings, limiter)
            outcome.http_status = result.status
            outcome.moved_to = result.permanent_url
            if not result.not_modified:
                parsed, result = _parse_or_discover(client, result, settings, limiter, outcome)
                # Keep validators only from a successful, parsed 200 (RFC 9110 §8.8).
                kept = validators(result.headers)
        outcome.hint_seconds.append(schedule.http_hint_seconds(result.headers))
    except FetchError as exc:
        outcome.error, outcome.http_status, outcome.retry_after = str(exc), exc.status, exc.retry_after
    except NotAFeed as exc:
        outcome.error = str(exc)
    now = datetime.now(UTC)
    with sessions.begin() as session:
        feed = session.get(Feed, feed_id)
        if feed is None:  # removed while we fetched
            raise LookupError(f"feed {feed_id} was removed during its poll")
        if parsed is not None:
            _send_entries(session, feed, parsed, settings, outbox, outcome, now, run_id)
        feed.etag, feed.last_modified = kept
        _record_health(session, feed, outcome, settings, now)
        _log_poll(session, feed, outcome, started, run_id)
    _log_outcome(feed_id, url, outcome, run_id, settings)
    return outcome


def _get(client, url, etag, last_modified, settings, limiter) -> FetchResult:  # type: ignore[no-untyped-def]
    return fetch(
        client,
        url,
        etag=etag,
        last_modified=last_modified,
        max_bytes=settings.http_max_body_bytes,
        total_timeout=settings.http_total_timeout,
        limiter=limiter,
    )


def _parse_or_discover(client, result, settings, limiter, outcome) -> tuple[ParsedFeed, FetchResult]:  # type: ignore[no-untyped-def]
    """Parse the feed; if the URL now serves an HTML page that names its feed, follow that once."""
    try:
        parsed = parse_feed(result.body, result.headers, result.url)
    except NotAFeed:
        if not looks_like_html(result.body, result.headers.get("content-type")):
            raise
        found = discover_feeds(result.body, result.url)
        if not found:
            raise NotAFeed("not a feed (an HTML page that links no RSS or Atom feed)") from None
        result = _get(client, found[0], None, None, settings, limiter)
        parsed = parse_feed(result.body, result.headers, result.url)
        outcome.warning = f"the feed URL serves an HTML page; read the feed it announces, {found[0]}"
    if parsed.bozo:
        bozo = f"ill-formed feed, entries kept: {parsed.bozo.splitlines()[0]}"
        outcome.warning = f"{outcome.warning}; {bozo}" if outcome.warning else bozo
    outcome.hint_seconds.append(schedule.feed_hint_seconds(parsed.ttl, parsed.sy_period, parsed.sy_frequency))
    return parsed, result


def _send_entries(session, feed, parsed, settings, outbox, outcome, now, run_id) -> None:  # type: ignore[no-untyped-def]
    """Decide per entry from the ledger; send first, then record (a crash in between resends). Entries for
    the parser go in batches of NEWSWIRE_BATCH_SIZE: the bus's cost per message is shared."""
    resend_after = timedelta(seconds=settings.resend_after_seconds)
    entries = {entry.key: entry for entry in parsed.entries}
    states = ledger.load_states(session, feed.id, list(entries))
    outcome.seen = len(entries)
    to_parse: list[RawEntry] = []
    to_fetch: list[PageRequest] = []
    sent: list[tuple[EntryState | None, str, str]] = []
    for key, entry in entries.items():
        state = states.get(key)
        decision = ledger.decide(state, entry.content_hash, now, resend_after)
        if decision in (ledger.Decision.UNCHANGED, ledger.Decision.IN_FLIGHT, ledger.Decision.FAILED):
            outcome.unchanged += 1
            continue
        raw = RawEntry(
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
        if entry.link and wants_page(feed.fulltext, entry.content_html or entry.summary_html, settings):
            etag, modified = (state.page_etag, state.page_last_modified) if state else (None, None)
            to_fetch.append(PageRequest(entry=raw, etag=etag, last_modified=modified))
        else:
            to_parse.append(raw)
        sent.append((state, key, entry.content_hash))
        if decision is ledger.Decision.UPDATED:
            outcome.updated += 1
        else:
            outcome.new += 1
    size = max(1, settings.batch_size)
    for start in range(0, len(to_parse), size):
        outbox.to_parser(to_parse[start : start + size])
    for start in range(0, len(to_fetch), PAGE_BATCH):
        outbox.to_page_fetch(to_fetch[start : start + PAGE_BATCH])
    for state, key, content_hash in sent:
        ledger.record_sent(session, state, feed.id, key, content_hash, now, run_id)


def wants_page(mode: str, feed_html: str, settings: Settings) -> bool:
    """Fetch the article page? 'page' always, 'summary' never, 'auto' when the feed's text is short."""
    if mode == "page":
        return True
    if mode == "summary":
        return False
    text = BeautifulSoup(feed_html, "lxml").get_text(" ", strip=True) if feed_html else ""
    return len(text) < settings.fulltext_threshold


def _record_health(
    session: Session, feed: Feed, outcome: PollOutcome, settings: Settings, now: datetime
) -> None:
    """Errors, backoff, Retry-After, 410, permanent moves, hints: all of the feed's schedule in one place."""
    if outcome.moved_to and outcome.moved_to != feed.url and not outcome.error:
        _move(session, feed, outcome.moved_to, now)
    feed.last_status = outcome.http_status
    feed.last_polled_at = now
    feed.last_warning = outcome.warning
    if outcome.http_status == 410:
        # Gone is permanent (RFC 9110 §15.5.11): stop polling until a person re-enables the feed.
        feed.enabled = False
        feed.disabled_reason = f"HTTP 410 Gone on {now:%Y-%m-%d %H:%M} UTC"
    if outcome.error:
        feed.error_count += 1
        feed.last_error = outcome.error
        if feed.error_count == settings.broken_after:  # reported once, loudly; polling goes on at the cap
            log_event(log, "feed.broken", logging.ERROR, feed_id=feed.id, url=feed.url, reason=outcome.error,
                      consecutive_errors=feed.error_count)  # fmt: skip
        wait = schedule.backoff_seconds(feed.error_count, feed.interval_seconds, settings.backoff_cap_seconds)
        if outcome.retry_after is not None:  # never earlier than the server asked (capped)
            wait = max(wait, min(outcome.retry_after, settings.max_retry_after_seconds))
        feed.next_poll_at = now + timedelta(seconds=wait)
        return
    feed.error_count, feed.last_error, feed.last_success_at = 0, None, now
    interval = schedule.effective_interval(
        feed.interval_seconds, outcome.hint_seconds, settings.max_hinted_interval_seconds
    )
    feed.next_poll_at = schedule.next_poll(feed.next_poll_at, feed.interval_seconds, interval, now)


def _move(session: Session, feed: Feed, new_url: str, now: datetime) -> None:
    """A 301/308 moves the feed; the old URL stays in its history."""
    clash = session.scalar(select(Feed).where(Feed.url == new_url, Feed.id != feed.id))
    if clash is not None:  # another registered feed already polls the new URL: stop the duplicate
        feed.enabled = False
        feed.disabled_reason = f"moved permanently to {new_url}, already registered as feed {clash.id}"
        return
    session.add(
        FeedURL(feed_id=feed.id, url=feed.url, replaced_at=now, reason=f"permanent redirect to {new_url}")
    )
    feed.url = new_url


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


def _log_outcome(
    feed_id: int, url: str, outcome: PollOutcome, run_id: str | None, settings: Settings
) -> None:
    event, level = ("poll.failed", logging.WARNING) if outcome.error else ("poll.done", logging.INFO)
    log_event(
        log,
        event,
        level,
        feed_id=feed_id,
        url=url,
        status=outcome.http_status,
        seen=outcome.seen,
        new=outcome.new,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        reason=outcome.error,
        warning=outcome.warning,
        moved_to=outcome.moved_to,
        retry_after=outcome.retry_after,
        run_id=run_id,
    )


def count_poll(client, outcome: PollOutcome) -> None:  # type: ignore[no-untyped-def]
    """Add one poll to the shared metrics."""
    if outcome.error:
        kind = "gone" if outcome.http_status == 410 else "error"
        metrics.inc(client, "newswire_feed_errors_total", feed_id=str(outcome.feed_id))
    else:
        kind = "not_modified" if outcome.http_status == 304 else "ok"
    metrics.inc(client, "newswire_polls_total", outcome=kind)
    for decision in ("new", "updated", "unchanged"):
        metrics.inc(client, "newswire_entries_total", getattr(outcome, decision), decision=decision)
