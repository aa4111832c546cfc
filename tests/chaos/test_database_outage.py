"""Chaos: the article DB refuses writes for 35 s mid-burst (SQLite locked by another process).
The store retries with backoff; nothing is dropped, nothing goes to dead letters."""

from __future__ import annotations

import sqlite3
import time

import pytest
import redis

from shared import dead_letters
from tests.chaos.test_crashes import TOTAL, _assert_exactly_once, _child, _stored, _wait_for
from tests.chaos.test_crashes import burst as burst

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
    assert "event=task.retry task=store.save_article" in store_log and "database unavailable" in store_log
    assert during < TOTAL
