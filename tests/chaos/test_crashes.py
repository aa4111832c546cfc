"""Chaos: a burst of 2,000 entries over 20 feeds, real worker processes killed or stopped mid-burst.
The promise checked each time: every entry stored exactly once, none lost, none duplicated."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator

import pytest
import redis
from sqlalchemy import func, select

from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.fetcher.models import EntryState
from services.store import repository
from services.store.models import Article
from shared.celery_app import create_app
from shared.messages import PollFeed
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route
from tests.support.system import running

pytestmark = pytest.mark.chaos
FEEDS, PER_FEED = 20, 100
TOTAL = FEEDS * PER_FEED
BODY = "<p>" + "The defense ministers discussed military cooperation and regional security. " * 12 + "</p>"


def _feed(n: int) -> bytes:
    items = "".join(
        f"<item><title>Story {n}-{i}</title><link>http://127.0.0.1/{n}/{i}</link><guid>s-{n}-{i}</guid>"
        f"<description><![CDATA[{BODY}]]></description></item>"
        for i in range(PER_FEED)
    )
    channel = f"<channel><title>F{n}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'.encode()


@pytest.fixture
def burst(
    settings: Settings, redis_url: str, broker: redis.Redis, feed_server: FeedServer
) -> Iterator[Supervisor]:
    """The three workers, 20 feeds of 100 entries each, and a short visibility timeout to recover fast."""
    settings = settings.model_copy(update={
        "redis_url": redis_url, "visibility_timeout": 8, "unacked_sweep_seconds": 1, "retry_backoff_max": 4,
        "stall_seconds": 30, "resend_after_seconds": 20,
    })  # fmt: skip
    with running(settings) as supervisor:
        with registry.session_factory(settings).begin() as session:
            for n in range(FEEDS):
                feed_server.routes[f"/feed/{n}"] = Route(_feed(n))
                registry.add_feed(
                    session, feed_server.url(f"/feed/{n}"), f"Feed {n}", 600, fulltext="summary"
                )
        _poll_all(settings)
        yield supervisor


def _poll_all(settings: Settings) -> None:
    app = create_app(settings)
    with registry.session_factory(settings)() as session:
        for feed in registry.list_feeds(session):
            app.send_task("fetcher.poll_feed", args=[PollFeed(feed_id=feed.id, run_id="chaos").dump()])
    app.close()


def _stored(settings: Settings) -> int:
    with repository.reader(settings)() as session:
        return repository.count_articles(session)


def _child(supervisor: Supervisor, name: str):  # type: ignore[no-untyped-def]
    return next(child for child in supervisor.children if child.name == name)


def _wait_for(check, timeout: float, what: str, progress=None) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}" + (f" (at {progress()})" if progress else ""))


def _assert_exactly_once(settings: Settings, supervisor: Supervisor | None = None,
                         describe: Callable[[], str] | None = None) -> None:  # fmt: skip
    """Every entry stored once; with a supervisor, its watchdog runs meanwhile as `newswire run`'s does
    (a worker can stay up without consuming after a sibling is killed: the watchdog restarts it).
    `describe` adds the state of the system to a timeout's message."""

    last_poll = time.monotonic()

    def done() -> bool:
        nonlocal last_poll
        if supervisor is not None:
            supervisor.watch()
            if time.monotonic() - last_poll > 30:  # what beat does: poll again; the fetcher then resends
                _poll_all(settings)  # every entry sent but never confirmed (a message lost to a kill -9)
                last_poll = time.monotonic()
        return _stored(settings) == TOTAL

    _wait_for(done, 180, f"{TOTAL} stored articles",
              lambda: f"{_stored(settings)}" + (f"; {describe()}" if describe else ""))  # fmt: skip
    with repository.reader(settings)() as session:
        assert session.scalar(select(func.count(func.distinct(Article.article_key)))) == TOTAL
        assert session.scalar(select(func.max(Article.version))) == 1  # no story stored twice over itself
    settled = select(func.count()).where(EntryState.settled_hash == EntryState.sent_hash)

    def all_settled() -> bool:
        with registry.session_factory(settings)() as session:  # a short transaction per look
            return session.scalar(settled) == TOTAL

    _wait_for(all_settled, 60, "every entry confirmed to the fetcher")


def test_kill_9_parser_and_store_workers_mid_burst(burst: Supervisor) -> None:
    settings = burst.settings
    for round_, name in enumerate(["parse", "store", "parse", "store"]):
        _wait_for(lambda r=round_: _stored(settings) >= (r + 1) * 150, 120, "progress before the next kill")
        child = _child(burst, name)
        os.killpg(child.proc.pid, signal.SIGKILL)  # the whole worker: main process and pool children
        child.proc.wait()
        child.start()
    _assert_exactly_once(settings, burst)


def test_sigterm_every_worker_mid_burst_then_restart(burst: Supervisor) -> None:
    settings = burst.settings
    _wait_for(lambda: _stored(settings) >= 300, 120, "progress before the stop")
    workers = [child for child in burst.children if child.name in ("fetch", "parse", "store")]
    for child in workers:
        child.terminate()  # warm shutdown: running tasks finish, the rest goes back to the queue
    for child in workers:
        assert child.proc.wait(60) == 0
    stopped_at = _stored(settings)
    assert stopped_at < TOTAL
    for child in workers:
        child.start()
    _assert_exactly_once(settings, burst)
