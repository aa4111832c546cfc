"""Chaos: beat started twice by mistake. Each feed must still be polled once per interval."""

from __future__ import annotations

import time
from collections import Counter

import pytest
import redis
from sqlalchemy import select

from newswire.processes import celery_child
from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.fetcher.models import PollLog
from services.store import repository
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route

pytestmark = pytest.mark.chaos
RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


def test_two_beats_poll_each_feed_once_per_interval(
    settings: Settings, database_url: str, redis_url: str, broker: redis.Redis, feed_server: FeedServer
) -> None:
    settings = settings.model_copy(update={
        "redis_url": redis_url, "database_url": database_url, "beat_interval_seconds": 0.5,
        "fetch_concurrency": 8,
    })  # fmt: skip
    supervisor = Supervisor(settings, once=True, quiet_children=True)  # workers only; beats are ours
    supervisor.start()
    with registry.session_factory(settings).begin() as session:
        for n in range(30):
            feed_server.routes[f"/f/{n}"] = Route(RSS)
            registry.add_feed(session, feed_server.url(f"/f/{n}"), f"F{n}", 3600)
    env = settings.child_env(redis_url=redis_url)
    beats = []
    for i in range(2):
        args = ["beat", "-s", str(settings.data_dir / f"beat{i}-schedule")]
        beats.append(
            celery_child(f"beat{i}", "services.fetcher.tasks:app", args, env, settings.data_dir / f"b{i}.log")
        )
    try:
        for beat in beats:
            beat.start()
        time.sleep(10)  # ~20 ticks from each beat
    finally:
        for beat in beats:
            beat.stop(20)
        supervisor.stop()
    with registry.session_factory(settings)() as session:
        polls = Counter(session.scalars(select(PollLog.feed_id)))
    repository.engine_for.cache_clear()
    registry.engine_for.cache_clear()
    assert len(polls) == 30 and set(polls.values()) == {1}, polls
