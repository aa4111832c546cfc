"""Chaos: the broker itself dies mid-burst (kill -9 of redis-server) and comes back.

With the append-only file (as compose and `newswire run` configure it) every queued message survives.
Without it the queues are lost; the fetcher's ledger still knows which entries were never confirmed
stored, and its next poll of each feed sends them again, so the end state is the same: every entry
stored exactly once."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from newswire.processes import EmbeddedRedis
from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.store import repository
from shared.celery_app import create_app
from shared.messages import PollFeed
from shared.settings import Settings
from tests.chaos.test_crashes import FEEDS, TOTAL, _assert_exactly_once, _feed, _stored, _wait_for
from tests.support.feed_server import FeedServer, Route

# Not in the default run yet: in two of three full CI runs one worker (fetch once, parse once) stayed
# up after the broker restart but never consumed again, and the watchdog did not heal it within the
# test's wait. Local runs pass. Run with `make chaos-broker`; see docs/design-notes.md.
pytestmark = [pytest.mark.chaos, pytest.mark.broker_restart]


@pytest.fixture(params=[True, False], ids=["aof", "no-persistence"])
def broker_and_system(request: pytest.FixtureRequest, settings: Settings, tmp_path: Path,
                      feed_server: FeedServer) -> Iterator[tuple[EmbeddedRedis, Supervisor]]:  # fmt: skip
    redis_dir = tmp_path / "broker"
    server = EmbeddedRedis(redis_dir, appendonly=request.param)
    url = server.start()
    settings = settings.model_copy(update={
        "redis_url": url, "visibility_timeout": 8, "unacked_sweep_seconds": 1, "retry_backoff_max": 4,
        "resend_after_seconds": 5, "stall_seconds": 15,
    })  # fmt: skip
    supervisor = Supervisor(settings, once=True, quiet_children=True)
    supervisor.start()
    with registry.session_factory(settings).begin() as session:
        for n in range(FEEDS):
            feed_server.routes[f"/feed/{n}"] = Route(_feed(n))
            registry.add_feed(session, feed_server.url(f"/feed/{n}"), f"Feed {n}", 600, fulltext="summary")
    try:
        yield server, supervisor
    finally:
        supervisor.stop()
        if server.child and server.child.alive():
            server.stop()
        repository.engine_for.cache_clear()
        registry.engine_for.cache_clear()


def _poll_all(settings: Settings) -> None:
    app = create_app(settings)
    with registry.session_factory(settings)() as session:
        for feed in registry.list_feeds(session):
            app.send_task("fetcher.poll_feed", args=[PollFeed(feed_id=feed.id).dump()])
    app.close()


def test_redis_killed_mid_burst_and_restarted(broker_and_system: tuple[EmbeddedRedis, Supervisor]) -> None:
    server, system = broker_and_system
    settings = system.settings
    # The supervisor's watchdog, as `newswire run` runs it: a worker that stays up but stops consuming
    # after the broker restart (it happens: celery#9054, #10302) is restarted.
    restarted: list[str] = []
    watching = threading.Event()

    def watch() -> None:
        while not watching.wait(1.0):
            try:
                restarted.extend(system.watch())
            except redis.RedisError as exc:  # the broker is down for a moment: look again
                print(f"watchdog: {exc}")

    threading.Thread(target=watch, daemon=True).start()
    _poll_all(settings)
    _wait_for(lambda: _stored(settings) >= 300, 120, "progress before the broker dies")
    os.kill(server.child.proc.pid, signal.SIGKILL)
    server.child.proc.wait()
    time.sleep(1)
    reborn = EmbeddedRedis(Path(server.dir).parent, appendonly=server.appendonly)
    reborn.start()
    server.child = reborn.child  # the fixture stops whichever runs
    at_restart = _stored(settings)
    before_repoll = _settle(settings)
    # Without AOF the queues died with Redis; with AOF a message can still be lost in the instant
    # between BRPOP and kombu's unacked bookkeeping (research/celery.md §1.1). Either way the ledger
    # knows which entries were never confirmed: the next poll (beat's, here ours) reads the feeds in
    # full and sends exactly those again.
    time.sleep(settings.resend_after_seconds + 1)
    _poll_all(settings)
    _assert_exactly_once(settings)
    watching.set()
    print(f"\nworkers restarted by the watchdog: {restarted or 'none'}")
    print(f"\n{'AOF' if server.appendonly else 'no persistence'}: {at_restart} of {TOTAL} stored when Redis "
          f"came back, {before_repoll} before the next poll, {TOTAL} stored once after it")  # fmt: skip


def _settle(settings: Settings, quiet: float = 12.0) -> int:
    """Wait until the stored count stops moving (recovery done), return it."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet:
        now = _stored(settings)
        if now != last:
            last, since = now, time.monotonic()
        if now == TOTAL:
            break
        time.sleep(0.5)
    return last
