"""The API's key rules, decided from its bind, and its rate limit: checked in-process (no socket is
opened there, so the off-loopback bind and other clients' addresses need no real address), and over
real HTTP on 127.0.0.1 where replicas must share one count in Redis."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis
from fastapi.testclient import TestClient
from pydantic import ValidationError

from newswire.api import ratelimit
from newswire.api.security import loopback_bind
from shared.settings import Settings, get_settings
from tests.newswire.test_api import NEWSWIRE, free_port

pytestmark = pytest.mark.security


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch, tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NEWSWIRE_DATA_DIR", str(tmp_path))
    from newswire.api.app import app
    from services.store import repository
    from shared.settings import Settings

    repository.ensure_schema(Settings())
    ratelimit.limiter_for.cache_clear()  # a fresh count under the default limit

    return TestClient(app)


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("127.9.9.9", True), ("::1", True), ("localhost", True), ("0.0.0.0", False),
     ("10.0.0.5", False), ("::", False), ("api.example.org", False)],
)  # fmt: skip
def test_loopback_bind(host: str, expected: bool) -> None:
    assert loopback_bind(host) is expected


def test_off_loopback_reads_need_the_key(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_API_HOST", "0.0.0.0")
    monkeypatch.setenv("NEWSWIRE_API_KEY", "s3cret")
    assert client.get("/articles").status_code == 401
    assert client.get("/articles.rss").status_code == 401
    assert client.get("/articles", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get("/healthz").status_code in (200, 503)  # health stays open for orchestrators
    assert client.get("/articles.rss", params={"key": "s3cret"}).status_code == 200
    assert client.get("/articles", headers={"X-API-Key": "s3cret"}).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_off_loopback_without_a_key_refuses_reads(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWIRE_API_HOST", "0.0.0.0")
    answer = client.get("/articles")
    assert answer.status_code == 503 and "NEWSWIRE_API_KEY" in answer.text


def test_write_key_is_never_taken_from_the_url(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_API_KEY", "s3cret")
    assert (
        client.post("/feeds", params={"key": "s3cret"}, json={"url": "http://127.0.0.1:9/x"}).status_code
        == 401
    )


# Every write and admin call, as a caller without the right key would try it.
WRITES = [("POST", "/feeds", {"url": "http://127.0.0.1:9/rss"}), ("DELETE", "/feeds/1", None),
          ("POST", "/dead/0123abcd/replay", None)]  # fmt: skip
NOT_THE_KEY = {
    "none": {},
    "wrong": {"headers": {"X-API-Key": "wrong"}},
    "empty": {"headers": {"X-API-Key": ""}},
    "other-case": {"headers": {"X-API-Key": "S3CRET"}},
    "prefix": {"headers": {"X-API-Key": "s3cre"}},
    "bearer": {"headers": {"Authorization": "Bearer s3cret"}},
    "in-url": {"params": {"key": "s3cret"}},
}


@pytest.mark.parametrize(("method", "path", "body"), WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
@pytest.mark.parametrize("host", ["127.0.0.1", "0.0.0.0"])
def test_admin_calls_refuse_without_the_key(client: TestClient, monkeypatch: pytest.MonkeyPatch,
                                            method: str, path: str, body: dict | None, host: str) -> None:  # fmt: skip
    monkeypatch.setenv("NEWSWIRE_API_HOST", host)
    assert client.request(method, path, json=body).status_code == 403  # no key configured: writes are off
    monkeypatch.setenv("NEWSWIRE_API_KEY", "s3cret")
    get_settings.cache_clear()
    for name, attempt in NOT_THE_KEY.items():
        answer = client.request(method, path, json=body, **attempt)
        assert answer.status_code == 401, (name, answer.status_code, answer.text)


# The rate limit (NEWSWIRE_API_RATE_LIMIT).


@pytest.fixture
def limited(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """An article DB and no limiter left over from another test."""
    monkeypatch.setenv("NEWSWIRE_DATA_DIR", str(tmp_path))
    from services.store import repository

    repository.ensure_schema(Settings())
    ratelimit.limiter_for.cache_clear()
    yield
    ratelimit.limiter_for.cache_clear()


def caller(address: str, **headers: str) -> TestClient:
    """The app as one client address sees it."""
    from newswire.api.app import app

    return TestClient(app, client=(address, 50000), headers=headers)


def test_a_client_past_its_limit_gets_429_with_retry_after(
    limited: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWIRE_API_RATE_LIMIT", "3/minute")
    one = caller("198.51.100.1")
    assert [one.get("/articles").status_code for _ in range(3)] == [200, 200, 200]
    refused = one.get("/articles")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert (
        refused.json()["limit"] == "3 per 1 minute" and "NEWSWIRE_API_RATE_LIMIT" in refused.json()["detail"]
    )
    assert refused.headers["Content-Security-Policy"]  # refusals carry the security headers too
    assert one.get("/articles.csv").status_code == 429  # one count for every read
    assert caller("198.51.100.2").get("/articles").status_code == 200  # another client has its own


def test_waiting_retry_after_is_enough(limited: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Retry-After is the truth: a client that waits that long is served again, not sooner refused."""
    monkeypatch.setenv("NEWSWIRE_API_RATE_LIMIT", "2/second")
    one = caller("198.51.100.3")
    assert [one.get("/articles").status_code for _ in range(3)] == [200, 200, 429]
    wait = int(one.get("/articles").headers["Retry-After"])
    assert wait == 1
    time.sleep(wait)
    assert one.get("/articles").status_code == 200


def test_probes_and_the_page_files_are_never_limited(limited: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_API_RATE_LIMIT", "1/minute")
    one = caller("198.51.100.3")
    assert one.get("/articles").status_code == 200
    assert one.get("/sources").status_code == 429
    for path in ("/healthz", "/metrics", "/static/app.js"):
        assert 429 not in {one.get(path).status_code for _ in range(5)}, path


def test_key_holders_share_one_count_and_invented_keys_buy_none(
    limited: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSWIRE_API_RATE_LIMIT", "2/minute")
    monkeypatch.setenv("NEWSWIRE_API_KEY", "s3cret")
    assert caller("198.51.100.4", **{"X-API-Key": "s3cret"}).get("/articles").status_code == 200
    assert caller("198.51.100.5").get("/articles", params={"key": "s3cret"}).status_code == 200
    assert caller("198.51.100.6", **{"X-API-Key": "s3cret"}).get("/articles").status_code == 429
    guesser = caller("198.51.100.7")
    answers = [guesser.get("/articles", headers={"X-API-Key": f"guess-{i}"}).status_code for i in range(4)]
    assert answers == [200, 200, 429, 429]  # reads are open on loopback; a wrong key counts by address


@pytest.mark.parametrize("off", ["0", "", " "])
def test_no_limit_when_set_to_zero_or_empty(limited: None, monkeypatch: pytest.MonkeyPatch, off: str) -> None:
    monkeypatch.setenv("NEWSWIRE_API_RATE_LIMIT", off)
    one = caller("198.51.100.8")
    assert {one.get("/articles").status_code for _ in range(30)} == {200}


def test_without_redis_the_count_goes_on_in_memory(limited: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSWIRE_REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    monkeypatch.setenv("NEWSWIRE_API_RATE_LIMIT", "2/minute")
    one = caller("198.51.100.9")
    assert [one.get("/articles").status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.parametrize(
    ("value", "message"),
    [("lots", "is not a rate limit"), ("120", "is not a rate limit"), ("120/fortnight", "is not a rate limit"),
     ("120/minute;", "is not a rate limit"), ("-1/minute", "is not a rate limit"),
     ("0/minute", "would refuse every request"), ("10/second;0/hour", "would refuse every request")],
)  # fmt: skip
def test_a_bad_rate_limit_is_refused_with_the_reason(value: str, message: str) -> None:
    with pytest.raises(ValidationError, match=f"NEWSWIRE_API_RATE_LIMIT={value!r} {message}"):
        Settings(api_rate_limit=value)


@pytest.mark.parametrize("value", ["120/minute", "10/second;600/hour", "5 per 2 minutes", " 0 "])
def test_good_rate_limits_are_taken(value: str) -> None:
    assert Settings(api_rate_limit=value).api_rate_limit == ("" if value.strip() == "0" else value.strip())


def serve(settings: Settings, log: Path, **extra: str) -> Iterator[httpx.Client]:
    """`newswire api` on a free loopback port, its output in a file (a pipe nobody reads would block
    the server once its tracebacks fill it)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_DATA_DIR=str(settings.data_dir), NEWSWIRE_DATABASE_URL=settings.article_db_url,
               NEWSWIRE_FETCHER_DATABASE_URL=settings.fetcher_db_url, NEWSWIRE_REDIS_URL=settings.redis_url or "",
               NEWSWIRE_API_PORT=str(port), NEWSWIRE_SEED_DEFAULT_FEEDS="false", **extra)  # fmt: skip
    with log.open("ab") as out:
        process = subprocess.Popen([NEWSWIRE, "api"], env=env, stdout=out, stderr=subprocess.STDOUT)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client.get("/healthz")
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"newswire api did not start: {log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        yield client
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


def test_the_api_does_not_start_with_a_bad_rate_limit(settings: Settings) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_DATA_DIR=str(settings.data_dir), NEWSWIRE_API_PORT=str(free_port()),
               NEWSWIRE_API_RATE_LIMIT="120/fortnight")  # fmt: skip
    result = subprocess.run(
        [NEWSWIRE, "api"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode != 0
    assert "NEWSWIRE_API_RATE_LIMIT='120/fortnight' is not a rate limit" in result.stdout + result.stderr


def test_replicas_share_one_count_in_redis(settings: Settings, redis_url: str, broker: redis.Redis) -> None:
    """Two `newswire api` processes on one Redis, as compose scales them: the fifth request is refused
    whichever replica gets it."""
    shared = settings.model_copy(update={"redis_url": redis_url})
    log = settings.data_dir / "api.log"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for first in serve(shared, log, NEWSWIRE_API_RATE_LIMIT="4/minute"):
        for second in serve(shared, log, NEWSWIRE_API_RATE_LIMIT="4/minute"):
            assert [c.get("/articles").status_code for c in (first, second, first, second)] == [200] * 4
            for replica in (first, second):
                refused = replica.get("/articles")
                assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
                assert replica.get("/healthz").status_code == 200  # probes never throttled
            assert broker.keys("newswire:ratelimit:*")  # counted in Redis, not per process
    assert "Traceback" not in log.read_text()
