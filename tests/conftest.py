"""Shared fixtures: real Redis (local or embedded), real databases (SQLite, PostgreSQL), a feed server."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from newswire.processes import EmbeddedRedis
from services.fetcher import registry
from services.store import repository
from shared.settings import Settings
from tests.support.feed_server import FeedServer

FIXTURES = Path(__file__).parent / "fixtures"
# The handbook's real-world feed corpus, beside the checkout (or at its usual place for a clone elsewhere).
CORPUS = next(
    (
        path
        for path in (
            Path(__file__).resolve().parents[2] / "shared" / "feeds-corpus",
            Path("/work/shared/feeds-corpus"),
        )
        if path.is_dir()
    ),
    Path("/work/shared/feeds-corpus"),
)
LOCAL_REDIS = "redis://127.0.0.1:6379/{db}"  # a db in 2..15 claimed per session, flushed by the tests
POSTGRES_ADMIN_URL = os.environ.get(
    "NEWSWIRE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
LOOPBACK = ["127.0.0.0/8", "::1/128"]


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Redis on 127.0.0.1:6379 when it answers, else the embedded redis-server."""
    if _port_open("127.0.0.1", 6379):
        try:
            for db in range(2, 16):  # two test runs at once (a CI clone beside a session) must not share a db
                client = redis.Redis.from_url(LOCAL_REDIS.format(db=db))
                if client.set("newswire:test-session", os.getpid(), nx=True, ex=3600):
                    try:
                        yield LOCAL_REDIS.format(db=db)
                    finally:
                        client.delete("newswire:test-session")
                    return
        except redis.RedisError:
            pass
    embedded = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    url = embedded.start()
    try:
        yield url
    finally:
        embedded.stop()


@pytest.fixture
def broker(redis_url: str) -> Iterator[redis.Redis]:
    """A clean Redis database for one test."""
    from shared.redis_client import redis_client

    client = redis_client(redis_url)
    claim = client.get("newswire:test-session")
    client.flushdb()
    if claim:
        client.set("newswire:test-session", claim, ex=3600)
    yield client
    client.flushdb()
    if claim:
        client.set("newswire:test-session", claim, ex=3600)


@pytest.fixture(scope="session")
def postgres_admin() -> sa.Engine:
    """An engine on the PostgreSQL server tests may create databases on (skips with the reason)."""
    engine = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
    except sa.exc.OperationalError as exc:
        reason = f"no PostgreSQL at {POSTGRES_ADMIN_URL}: {str(exc).splitlines()[0]}"
        if os.environ.get("CI"):  # .ci/run starts PostgreSQL: a silent skip there would hide half the suite
            pytest.fail(reason)
        pytest.skip(reason)
    return engine


@pytest.fixture
def postgres_url(postgres_admin: sa.Engine) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"newswire_test_{uuid.uuid4().hex[:10]}"
    with postgres_admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = postgres_admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        repository.engine_for.cache_clear()
        registry.engine_for.cache_clear()
        with postgres_admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each DB test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'newswire.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings for one test: its own data folder, SQLite, loopback allowed, no default feeds."""
    return Settings(
        data_dir=tmp_path / "data",
        allowed_networks=LOOPBACK,
        confine_to_allowed_networks=True,  # nothing but loopback, not even a DNS query
        host_min_delay_seconds=0.1,
        seed_default_feeds=False,
        http_total_timeout=10,
        http_connect_timeout=3,
        http_read_timeout=5,
        once_timeout_seconds=90,
    )


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1."""
    with FeedServer() as server:
        yield server


@pytest.fixture
def sample_feed() -> bytes:
    """The real-shaped Azernews feed holding the sample story and three others."""
    return (FIXTURES / "azernews-sample.rss").read_bytes()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    """No test sees settings cached by another."""
    from shared.redis_client import broker
    from shared.settings import get_settings

    get_settings.cache_clear()
    broker.cache_clear()
    yield
    get_settings.cache_clear()
    broker.cache_clear()
