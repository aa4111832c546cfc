"""The compose topology without Docker: every compose service as its own process (migrate, fetcher,
parser, store, beat, api, flower) against a real Redis and a real PostgreSQL, fed by a loopback feed."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import redis

from newswire.topology import Topology
from services.fetcher import registry
from services.store import repository
from shared.settings import Settings, get_settings
from tests.support.feed_server import FeedServer
from tests.support.sample_site import serve_sample

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]


def _wait(check, timeout: float, what: str):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def test_compose_services_as_processes(
    tmp_path: Path, redis_url: str, broker: redis.Redis, postgres_url: str, feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    local = {
        "NEWSWIRE_ALLOWED_NETWORKS": "127.0.0.0/8",
        "NEWSWIRE_CONFINE_TO_ALLOWED_NETWORKS": "true",
        "NEWSWIRE_HOST_MIN_DELAY_SECONDS": "0.1",
        "NEWSWIRE_BEAT_INTERVAL_SECONDS": "1",
        "NEWSWIRE_SEED_DEFAULT_FEEDS": "false",
    }
    for key, value in local.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    variables = {"POSTGRES_PASSWORD": "x", "FLOWER_BASIC_AUTH": "ops:s3cret", "NEWSWIRE_API_KEY": "k"}
    topology = Topology(redis_url, postgres_url, tmp_path / "data", variables)
    settings = Settings(database_url=postgres_url, seed_default_feeds=False)
    topology.start()
    try:
        assert set(topology.children) == {"fetcher", "parser", "store", "beat", "api", "flower"}
        with registry.session_factory(settings).begin() as session:  # migrate ran: the tables exist
            registry.add_feed(session, serve_sample(feed_server), "Azernews", 600)

        def stored() -> int:
            with repository.reader(settings)() as session:
                return repository.count_articles(session) == 4

        _wait(stored, 90, "beat → fetcher → parser → store to store the 4 sample articles")
        api = f"http://127.0.0.1:{topology.ports['api']}"
        health = _wait(lambda: httpx.get(f"{api}/healthz", timeout=5), 30, "the API")
        assert health.status_code == 200 and health.json() == {
            "status": "ok",
            "database": "ok",
            "redis": "ok",
        }
        metrics = _wait(lambda: httpx.get(f"{api}/metrics", timeout=5).text, 10, "metrics")
        assert 'newswire_articles_saved_total{outcome="inserted"} 4.0' in metrics
        assert 'newswire_polls_total{outcome="ok"}' in metrics
        assert re.search(
            r'newswire_task_seconds_bucket\{le="\+Inf",task="parser\.parse_(batch|entry)"\}', metrics
        )
        assert 'newswire_queue_length{queue="parse"}' in metrics and "newswire_dead_letters 0.0" in metrics

        flower = f"http://127.0.0.1:{topology.ports['flower']}"
        _wait(lambda: httpx.get(f"{flower}/healthcheck", timeout=5).status_code == 200, 60, "Flower")
        assert httpx.get(f"{flower}/", timeout=5).status_code == 401  # basic auth from the environment
        assert httpx.get(f"{flower}/metrics", auth=("ops", "s3cret"), timeout=5).status_code == 200

        for worker in ("fetcher", "parser", "store"):  # the compose healthcheck command, as compose runs it
            env = topology.children[worker].env
            check = subprocess.run([sys.executable, "-m", "shared.liveness", "--max-age", "60"], env=env,
                                   capture_output=True, text=True, check=False)  # fmt: skip
            assert check.returncode == 0, (worker, check.stderr)
    finally:
        topology.stop()
    for name, child in topology.children.items():
        assert child.proc is not None and child.proc.returncode is not None, name
