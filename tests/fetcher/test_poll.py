"""The poll spine against a real HTTP server on loopback and a real SQLite state DB."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from services.fetcher import ledger, registry
from services.fetcher.models import EntryState, Feed
from services.fetcher.poll import Outbox, poll_feed
from shared.messages import RawEntry
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route


@pytest.fixture
def sessions(settings: Settings):  # type: ignore[no-untyped-def]
    registry.ensure_schema(settings)
    return registry.session_factory(settings)


def _add(sessions, url: str) -> int:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        return registry.add_feed(session, url, "Azernews", 600).id


def _outbox(sent: list[RawEntry]) -> Outbox:
    return Outbox(
        to_parser=sent.extend, to_page_fetch=lambda requests: sent.extend(r.entry for r in requests)
    )


def _confirm(sessions, sent: list[RawEntry]) -> None:  # type: ignore[no-untyped-def]
    with sessions.begin() as session:
        for i, entry in enumerate(sent):
            ledger.record_stored(
                session, entry.feed_id, entry.entry_key, answered_hash=entry.content_hash,
                stored_hash=entry.content_hash, article_id=i, now=datetime.now(UTC),
            )  # fmt: skip


def test_new_then_not_modified_then_changed(
    settings: Settings, sessions, feed_server: FeedServer, sample_feed: bytes
) -> None:
    feed_server.routes["/rss"] = Route(sample_feed)
    feed_id = _add(sessions, feed_server.url("/rss"))
    sent: list[RawEntry] = []

    first = poll_feed(sessions, feed_id, settings, _outbox(sent))
    assert (first.http_status, first.seen, first.new) == (200, 4, 4)
    assert {e.source for e in sent} == {"Azernews"}
    assert "Tue, 29 Oct 2019 18:05:00 +0400" in {e.published_raw for e in sent}
    _confirm(sessions, sent)

    second = poll_feed(sessions, feed_id, settings, _outbox(sent))
    assert (second.http_status, second.new, second.updated) == (304, 0, 0)
    assert len(sent) == 4  # a 304 sends nothing

    feed_server.routes["/rss"] = Route(sample_feed.replace(b"1.7 AZN/USD", b"1.71 AZN/USD"))
    third = poll_feed(sessions, feed_id, settings, _outbox(sent))
    assert (third.http_status, third.new, third.updated, third.unchanged) == (200, 0, 1, 3)
    assert "1.71 AZN/USD" in sent[-1].summary_html


def test_unconfirmed_entries_are_resent_after_the_timeout(
    settings: Settings, sessions, feed_server: FeedServer, sample_feed: bytes
) -> None:
    # The server ignores validators here so every poll parses the body again.
    feed_server.routes["/rss"] = Route(sample_feed)
    feed_id = _add(sessions, feed_server.url("/rss"))
    sent: list[RawEntry] = []
    poll_feed(sessions, feed_id, settings, _outbox(sent))
    with sessions.begin() as session:
        session.get(registry.Feed, feed_id).etag = None  # type: ignore[attr-defined]
    again = poll_feed(sessions, feed_id, settings, _outbox(sent))
    assert again.new == 0 and again.unchanged == 4  # in flight: not resent yet
    with sessions.begin() as session:
        for state in session.scalars(select(EntryState)):
            state.sent_at -= timedelta(seconds=settings.resend_after_seconds + 1)
        session.get(registry.Feed, feed_id).etag = None  # type: ignore[attr-defined]
    late = poll_feed(sessions, feed_id, settings, _outbox(sent))
    assert late.new == 4  # never confirmed: the messages were lost, send them again
    assert len(sent) == 8


def test_failure_is_recorded_on_the_feed(settings: Settings, sessions, feed_server: FeedServer) -> None:
    feed_server.routes["/page"] = Route(b"<html><body>not a feed</body></html>", content_type="text/html")
    feed_id = _add(sessions, feed_server.url("/page"))
    outcome = poll_feed(sessions, feed_id, settings, _outbox([]))
    assert outcome.error and outcome.error.startswith("not a feed")
    with sessions() as session:
        feed = session.get(Feed, feed_id)
        assert feed.error_count == 1 and feed.last_error == outcome.error
        assert feed.next_poll_at > datetime.now(UTC)


def test_lost_entries_force_a_full_read_despite_validators(
    settings: Settings, sessions, feed_server: FeedServer, sample_feed: bytes
) -> None:
    """Redis lost the messages (no AOF): the feed would answer 304, but the fetcher must resend."""
    feed_server.routes["/rss"] = Route(sample_feed)
    feed_id = _add(sessions, feed_server.url("/rss"))
    sent: list[RawEntry] = []
    poll_feed(sessions, feed_id, settings, _outbox(sent))  # 4 sent, never confirmed: lost
    assert poll_feed(sessions, feed_id, settings, _outbox(sent)).http_status == 304  # too early to resend
    with sessions.begin() as session:
        for state in session.scalars(select(EntryState)):
            state.sent_at -= timedelta(seconds=settings.resend_after_seconds + 1)
    late = poll_feed(sessions, feed_id, settings, _outbox(sent))
    assert (late.http_status, late.new) == (200, 4)
    assert "If-None-Match" not in feed_server.requests[-1][1]


def test_oversized_validators_and_keys_do_not_cost_the_poll(
    settings: Settings, postgres_url: str, feed_server: FeedServer
) -> None:
    """PostgreSQL enforces column sizes: a 2 kB ETag or a 5 kB GUID from a feed failed the whole poll's
    transaction, so the feed was never read. The validator is dropped, the key bounded (issue 7)."""
    settings = settings.model_copy(update={"database_url": postgres_url})
    registry.ensure_schema(settings)
    sessions = registry.session_factory(settings)
    guids = ["g" * 5000 + "-1", "g" * 5000 + "-2", "short"]
    items = "".join(f"<item><title>Story {i}</title><guid>{g}</guid></item>" for i, g in enumerate(guids))
    body = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    )
    feed_server.routes["/rss"] = Route(
        body, last_modified="x" * 300, headers={"ETag": '"' + "e" * 2000 + '"'}
    )
    feed_id = _add(sessions, feed_server.url("/rss"))
    sent: list[RawEntry] = []
    outcome = poll_feed(sessions, feed_id, settings, _outbox(sent))
    assert (outcome.error, outcome.new) == (None, 3)
    keys = {e.entry_key for e in sent}  # feedparser resolves a GUID against the feed URL
    assert len(keys) == 3 and feed_server.url("/short") in keys and max(len(k) for k in keys) <= 2048
    with sessions() as session:
        feed = session.get(Feed, feed_id)
        assert (feed.etag, feed.last_modified) == (None, None)
        assert session.scalar(select(func.count()).select_from(EntryState)) == 3
