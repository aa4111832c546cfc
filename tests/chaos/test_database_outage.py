"""Chaos: the article DB unavailable for 30 s mid-burst: SQLite locked by another process, or PostgreSQL
"stopped" (a TCP proxy in front of it resets every connection and refuses new ones).
The store retries with backoff; nothing is dropped, nothing goes to dead letters."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterator

import pytest
import redis
from sqlalchemy.engine import make_url

from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.store import repository
from shared import dead_letters, metrics
from shared.queues import QUEUES
from shared.settings import Settings
from tests.chaos.test_crashes import (
    FEEDS,
    TOTAL,
    _assert_exactly_once,
    _child,
    _feed,
    _poll_all,
    _stored,
    _wait_for,
)
from tests.chaos.test_crashes import burst as burst
from tests.support.feed_server import FeedServer, Route
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.chaos


def test_store_survives_a_locked_database(burst, broker: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    settings = burst.settings
    _wait_for(lambda: _stored(settings) >= 200, 120, "progress before the outage")
    blocker = sqlite3.connect(settings.data_dir / "newswire.db", timeout=60, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")  # no other writer until we let go
    try:
        during = _stored(settings)
        time.sleep(35)  # longer than the store's 30 s busy timeout: its tasks must retry
        assert _stored(settings) == during  # nothing could be written meanwhile
        assert _child(burst, "store").alive()
    finally:
        blocker.rollback()
        blocker.close()
    _assert_exactly_once(settings)
    assert dead_letters.count(broker) == 0
    store_log = (settings.data_dir / "logs" / "store.log").read_text()
    assert STORE_RETRIED.search(store_log) and "database unavailable" in store_log
    assert during < TOTAL


@pytest.fixture
def postgres_burst(  # type: ignore[no-untyped-def]
    settings: Settings, redis_url: str, broker: redis.Redis, feed_server: FeedServer, postgres_url: str
) -> Iterator[tuple[Supervisor, TcpProxy, Settings]]:
    """The burst on PostgreSQL, every worker (store and fetcher state) reaching it through a TCP proxy
    the test can cut; the test reads through its own direct connection."""
    target = make_url(postgres_url)
    with TcpProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        proxied = target.set(port=proxy.port).render_as_string(hide_password=False)
        settings = settings.model_copy(update={
            "redis_url": redis_url, "database_url": proxied, "visibility_timeout": 8,
            "unacked_sweep_seconds": 1, "retry_backoff_max": 4, "retry_for_seconds": 90, "stall_seconds": 60,
            "resend_after_seconds": 20,
        })  # fmt: skip
        supervisor = Supervisor(settings, once=True, quiet_children=True)
        supervisor.start()
        direct = settings.model_copy(update={"database_url": postgres_url})
        try:
            with registry.session_factory(direct).begin() as session:
                for n in range(FEEDS):
                    feed_server.routes[f"/feed/{n}"] = Route(_feed(n))
                    registry.add_feed(
                        session, feed_server.url(f"/feed/{n}"), f"Feed {n}", 600, fulltext="summary"
                    )
            _poll_all(direct)
            yield supervisor, proxy, direct
        finally:
            supervisor.stop()
            repository.engine_for.cache_clear()
            registry.engine_for.cache_clear()


def _retries(broker: redis.Redis, *tasks: str) -> int:
    """Retries counted by the workers' own metrics (newswire_tasks_total{state="retry"})."""
    text = metrics.render(broker, QUEUES).decode()
    total = 0
    for task in tasks:
        found = re.search(
            rf'newswire_tasks_total\{{state="retry",task="{re.escape(task)}"\}} ([0-9.]+)', text
        )
        total += int(float(found[1])) if found else 0
    return total


STORE_TASKS = ("store.save_batch", "store.save_article")
STORE_RETRIED = re.compile(r"event=task\.retry task=store\.save_(batch|article)")


def test_store_survives_postgresql_down_for_30_seconds(postgres_burst, broker: redis.Redis) -> None:  # type: ignore[no-untyped-def]
    supervisor, proxy, direct = postgres_burst
    _wait_for(lambda: _stored(direct) >= 200, 120, "progress before the outage")
    proxy.down()  # PostgreSQL "stopped": open connections reset, new ones refused
    try:
        during = _stored(direct)
        time.sleep(30)
        assert _stored(direct) == during  # nothing could be written meanwhile
        assert _child(supervisor, "store").alive() and _child(supervisor, "fetch").alive()
        retried_during = _retries(broker, *STORE_TASKS)
    finally:
        proxy.up()
    _assert_exactly_once(direct, supervisor)
    assert dead_letters.count(broker) == 0
    store_log = (supervisor.settings.data_dir / "logs" / "store.log").read_text()
    assert STORE_RETRIED.search(store_log) and "database unavailable" in store_log
    assert retried_during > 0 and during < TOTAL
    print(  # the figures the report quotes (pytest -s)
        f"\nstored before the outage {during}; store retries during it {retried_during}, in all "
        f"{_retries(broker, *STORE_TASKS)}; receipts retried {_retries(broker, 'fetcher.batch_stored', 'fetcher.entry_stored')}; "
        f"connections reset {proxy.reset}, proxied {proxy.accepted}"
    )
