"""End to end, as a user runs it: `newswire` subprocesses, embedded Redis, SQLite under ./data."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.feed_server import FeedServer, Route
from tests.support.sample_site import serve_sample

pytestmark = pytest.mark.e2e
NEWSWIRE = str(Path(sys.executable).with_name("newswire"))


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def newswire(workdir: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWIRE_")}
    env.update(NEWSWIRE_SEED_DEFAULT_FEEDS="false", NEWSWIRE_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
               NEWSWIRE_CONFINE_TO_ALLOWED_NETWORKS="true", NEWSWIRE_HOST_MIN_DELAY_SECONDS="0.1",
               NEWSWIRE_HTTP_TOTAL_TIMEOUT="10", NEWSWIRE_ONCE_TIMEOUT_SECONDS="120")  # fmt: skip
    return subprocess.run(
        [NEWSWIRE, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def parse_tasks_run(workdir: Path) -> int:
    log = workdir / "data" / "logs" / "parse.log"
    return log.read_text().count("event=parse.done") if log.exists() else 0


def rows(workdir: Path) -> dict[str, tuple]:
    with sqlite3.connect(workdir / "data" / "newswire.db") as db:
        query = "select title, id, text, published_at, first_seen_at, version from articles"
        return {r[0]: r[1:] for r in db.execute(query)}


def labels(workdir: Path, title: str) -> list[str]:
    with sqlite3.connect(workdir / "data" / "newswire.db") as db:
        query = "select label from article_labels join articles on id = article_id where title = ? order by 1"
        return [r[0] for r in db.execute(query, (title,))]


SAMPLE_TITLE = "Azerbaijan, Uzbekistan sign military cooperation plan for 2020"


def test_run_once_stores_then_skips_then_updates(
    workdir: Path, feed_server: FeedServer, sample_feed: bytes
) -> None:
    feed_url = serve_sample(feed_server)
    assert newswire(workdir, "feeds", "add", feed_url, "--name", "Azernews").returncode == 0
    assert (
        newswire(workdir, "feeds", "add", feed_server.url("/missing.xml"), "--name", "Broken").returncode == 0
    )

    first = newswire(workdir, "run", "--once")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stdout + first.stderr
    lines = first.stdout.splitlines()
    assert any(line.split()[:7] == ["Azernews", "200", "4", "4", "0", "0", "0"] for line in lines), (
        first.stdout
    )
    assert any(line.split()[:2] == ["Broken", "404"] for line in lines), first.stdout
    assert "! Broken: HTTP 404 Not Found" in first.stdout
    assert "stored articles: 4 (by label: defense 1, diplomacy 2)" in first.stdout
    stored = rows(workdir)
    _id, text, published, _first_seen, _version = stored[SAMPLE_TITLE]
    assert text.startswith(
        "By Rasana Gasimova\n\nThe heads of defense departments of Azerbaijan and Uzbekistan"
    )
    assert "<" not in text and "trackArticle" not in text
    assert published.startswith("2019-10-29 14:05:00")  # 18:05 +04:00 in the feed, stored as UTC
    assert labels(workdir, SAMPLE_TITLE) == ["defense", "diplomacy"]
    assert parse_tasks_run(workdir) == 4
    # The three summary-only entries were completed from their article pages (served on loopback).
    talks = stored["Azerbaijan, Turkmenistan foreign ministers hold talks in Ashgabat"][1]
    assert "invited Meredov to pay an official visit to Baku" in talks
    assert "Popular news" not in talks and "cookies" not in talks

    second = newswire(workdir, "run", "--once", "--format", "json")
    assert second.returncode == 0, second.stderr
    report = json.loads(second.stdout)
    azernews = next(f for f in report["feeds"] if f["name"] == "Azernews")
    assert (azernews["status"], azernews["new"], azernews["updated"]) == ("304", 0, 0)
    assert parse_tasks_run(workdir) == 4  # no parse task was sent
    assert rows(workdir) == stored

    changed = sample_feed.replace(
        b"have signed a plan for bilateral", b"have signed a detailed plan for bilateral"
    )
    serve_sample(feed_server, feed=changed)
    third = newswire(workdir, "run", "--once", "--format", "json")
    azernews = next(f for f in json.loads(third.stdout)["feeds"] if f["name"] == "Azernews")
    assert (azernews["status"], azernews["new"], azernews["updated"], azernews["unchanged"]) == (
        "200",
        0,
        1,
        3,
    )
    after = rows(workdir)
    assert len(after) == 4
    new_id, new_text, _p, new_first_seen, new_version = after[SAMPLE_TITLE]
    assert (new_id, new_first_seen, new_version) == (stored[SAMPLE_TITLE][0], stored[SAMPLE_TITLE][3], 2)
    assert "signed a detailed plan" in new_text

    listed = newswire(workdir, "articles", "--label", "defense", "--format", "json")
    assert [a["title"] for a in json.loads(listed.stdout)] == [SAMPLE_TITLE]
    csv_out = newswire(workdir, "export", "--source", "azernews", "--format", "csv").stdout.splitlines()
    assert (
        csv_out[0] == "id,published_at,source,title,url,labels,countries,language,summary"
        and len(csv_out) == 5
    )
    paired = newswire(
        workdir, "articles", "--country", "AZ", "--country", "UZ", "--all-countries", "--format", "json"
    )
    assert [a["title"] for a in json.loads(paired.stdout)] == [SAMPLE_TITLE]
    found = newswire(workdir, "search", "carpet exhibition")
    assert (
        "Baku to host international carpet exhibition" in found.stdout and "[carpet]" in found.stdout.lower()
    )
    rss = newswire(workdir, "export", "--label", "defense", "--format", "rss").stdout
    assert "<rss" in rss and SAMPLE_TITLE in rss
    ndjson = newswire(workdir, "export", "--format", "ndjson", "-q", "Ashgabat").stdout.splitlines()
    assert [json.loads(line)["title"] for line in ndjson] == [
        "Azerbaijan, Turkmenistan foreign ministers hold talks in Ashgabat"
    ]


def test_run_once_fails_only_when_no_feed_could_be_polled(workdir: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/page"] = Route(b"<html><body>Hello</body></html>", content_type="text/html")
    newswire(workdir, "feeds", "add", feed_server.url("/page"), "--name", "NotAFeed", "--no-check")
    newswire(workdir, "feeds", "add", "http://127.0.0.1:1/rss", "--name", "Refused", "--no-check")
    newswire(workdir, "feeds", "add", "http://10.20.30.40/rss", "--name", "Private", "--no-check")
    result = newswire(workdir, "run", "--once")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "! NotAFeed: not a feed" in result.stdout
    assert "! Refused: connection failed" in result.stdout
    assert "! Private: refused: http://10.20.30.40/rss: 10.20.30.40 resolves to 10.20.30.40" in result.stdout


def test_bad_cli_input_gets_a_clear_error(workdir: Path) -> None:
    bad_interval = newswire(workdir, "feeds", "add", "https://civil.ge/feed", "--interval", "soon")
    assert bad_interval.returncode != 0 and "bad interval 'soon'" in bad_interval.stderr
    assert "bad interval" not in newswire(workdir, "feeds", "list").stdout
    bad_since = newswire(workdir, "articles", "--since", "last tuesday")
    assert bad_since.returncode == 2 and "is not a date" in bad_since.stderr
    bad_country = newswire(workdir, "articles", "--country", "Azerbaijan")
    assert bad_country.returncode == 2 and "ISO 3166-1" in bad_country.stderr
    empty_search = newswire(workdir, "search", '"" -')
    assert empty_search.returncode == 2 and "at least one word" in empty_search.stderr
    missing = newswire(workdir, "feeds", "remove", "42")
    assert missing.returncode == 1 and "no feed '42'" in missing.stderr
