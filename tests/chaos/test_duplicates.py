"""Chaos: the same stories arriving at once through two feeds (other GUIDs, a tracking parameter on the
link), through the real pipeline on SQLite and on PostgreSQL (four store threads racing): one row each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import func, select

from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.fetcher.models import EntryState
from services.store import repository
from services.store.models import Article
from shared.settings import Settings
from tests.chaos.test_crashes import BODY, _poll_all, _stored, _wait_for
from tests.support.feed_server import FeedServer, Route
from tests.support.system import running

pytestmark = pytest.mark.chaos
STORIES = 100


def _feed(name: str, suffix: str) -> bytes:
    items = "".join(
        f"<item><title>Story {i}</title><link>https://www.azernews.az/nation/{i}.html{suffix}</link>"
        f"<guid>{name}-{i}</guid><description><![CDATA[{BODY}]]></description></item>"
        for i in range(STORIES)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{items}</channel></rss>'.encode()


@pytest.fixture
def two_feeds(
    settings: Settings, database_url: str, redis_url: str, broker: redis.Redis, feed_server: FeedServer
) -> Iterator[Supervisor]:
    """Two feeds listing the same 100 stories, polled at the same moment."""
    settings = settings.model_copy(update={"redis_url": redis_url, "database_url": database_url})
    with running(settings) as supervisor:
        with registry.session_factory(settings).begin() as session:
            for name, suffix in (("main", ""), ("regional", "?utm_source=rss&utm_medium=feed")):
                feed_server.routes[f"/{name}"] = Route(_feed(name, suffix))
                registry.add_feed(session, feed_server.url(f"/{name}"), name, 600, fulltext="summary")
        _poll_all(settings)
        yield supervisor


def test_the_same_story_through_two_feeds_is_one_row(two_feeds: Supervisor) -> None:
    settings = two_feeds.settings
    settled = select(func.count()).where(EntryState.settled_hash == EntryState.sent_hash)

    def all_settled() -> bool:
        with registry.session_factory(settings)() as session:
            return session.scalar(settled) == 2 * STORIES  # both feeds' entries answered by the store

    _wait_for(all_settled, 120, "both feeds' entries confirmed", lambda: _stored(settings))
    with repository.reader(settings)() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == STORIES
        assert session.scalar(select(func.count(func.distinct(Article.url)))) == STORIES
        assert session.scalar(select(func.max(Article.version))) == 1  # the second copy changed nothing
    with registry.session_factory(settings)() as session:
        ids = session.scalars(select(EntryState.article_id)).all()
    assert len(ids) == 2 * STORIES and len(set(ids)) == STORIES  # each feed's entry points at the one row
