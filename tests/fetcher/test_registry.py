import pytest

from services.fetcher import registry
from shared.settings import Settings


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("10m", 600, id="minutes"),
        pytest.param("1h", 3600, id="hours"),
        pytest.param("2h30m", 9000, id="compound"),
        pytest.param("1d", 86400, id="day"),
        pytest.param("90s", 90, id="seconds"),
        pytest.param("15", 900, id="bare-number-is-minutes"),
    ],
)
def test_parse_interval(text: str, seconds: int) -> None:
    assert registry.parse_interval(text) == seconds
    assert registry.parse_interval(registry.format_interval(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "ten minutes", "10x", "30s", "5m garbage"])
def test_bad_interval_is_refused(text: str) -> None:
    with pytest.raises(registry.RegistryError):
        registry.parse_interval(text)


def test_default_feed_list_ships_azernews_first_and_marks_unverified() -> None:
    feeds = registry.load_default_feeds()
    assert len(feeds) >= 8
    assert feeds[0]["url"] == "https://www.azernews.az/rss/Azerbaijan.xml"
    assert all(f["url"].startswith(("http://", "https://")) for f in feeds)
    assert all(isinstance(f["verified"], bool) and f["source"] for f in feeds)
    assert len({f["url"] for f in feeds}) == len(feeds)


def test_defaults_are_seeded_once_and_a_removed_feed_stays_removed(settings: Settings) -> None:
    settings = settings.model_copy(update={"seed_default_feeds": True})
    registry.ensure_schema(settings)
    sessions = registry.session_factory(settings)
    with sessions.begin() as session:
        feeds = registry.list_feeds(session)
        assert feeds[0].name == "Azernews"
        session.delete(registry.find_feed(session, feeds[0].url))
    registry.ensure_schema(settings)
    with sessions() as session:
        assert "Azernews" not in [f.name for f in registry.list_feeds(session)]


def test_add_find_and_duplicate(settings: Settings) -> None:
    registry.ensure_schema(settings)
    with registry.session_factory(settings).begin() as session:
        feed = registry.add_feed(session, "https://civil.ge/feed", None, 600)
        assert feed.name == "civil.ge"
        assert registry.find_feed(session, str(feed.id)) is feed
        with pytest.raises(registry.RegistryError, match="already registered"):
            registry.add_feed(session, "https://civil.ge/feed", None, 600)
        with pytest.raises(registry.RegistryError, match="not an http"):
            registry.add_feed(session, "ftp://civil.ge/feed", None, 600)
        with pytest.raises(registry.RegistryError, match="no feed"):
            registry.find_feed(session, "999")


def test_due_feeds_and_claim(settings: Settings) -> None:
    from datetime import UTC, datetime, timedelta

    registry.ensure_schema(settings)
    now = datetime(2026, 11, 27, 12, tzinfo=UTC)
    with registry.session_factory(settings).begin() as session:
        never = registry.add_feed(session, "https://a.example/rss", "A", 600)
        later = registry.add_feed(session, "https://b.example/rss", "B", 600)
        off = registry.add_feed(session, "https://c.example/rss", "C", 600)
        later.next_poll_at = now + timedelta(minutes=5)
        off.enabled = False
        assert registry.due_feeds(session, now) == [never]
        registry.claim(never, now)  # beat sent its poll: the next tick must not send it again
        assert registry.due_feeds(session, now + timedelta(minutes=1)) == []
        assert registry.due_feeds(session, now + timedelta(minutes=10)) == [later, never]
