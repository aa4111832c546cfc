"""The whole pipeline: real Redis, real Celery worker processes, a real database (SQLite, PostgreSQL)."""

import time
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy import select

from newswire.once import UNACKED, queued_messages
from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.store import repository
from services.store.models import Article
from shared.celery_app import create_app
from shared.messages import RawEntry
from shared.settings import Settings
from tests.support.feed_server import FeedServer
from tests.support.sample_site import serve_sample
from tests.support.system import running

pytestmark = pytest.mark.integration


@pytest.fixture
def system(
    settings: Settings, database_url: str, redis_url: str, broker: redis.Redis
) -> Iterator[Supervisor]:
    """fetch, parse and store workers as real processes on the test Redis and database."""
    settings = settings.model_copy(update={"database_url": database_url, "redis_url": redis_url})
    with running(settings) as supervisor:
        yield supervisor


def _wait_idle(broker: redis.Redis, timeout: float = 30) -> None:
    deadline, quiet = time.monotonic() + timeout, 0
    while time.monotonic() < deadline:
        quiet = quiet + 1 if queued_messages(broker) == 0 and broker.hlen(UNACKED) == 0 else 0
        if quiet >= 3:
            return
        time.sleep(0.2)
    raise AssertionError("the queues did not drain")


def test_feed_to_stored_articles(system: Supervisor, feed_server: FeedServer, sample_feed: bytes) -> None:
    feed_url = serve_sample(feed_server)
    with registry.session_factory(system.settings).begin() as session:
        registry.add_feed(session, feed_url, "Azernews", 600)

    summary = system.run_once()
    assert [(r.status, r.seen, r.new, r.errors) for r in summary.feeds] == [("200", 4, 4, 0)]
    assert summary.stored_total == 4 and not summary.timed_out and summary.unsettled == 0

    with repository.reader(system.settings)() as session:
        rows = {a.title: a for a in session.scalars(select(Article))}
    sample = rows["Azerbaijan, Uzbekistan sign military cooperation plan for 2020"]
    assert sample.label_names == ["defense", "diplomacy"]
    assert sample.published_at.isoformat() == "2019-10-29T14:05:00+00:00"
    assert "Bakhodir Kurbanov" in sample.text and "<" not in sample.text
    # Issue 4: who, where, what, stored with the article by the real pipeline.
    assert sample.language == "en"
    assert [c["code"] for c in sample.facts["countries"]] == ["AZ", "UZ", "BY"]
    assert sample.facts["main_pair"] == ["AZ", "UZ"]
    assert {(p["name"], p["rank"], p["country"]) for p in sample.facts["people"]} == {
        ("Zakir Hasanov", "Colonel General", "AZ"),
        ("Bakhodir Kurbanov", "Major General", "UZ"),
    }
    assert {"CIS", "MoD-AZ"} <= {o["id"] for o in sample.facts["organisations"]}
    first_event = sample.facts["events"][0]
    assert (first_event["type"], first_event["actors"]) == ("agreement_signed", ["AZ", "UZ"])
    assert ("agreement_signed", ("AZ", "BY"), "2019-10-29") in {
        (e["type"], tuple(e["actors"]), e["date"]) for e in sample.facts["events"]
    }
    assert any("Colonel General Zakir Hasanov" in s for s in sample.evidence["defense"]["sentences"])
    from_pages = [a for a in rows.values() if a.text_source == "page"]
    assert from_pages, "the summary-only entries' pages were fetched and extracted"
    assert all(a.canonical_url and a.canonical_url.endswith(".html") for a in from_pages)

    again = system.run_once()
    assert [(r.status, r.new, r.updated) for r in again.feeds] == [("304", 0, 0)]
    assert again.stored_total == 4


def test_duplicate_delivery_stores_one_row(system: Supervisor, broker: redis.Redis) -> None:
    entry = RawEntry(
        feed_id=1, feed_url="http://127.0.0.1/rss", source="Azernews", entry_key="dup-1", guid="dup-1",
        title="Defense ministers sign cooperation plan", content_html="<p>The defense ministry said.</p>",
        content_hash="c0ffee", fetched_at="2026-11-27T10:00:00Z",
    )  # fmt: skip
    app = create_app(system.settings.model_copy(update={"redis_url": system.redis_url}))
    for _ in range(3):
        app.send_task("parser.parse_entry", args=[entry.dump()])
    _wait_idle(broker)
    with repository.reader(system.settings)() as session:
        rows = list(session.scalars(select(Article).where(Article.entry_key == "dup-1")))
    assert len(rows) == 1 and rows[0].version == 1
