"""Politeness across processes: two real fetch workers, 30 article pages on one host."""

from __future__ import annotations

import time

import pytest
import redis

from newswire.processes import celery_child
from services.fetcher import registry
from shared.celery_app import create_app
from shared.messages import PageRequest, RawEntry
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route

pytestmark = pytest.mark.integration
K, GAP, PAGES = 2, 0.25, 30


def test_two_workers_never_exceed_the_per_host_limits(
    settings: Settings, redis_url: str, broker: redis.Redis, feed_server: FeedServer
) -> None:
    settings = settings.model_copy(
        update={"redis_url": redis_url, "host_max_concurrent": K, "host_min_delay_seconds": GAP}
    )
    registry.ensure_schema(settings)
    for n in range(PAGES):
        feed_server.routes[f"/news/{n}.html"] = Route(b"<html><body><p>story</p></body></html>",
                                                      content_type="text/html", hang=0.4)  # fmt: skip
    env = settings.child_env()
    workers = [
        celery_child(f"fetch{i}", "services.fetcher.tasks:app",
                     ["worker", "-Q", "fetch", "-n", f"fetch{i}@%h", "-P", "threads", "-c", "6",
                      "--without-gossip", "--without-mingle"], env, settings.data_dir / f"fetch{i}.log")
        for i in range(2)
    ]  # fmt: skip
    app = create_app(settings)
    for n in range(PAGES):
        link = feed_server.url(f"/news/{n}.html")
        entry = RawEntry(feed_id=1, feed_url="u", source="s", entry_key=f"k{n}", link=link, title="t",
                         content_hash="h", fetched_at="2026-11-27T10:00:00Z")  # fmt: skip
        app.send_task("fetcher.fetch_article", args=[PageRequest(entry=entry).dump()])
    for worker in workers:
        worker.start()
    try:
        deadline = time.monotonic() + 90
        pages = lambda: [p for p, _h in feed_server.requests if p.startswith("/news/")]  # noqa: E731
        while len(pages()) < PAGES and time.monotonic() < deadline:
            time.sleep(0.2)
        assert sorted(pages()) == sorted(f"/news/{n}.html" for n in range(PAGES))
    finally:
        for worker in workers:
            worker.stop(30)
    gaps = [b - a for a, b in zip(feed_server.starts, feed_server.starts[1:], strict=False)]
    print(f"requests {len(feed_server.starts)}, max in flight {feed_server.max_in_flight}, "
          f"smallest gap {min(gaps):.3f} s")  # fmt: skip
    assert feed_server.max_in_flight <= K
    assert min(gaps) >= GAP - 0.02  # Redis's clock vs ours: a few ms of slack
    robots = [p for p, _h in feed_server.requests if p == "/robots.txt"]
    assert len(robots) <= 2  # one per worker process, cached
