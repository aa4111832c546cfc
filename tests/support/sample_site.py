"""The sample Azernews feed and its article pages, served from a loopback FeedServer."""

from __future__ import annotations

from pathlib import Path

from tests.support.feed_server import FeedServer, Route

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PUBLIC = b"https://www.azernews.az"
PAGES = {"157950": "/nation/157950.html", "157940": "/business/157940.html", "157930": "/culture/157930.html"}


def local_feed(server: FeedServer, feed: bytes | None = None) -> bytes:
    """The sample feed with every azernews.az URL pointing at the test server instead."""
    feed = feed if feed is not None else (FIXTURES / "azernews-sample.rss").read_bytes()
    return feed.replace(PUBLIC, server.base_url.encode())


def serve_sample(server: FeedServer, path: str = "/rss/Azerbaijan.xml", feed: bytes | None = None) -> str:
    """Serve the feed and the article pages it links to; return the feed's URL."""
    server.routes[path] = Route(local_feed(server, feed))
    for number, page_path in PAGES.items():
        html = (FIXTURES / "pages" / f"{number}.html").read_bytes().replace(PUBLIC, server.base_url.encode())
        server.routes[page_path] = Route(html, content_type="text/html; charset=utf-8")
    return server.url(path)
