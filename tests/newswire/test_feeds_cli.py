"""`newswire feeds …` as a user types it, against feeds served on 127.0.0.1."""

import json
from pathlib import Path

import pytest

from tests.newswire.test_run_once import newswire
from tests.support.feed_server import FeedServer, Route
from tests.support.sample_site import serve_sample

pytestmark = pytest.mark.e2e


def _feeds(workdir: Path) -> list[dict]:
    return json.loads(newswire(workdir, "feeds", "list", "--format", "json").stdout)


def test_add_a_site_page_finds_its_feed(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_url = serve_sample(feed_server)
    page = f'<html><head><link rel="alternate" type="application/rss+xml" href="{feed_url}"></head></html>'
    feed_server.routes["/"] = Route(page.encode(), content_type="text/html")
    result = newswire(tmp_path, "feeds", "add", feed_server.url("/"))
    assert result.returncode == 0, result.stderr
    assert f"found the feed {feed_url}" in result.stdout
    [feed] = _feeds(tmp_path)
    assert (feed["url"], feed["name"], feed["status"], feed["fulltext"]) == (
        feed_url, "AzerNews - Azerbaijan", "ok", "auto"
    )  # fmt: skip


def test_add_refuses_a_page_without_a_feed(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/about"] = Route(b"<html><body>About us</body></html>", content_type="text/html")
    result = newswire(tmp_path, "feeds", "add", feed_server.url("/about"))
    assert result.returncode == 1 and "announces no working RSS or Atom feed" in result.stderr
    assert _feeds(tmp_path) == []


def test_set_changes_interval_and_fulltext(tmp_path: Path) -> None:
    newswire(tmp_path, "feeds", "add", "https://civil.ge/feed", "--no-check")
    result = newswire(tmp_path, "feeds", "set", "1", "--interval", "2h", "--fulltext", "summary")
    assert result.stdout.strip() == "feed 1: civil.ge every 2h, full text summary"
    assert (_feeds(tmp_path)[0]["interval"], _feeds(tmp_path)[0]["fulltext"]) == ("2h", "summary")


def test_opml_round_trip(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir(), second.mkdir()
    newswire(first, "feeds", "add", "https://civil.ge/feed", "--name", "Civil Georgia", "--no-check")
    newswire(first, "feeds", "add", "https://oc-media.org/feed/", "--name", "OC Media", "--no-check")
    newswire(first, "feeds", "disable", "2")
    opml = newswire(first, "feeds", "export").stdout
    assert opml.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    (second / "feeds.opml").write_text(opml)
    result = newswire(second, "feeds", "import", "feeds.opml")
    assert result.stdout.strip() == "imported 2 feeds, skipped 0"
    feeds = {f["name"]: f for f in _feeds(second)}
    assert (
        feeds["Civil Georgia"]["url"] == "https://civil.ge/feed" and feeds["Civil Georgia"]["status"] == "ok"
    )
    assert feeds["OC Media"]["status"] == "disabled"
    again = newswire(second, "feeds", "import", "feeds.opml")
    assert "imported 0 feeds, skipped 2" in again.stdout


def test_opml_from_another_reader_with_folders(tmp_path: Path) -> None:
    opml = """<?xml version="1.0"?><opml version="1.0"><head><title>x</title></head><body>
      <outline text="Caucasus"><outline text="JAMnews" type="rss" xmlUrl="https://jam-news.net/feed/"/></outline>
      <outline text="No feed here" htmlUrl="https://example.org/"/></body></opml>"""
    (tmp_path / "in.opml").write_text(opml)
    assert "imported 1 feeds" in newswire(tmp_path, "feeds", "import", "in.opml").stdout
    assert [f["name"] for f in _feeds(tmp_path)] == ["JAMnews"]


def test_opml_with_entity_tricks_is_refused(tmp_path: Path) -> None:
    evil = '<?xml version="1.0"?><!DOCTYPE o [<!ENTITY a "aaaaaaaaaa">]><opml><body/></opml>'
    (tmp_path / "evil.opml").write_text(evil)
    result = newswire(tmp_path, "feeds", "import", "evil.opml")
    assert result.returncode == 1 and "DOCTYPE" in result.stderr


def test_list_shows_health(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.routes["/gone"] = Route(status=410)
    feed_server.routes["/down"] = Route(status=500)
    newswire(tmp_path, "feeds", "add", serve_sample(feed_server), "--name", "Azernews")
    newswire(tmp_path, "feeds", "add", feed_server.url("/gone"), "--name", "Gone", "--no-check")
    newswire(tmp_path, "feeds", "add", feed_server.url("/down"), "--name", "Down", "--no-check")
    assert newswire(tmp_path, "run", "--once").returncode == 0
    feeds = {f["name"]: f for f in _feeds(tmp_path)}
    assert feeds["Azernews"]["status"] == "ok" and feeds["Azernews"]["entries_7d"] == 4
    assert feeds["Azernews"]["last_success"] and feeds["Azernews"]["next_poll"]
    assert feeds["Gone"]["status"] == "gone" and feeds["Gone"]["disabled_reason"].startswith("HTTP 410 Gone")
    assert feeds["Down"]["status"] == "backing off" and feeds["Down"]["consecutive_errors"] == 1
    assert feeds["Down"]["last_error"] == "HTTP 500 Internal Server Error"
    table = newswire(tmp_path, "feeds", "list").stdout
    assert "gone" in table and "disabled: HTTP 410 Gone" in table and "error: HTTP 500" in table
