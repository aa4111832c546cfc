"""Chaos: poison messages inside a burst. A page that crashes extraction and an article PostgreSQL refuses
go to dead letters (feed and entry named) and the rest of the burst is stored exactly once; a stray NUL
is not poison (the parser drops it); a message whose worker dies on every run stops looping."""

from __future__ import annotations

import base64
import signal
import time
import zlib
from collections.abc import Iterator

import psutil
import pytest
import redis
from sqlalchemy import func, select

from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.fetcher.models import EntryState
from services.store import repository
from services.store.models import Article
from shared import dead_letters
from shared.celery_app import create_app
from shared.messages import RawEntry
from shared.settings import Settings
from tests.chaos.test_crashes import BODY, FEEDS, PER_FEED, TOTAL, _child, _poll_all, _stored, _wait_for
from tests.support.feed_server import FeedServer, Route
from tests.support.system import running

pytestmark = pytest.mark.chaos
PAGE_FEED, NUL_FEED, LONG_URL_FEED, REFUSED_FEED = 0, 1, 2, 3
CRASHING_PAGE, DEEP_PAGE, NUL_ENTRY, LONG_URL_ENTRY, REFUSED_ENTRY = 13, 14, 5, 9, 11
# No page known to us crashes extraction any more (the last one, JSON-LD nested past the recursion limit,
# is below as DEEP_PAGE and must now be stored). So the test brings the bug: a sitecustomize module on the
# workers' PYTHONPATH makes extraction raise on a marked page, as an unknown library bug would.
CRASH_MARK = "<!-- newswire-test: extraction crashes here -->"
SITECUSTOMIZE = f"""
import services.parser.extract as extract_module

_extract = extract_module.extract


def extract(html, url=None):
    text = html if isinstance(html, str) else html.decode("utf-8", "replace")
    if {CRASH_MARK!r} in text:
        raise RuntimeError("extraction crashed (injected by the chaos test)")
    return _extract(html, url)


extract_module.extract = extract
"""
DEEP_JSON_LD = "[" * 5000 + "]" * 5000
# A percent-encoded Cyrillic slug: 2,100+ characters, past the 2,048 PostgreSQL once enforced for a URL.
LONG_SLUG = "%D0%BC%D0%B8%D0%BD%D0%B8%D1%81%D1%82%D1%80-" * 50
# The article the database refuses: a rule a DBA could add, enforced by PostgreSQL itself (% doubled:
# psycopg reads placeholders even without parameters).
REFUSING_TRIGGER = """
CREATE FUNCTION refuse_embargoed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.title LIKE 'EMBARGOED%%' THEN
    RAISE EXCEPTION 'embargoed story refused: %%', NEW.title USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER refuse_embargoed BEFORE INSERT OR UPDATE ON articles
  FOR EACH ROW EXECUTE FUNCTION refuse_embargoed();
"""


def _item(base: str, n: int, i: int) -> str:
    title, body, link = f"Story {n}-{i}", BODY, f"http://127.0.0.1/{n}/{i}"
    if n == PAGE_FEED:
        link = f"{base}/page/{i}"
    if (n, i) == (NUL_FEED, NUL_ENTRY):
        title, body = "Defense\x00 ministers meet", BODY.replace("cooperation", "coop\x00eration")
    if (n, i) == (LONG_URL_FEED, LONG_URL_ENTRY):
        link = f"http://127.0.0.1/{n}/{LONG_SLUG}"
    if (n, i) == (REFUSED_FEED, REFUSED_ENTRY):
        title = f"EMBARGOED {title}"
    return (
        f"<item><title>{title}</title><link>{link}</link><guid>s-{n}-{i}</guid>"
        f"<description><![CDATA[{body}]]></description></item>"
    )


def _feed(base: str, n: int) -> bytes:
    items = "".join(_item(base, n, i) for i in range(PER_FEED))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>F{n}</title>{items}</channel></rss>'.encode()


def _page(i: int) -> bytes:
    ld = DEEP_JSON_LD if i == DEEP_PAGE else '{"@type": "NewsArticle", "headline": "Story"}'
    mark = CRASH_MARK if i == CRASHING_PAGE else ""
    return (
        f'<html><head><title>Story {i}</title><script type="application/ld+json">{ld}</script></head>'
        f"<body>{mark}<article><h1>Story {i}</h1>{BODY}<p>Only the article page has this paragraph.</p>"
        "</article></body></html>"
    ).encode()


@pytest.fixture
def poison_burst(  # type: ignore[no-untyped-def]
    settings: Settings,
    redis_url: str,
    broker: redis.Redis,
    feed_server: FeedServer,
    postgres_url: str,
    tmp_path,
    monkeypatch,
) -> Iterator[Supervisor]:
    """The chaos burst on PostgreSQL, feed 0 read from its article pages, extraction's bug and the
    database's rule in place before the workers start."""
    settings = settings.model_copy(update={
        "redis_url": redis_url, "database_url": postgres_url, "visibility_timeout": 8,
        "unacked_sweep_seconds": 1, "retry_backoff_max": 4, "retry_for_seconds": 20, "stall_seconds": 60,
        "resend_after_seconds": 20, "host_min_delay_seconds": 0.02,
    })  # fmt: skip
    (tmp_path / "inject").mkdir()
    (tmp_path / "inject" / "sitecustomize.py").write_text(SITECUSTOMIZE)
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "inject"))  # newswire itself is installed
    repository.ensure_schema(settings)
    with repository.engine_for(settings.article_db_url).begin() as conn:
        conn.exec_driver_sql(REFUSING_TRIGGER)
    with running(settings) as supervisor:
        with registry.session_factory(settings).begin() as session:
            for i in range(PER_FEED):
                feed_server.routes[f"/page/{i}"] = Route(_page(i), content_type="text/html; charset=utf-8")
            for n in range(FEEDS):
                feed_server.routes[f"/feed/{n}"] = Route(_feed(feed_server.base_url, n))
                mode = "page" if n == PAGE_FEED else "summary"
                registry.add_feed(session, feed_server.url(f"/feed/{n}"), f"Feed {n}", 600, fulltext=mode)
        _poll_all(settings)
        yield supervisor


def _feed_ids(settings: Settings) -> dict[str, int]:
    with registry.session_factory(settings)() as session:
        return {feed.name: feed.id for feed in registry.list_feeds(session)}


def test_poison_goes_to_dead_letters_and_the_rest_is_stored_once(  # type: ignore[no-untyped-def]
    poison_burst, broker: redis.Redis
) -> None:
    settings = poison_burst.settings
    _wait_for(lambda: dead_letters.count(broker) >= 2 and _stored(settings) >= TOTAL - 2, 240,
              "two dead letters and the rest stored", lambda: (dead_letters.count(broker), _stored(settings)))  # fmt: skip
    ids = _feed_ids(settings)
    guid = lambda key: (key or "").rsplit("/", 1)[-1]  # noqa: E731 (feedparser resolves a guid against the feed URL)
    letters = {(one.task, one.feed_id, guid(one.entry_key)): one for one in dead_letters.list_letters(broker)}
    crashed = letters.pop(("parser.parse_entry", ids[f"Feed {PAGE_FEED}"], f"s-{PAGE_FEED}-{CRASHING_PAGE}"))
    refused = letters.pop(
        ("store.save_article", ids[f"Feed {REFUSED_FEED}"], f"s-{REFUSED_FEED}-{REFUSED_ENTRY}")
    )
    assert letters == {}  # nothing else failed
    assert crashed.error.startswith("RuntimeError: extraction crashed") and "page_html_z" in crashed.args[0]
    assert refused.error.startswith("IntegrityError") and "embargoed story refused" in refused.error
    with repository.reader(settings)() as session:
        assert session.scalar(select(func.count()).select_from(Article)) == TOTAL - 2
        assert session.scalar(select(func.count(func.distinct(Article.article_key)))) == TOTAL - 2
        assert session.scalar(select(func.max(Article.version))) == 1
        nul = session.scalar(select(Article).where(Article.entry_key.endswith(f"/s-{NUL_FEED}-{NUL_ENTRY}")))
        assert nul is not None and nul.title == "Defense ministers meet" and "cooperation" in nul.text
        long_url = session.scalar(select(Article.url).where(Article.url.contains(LONG_SLUG)))
        assert long_url is not None and len(long_url) > 2048  # once refused by PostgreSQL, now stored
        deep = session.scalar(
            select(Article).where(Article.entry_key.endswith(f"/s-{PAGE_FEED}-{DEEP_PAGE}"))
        )
        assert deep is not None and deep.text_source == "page"  # the nested JSON-LD costs nothing
        from_pages = session.scalar(select(func.count()).where(Article.text_source == "page"))
        assert from_pages == PER_FEED - 1  # every page but the crashing one was read
    settled = select(func.count()).where(EntryState.settled_hash == EntryState.sent_hash)
    with registry.session_factory(settings)() as session:  # the fetcher heard of every entry, poison too
        _wait_for(lambda: session.scalar(settled) == TOTAL, 60, "every entry settled at the fetcher")
        failed = session.scalar(select(func.count()).where(EntryState.failed_hash.is_not(None)))
    assert failed == 2
    assert _child(poison_burst, "parse").alive() and _child(poison_burst, "store").alive()


HUGE_PARAGRAPH = (
    "<p>" + "The defense ministers discussed military cooperation in Baku on Tuesday. " * 8 + "</p>"
)


def _huge_entry(key: str) -> RawEntry:
    """An entry whose article page is 4.8 MB of prose (under the parser's 5 MB cap): seconds of parsing,
    the process an out-of-memory killer picks."""
    page = "".join(HUGE_PARAGRAPH.replace("Baku", f"Baku {i}") for i in range(6000))
    html = f"<html><head><title>Huge</title></head><body><article><h1>Huge</h1>{page}</article></body></html>"
    return RawEntry(feed_id=1, feed_url="u", source="Azernews", entry_key=key, guid=key, content_hash=key,
                    fetched_at="2026-11-27T10:00:00Z", title="Huge", link=f"http://127.0.0.1/{key}",
                    page_html_z=base64.b64encode(zlib.compress(html.encode())).decode())  # fmt: skip


def _small_entry(key: str) -> RawEntry:
    return RawEntry(feed_id=1, feed_url="u", source="Azernews", entry_key=key, guid=key, content_hash=key,
                    fetched_at="2026-11-27T10:00:00Z", title=f"Defense ministers meet {key}",
                    summary_html=BODY, link=f"http://127.0.0.1/{key}")  # fmt: skip


@pytest.fixture
def one_parser(settings: Settings, redis_url: str, broker: redis.Redis) -> Iterator[Supervisor]:
    """The workers with a single parse process, so the test knows which process runs the huge page."""
    settings = settings.model_copy(
        update={"redis_url": redis_url, "parse_concurrency": 1, "max_worker_lost": 3}
    )
    with running(settings) as supervisor:
        yield supervisor


def _kill_busy_pool_child(main: psutil.Process, cpu_seconds: float, killed: set[int]) -> None:
    """What an out-of-memory killer does to the parse process holding the huge page: SIGKILL it. The busy
    one is the pool child that has burnt `cpu_seconds` (a fresh child starts at zero)."""
    for child in main.children():
        try:
            if child.pid in killed or child.status() == psutil.STATUS_ZOMBIE:
                continue
            times = child.cpu_times()
            if times.user + times.system >= cpu_seconds:
                child.send_signal(signal.SIGKILL)
                killed.add(child.pid)
        except psutil.NoSuchProcess:
            continue


def test_a_message_that_kills_its_worker_every_time_stops_looping(  # type: ignore[no-untyped-def]
    one_parser, broker: redis.Redis
) -> None:
    settings = one_parser.settings
    app = create_app(settings)
    app.send_task("parser.parse_entry", args=[_huge_entry("huge").dump()])
    main = psutil.Process(_child(one_parser, "parse").proc.pid)
    killed: set[int] = set()
    deadline = time.monotonic() + 180
    while dead_letters.count(broker) == 0 and time.monotonic() < deadline:
        _kill_busy_pool_child(main, 0.8, killed)
        time.sleep(0.1)
    [letter] = dead_letters.list_letters(broker)
    assert letter.task == "parser.parse_entry" and letter.entry_key == "huge" and letter.feed_id == 1
    assert letter.error.startswith("WorkerLostTooOften: the worker running this message died")
    assert len(killed) == settings.max_worker_lost + 1  # the first run, then three redelivered ones
    assert main.is_running() and _child(one_parser, "parse").alive()  # the worker itself stayed up
    for n in range(5):  # and it still consumes: nothing else is held up
        app.send_task("parser.parse_entry", args=[_small_entry(f"after-{n}").dump()])
    _wait_for(lambda: _stored(settings) == 5, 60, "the entries sent after the poison")
    assert not broker.keys("newswire:lost:*")  # the count is gone with the message
    app.close()
