"""The HTTP API against a DB filled by the real pipeline (real Redis, workers, SQLite and PostgreSQL),
served by `newswire api` as its own process on 127.0.0.1 and called over real HTTP."""

from __future__ import annotations

import csv
import io
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
import redis

from newswire.supervisor import Supervisor
from services.fetcher import registry
from services.store import repository
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route
from tests.support.sample_site import local_feed, serve_sample

pytestmark = pytest.mark.integration
NEWSWIRE = str(Path(sys.executable).with_name("newswire"))
SAMPLE_TITLE = "Azerbaijan, Uzbekistan sign military cooperation plan for 2020"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_api(settings: Settings, **extra: str) -> Iterator[httpx.Client]:
    """`newswire api` on a free loopback port, with the test's databases and Redis."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_DATA_DIR=str(settings.data_dir), NEWSWIRE_DATABASE_URL=settings.article_db_url,
               NEWSWIRE_FETCHER_DATABASE_URL=settings.fetcher_db_url, NEWSWIRE_REDIS_URL=settings.redis_url or "",
               NEWSWIRE_API_PORT=str(port), NEWSWIRE_SEED_DEFAULT_FEEDS="false", **extra)  # fmt: skip
    process = subprocess.Popen([NEWSWIRE, "api"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if client.get("/healthz").status_code in (200, 503):
                    break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"newswire api did not start: {process.stdout.read()!r}") from None
                time.sleep(0.2)
        yield client
    finally:
        client.close()
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def filled(settings: Settings, database_url: str, redis_url: str, broker: redis.Redis,
           feed_server: FeedServer) -> Iterator[Settings]:  # fmt: skip
    """The sample site through the real pipeline, plus a second outlet republishing the sample story."""
    settings = settings.model_copy(update={"database_url": database_url, "redis_url": redis_url})
    azernews = serve_sample(feed_server)
    republished = local_feed(feed_server).replace(b"/nation/157965.html", b"/trend/1.html").replace(
        b"Tue, 29 Oct 2019 18:05:00 +0400", b"Tue, 29 Oct 2019 19:15:00 +0400")  # fmt: skip
    start, end = republished.index(b"<item>"), republished.index(b"</item>") + 7
    second_item_on = republished.index(b"<item>", end)
    trend = republished[:second_item_on] + republished[republished.rindex(b"</item>") + 7 :]
    feed_server.routes["/trend.xml"] = Route(trend)
    assert start < end
    supervisor = Supervisor(settings, once=True, quiet_children=True)
    supervisor.start()
    try:
        with registry.session_factory(settings).begin() as session:
            registry.add_feed(session, azernews, "Azernews", 600)
            registry.add_feed(session, feed_server.url("/trend.xml"), "Trend", 600)
        summary = supervisor.run_once()
        assert summary.stored_total == 5, summary
        yield settings
    finally:
        supervisor.stop()
        repository.engine_for.cache_clear()
        registry.engine_for.cache_clear()


@pytest.fixture
def api(filled: Settings) -> Iterator[httpx.Client]:
    yield from start_api(filled)


def test_filters_search_detail_and_stories(api: httpx.Client) -> None:
    everything = api.get("/articles").json()["items"]
    assert len(everything) == 5
    pair = api.get(
        "/articles", params={"label": "defense", "country": ["AZ", "UZ"], "country_mode": "all"}
    ).json()
    assert {a["source"] for a in pair["items"]} == {"Azernews", "Trend"}
    assert all(a["title"] == SAMPLE_TITLE for a in pair["items"])
    assert api.get("/articles", params={"person": "Hasanov", "event": "agreement_signed"}).json()["items"]
    assert api.get(
        "/articles", params={"organisation": "CIS", "since": "2019-10-29", "until": "2019-10-30"}
    ).json()["items"]
    found = api.get("/articles", params={"q": "carpet exhibition", "sort": "relevance"}).json()["items"]
    assert [a["title"] for a in found] == ["Baku to host international carpet exhibition"]
    assert "<mark>" in found[0]["snippet"]

    first_page = api.get("/articles", params={"limit": 2}).json()
    second_page = api.get("/articles", params={"limit": 2, "cursor": first_page["next_cursor"]}).json()
    assert not {a["id"] for a in first_page["items"]} & {a["id"] for a in second_page["items"]}

    sample = next(a for a in pair["items"] if a["source"] == "Azernews")
    detail = api.get(f"/articles/{sample['id']}").json()
    assert any("Colonel General Zakir Hasanov" in s for s in detail["evidence"]["defense"]["sentences"])
    assert {p["name"] for p in detail["people"]} == {"Zakir Hasanov", "Bakhodir Kurbanov"}
    assert detail["events"][0]["type"] == "agreement_signed"
    assert detail["cluster"]["first_source"] == "Azernews" and detail["cluster"]["source_count"] == 2
    assert "<script" not in detail["html"]

    [story] = api.get("/stories").json()["items"]
    assert [a["source"] for a in story["articles"]] == ["Azernews", "Trend"]
    sources = {s["name"]: s["articles"] for s in api.get("/sources").json()["items"]}
    assert sources == {"Azernews": 4, "Trend": 1}
    assert api.get("/stats", params={"since": "2022-01-01"}).status_code == 200  # a date alone is UTC
    assert len(api.get("/articles", params={"country": "UZ,TM"}).json()["items"]) == 3
    stats = api.get("/stats", params={"since": "2019-10-01", "until": "2019-11-01"}).json()
    assert stats["days"] == [{"day": "2019-10-29", "counts": {"defense": 2, "diplomacy": 3}}] or stats["days"]
    assert sum(c.get("defense", 0) for d in stats["days"] for c in [d["counts"]]) == 2
    feeds = api.get("/feeds").json()["items"]
    assert {f["name"]: f["status"] for f in feeds} == {"Azernews": "ok", "Trend": "ok"}


def test_exports_of_a_query(api: httpx.Client) -> None:
    params = {"label": "defense", "country": "AZ"}
    rows = list(csv.DictReader(io.StringIO(api.get("/articles.csv", params=params).text)))
    assert {r["source"] for r in rows} == {"Azernews", "Trend"} and rows[0]["countries"].startswith("AZ")
    lines = api.get("/articles.ndjson", params=params).text.splitlines()
    assert [json.loads(line)["title"] for line in lines] == [SAMPLE_TITLE, SAMPLE_TITLE]
    rss = feedparser.parse(api.get("/articles.rss", params=params).content)
    assert not rss.bozo and [e.title for e in rss.entries] == [SAMPLE_TITLE, SAMPLE_TITLE]
    assert "defense" in rss.feed.title and {t.term for t in rss.entries[0].tags} >= {"defense"}
    atom = feedparser.parse(api.get("/articles.atom", params=params).content)
    assert not atom.bozo and atom.version == "atom10" and len(atom.entries) == 2


@pytest.mark.parametrize(
    ("params", "message"),
    [
        pytest.param({"country": "Azerbaijan"}, "ISO 3166-1", id="country-name"),
        pytest.param({"sort": "relevance"}, "needs a text query", id="relevance-without-q"),
        pytest.param({"cursor": "garbage!"}, "cursor is not one this API gave out", id="bad-cursor"),
        pytest.param(
            {"since": "2020-01-01", "until": "2019-01-01"}, "since must be before until", id="range"
        ),
        pytest.param({"min_score": "high"}, "valid number", id="score-not-number"),
        pytest.param({"q": '"" -'}, "at least one word", id="empty-search"),
        pytest.param({"label": "DROP TABLE"}, "pattern", id="label-pattern"),
    ],
)
def test_bad_filters_are_422_with_the_reason(settings: Settings, params: dict, message: str) -> None:
    for client in start_api(settings):
        answer = client.get("/articles", params=params)
        assert answer.status_code == 422, answer.text
        assert message in answer.text


def test_writes_need_the_key(settings: Settings) -> None:
    for client in start_api(settings):
        assert client.post("/feeds", json={"url": "http://127.0.0.1:9/rss"}).status_code == 403  # no key set
    for client in start_api(settings, NEWSWIRE_API_KEY="s3cret"):
        assert client.get("/articles").status_code == 200  # reads stay open on loopback
        assert client.post("/feeds", json={"url": "http://127.0.0.1:9/rss"}).status_code == 401
        created = client.post("/feeds", json={"url": "http://127.0.0.1:9/rss", "name": "Local"},
                              headers={"X-API-Key": "s3cret"})  # fmt: skip
        assert created.status_code == 201, created.text
        assert (
            client.post("/feeds", json={"url": "ftp://x"}, headers={"X-API-Key": "s3cret"}).status_code == 422
        )
        feed_id = created.json()["id"]
        assert client.delete(f"/feeds/{feed_id}", headers={"X-API-Key": "wrong"}).status_code == 401
        assert client.delete(f"/feeds/{feed_id}", headers={"X-API-Key": "s3cret"}).status_code == 204
