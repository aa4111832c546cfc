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
from kombu import Connection, Consumer, Exchange, Producer, Queue
from kombu.common import ignore_errors

from newswire.processes import EmbeddedRedis
from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.store import repository
from shared.celery_app import create_app
from shared.messages import PollFeed
from shared.settings import Settings
from tests.chaos.test_crashes import FEEDS, TOTAL, _assert_exactly_once, _feed, _stored, _wait_for
from tests.support.feed_server import FeedServer, Route

# In the default run; `broker_restart` only labels it (`make chaos-broker` runs it alone).
pytestmark = [pytest.mark.chaos, pytest.mark.broker_restart]
UNRECOVERABLE = "Unrecoverable error"  # celery's line when a worker gives up (and exits or hangs)


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
            try:  # watch() itself rides out the broker being down; anything else must not end the thread
                restarted.extend(system.watch())
            except Exception as exc:
                print(f"watchdog: {type(exc).__name__}: {exc}")

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
    _assert_exactly_once(settings, describe=lambda: _workers(system))
    watching.set()
    # Every worker came through the restart: none gave up (celery 5.7 + kombu 5.7 did, see
    # shared/celery_app.py); a wedged one the watchdog restarted is printed below.
    assert _gave_up(settings) == {}, _workers(system)
    assert all(child.alive() for child in system.children), _workers(system)
    print(f"\nworkers restarted by the watchdog: {restarted or 'none'}")
    print(f"\n{'AOF' if server.appendonly else 'no persistence'}: {at_restart} of {TOTAL} stored when Redis "
          f"came back, {before_repoll} before the next poll, {TOTAL} stored once after it")  # fmt: skip


def test_a_worker_connection_closes_cleanly_when_redis_dies_under_it(tmp_path: Path) -> None:
    """What celery 5.7 does on a lost broker (collect(), then close()), on the channels a worker has:
    tasks unacked and a BRPOP waiting on the task channel, an auto-delete fanout queue (the pidbox) on
    another. Without shared/celery_app.py's guard, close() raised AttributeError and the worker died;
    the unacked message must stay in Redis's unacked hash for the visibility sweep."""
    create_app  # noqa: B018 (importing shared.celery_app installs the guard)
    server = EmbeddedRedis(tmp_path)
    connection = Connection(server.start(), transport_options={"visibility_timeout": 5})
    tasks = Queue("parse", routing_key="parse")
    Producer(connection.default_channel).publish({"n": 1}, routing_key="parse", declare=[tasks])
    received: list[object] = []
    channel = connection.default_channel
    Consumer(channel, [tasks], callbacks=[lambda _body, message: received.append(message)]).consume()
    pidbox = Queue("worker.pidbox", Exchange("worker.pidbox", type="fanout"), auto_delete=True)
    Consumer(connection.channel(), [pidbox], callbacks=[lambda _body, _message: None]).consume()
    _wait_for(lambda: received or connection.drain_events(timeout=0.5) or received, 10, "a delivery")
    connection.transport.cycle.on_poll_start()  # BRPOP sent again, waiting on the empty queue
    assert channel._in_poll and len(channel.qos._delivered) == 1
    os.kill(server.child.proc.pid, signal.SIGKILL)
    server.child.proc.wait()
    connection.collect(socket_timeout=2.0)
    ignore_errors(connection, connection.close)  # raised AttributeError: 'NoneType' … 'hostname'
    reborn = EmbeddedRedis(tmp_path)
    reborn.start()
    try:
        assert redis.Redis(unix_socket_path=str(reborn.socket_path)).hlen("unacked") == 1
    finally:
        reborn.stop()


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


def _gave_up(settings: Settings) -> dict[str, list[str]]:
    """Per worker log, the lines where celery gave the worker up."""
    found = {}
    for log in sorted((settings.data_dir / "logs").glob("*.log")):
        lines = [line[:300] for line in log.read_text(errors="replace").splitlines() if UNRECOVERABLE in line]
        if lines:
            found[log.stem] = lines
    return found


def _workers(system: Supervisor) -> str:
    """Which workers run, which died (with celery's last word), for a failure message."""
    states = []
    for child in system.children:
        code = child.proc.poll() if child.proc else None
        states.append(f"{child.name} pid {child.proc.pid if child.proc else '-'} "
                      f"{'alive' if code is None else f'exited {code}'}")  # fmt: skip
    return "; ".join(states) + f"; gave up: {_gave_up(system.settings) or 'none'}"
