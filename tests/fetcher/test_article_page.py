"""Article pages for summary-only entries: fetched under the same rules, robots.txt obeyed."""

from __future__ import annotations

import pytest

from services.fetcher.article_page import attach_page
from services.fetcher.conditional_get import build_client, fetch
from services.fetcher.network_guard import parse_networks
from services.fetcher.poll import wants_page
from services.fetcher.robots import RobotsCache
from services.parser.page_text import decompress_page
from shared.messages import PageRequest, RawEntry
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route

PAGE = b"<html><body><article><p>The full story.</p></article></body></html>"


def _request(url: str, **kw) -> PageRequest:  # type: ignore[no-untyped-def]
    entry = RawEntry(feed_id=1, feed_url="u", source="s", entry_key="k", link=url, title="t",
                     content_hash="h", fetched_at="2026-11-27T10:00:00Z")  # fmt: skip
    return PageRequest(entry=entry, **kw)


def _robots(settings: Settings) -> RobotsCache:
    def get(url: str):  # type: ignore[no-untyped-def]
        with build_client(settings, parse_networks(settings.allowed_networks)) as client:
            return fetch(client, url, max_bytes=500_000, total_timeout=5)

    return RobotsCache(get, settings.user_agent)


def _attach(settings: Settings, request: PageRequest, robots: RobotsCache | None = None):  # type: ignore[no-untyped-def]
    with build_client(settings, parse_networks(settings.allowed_networks)) as client:
        return attach_page(client, request, settings, robots=robots)


def test_page_travels_compressed_and_validators_come_back(
    settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/story.html"] = Route(PAGE, content_type="text/html")
    entry, validators = _attach(settings, _request(feed_server.url("/story.html")))
    assert decompress_page(entry.page_html_z) == PAGE and entry.page_url == feed_server.url("/story.html")
    assert validators[0] == feed_server.routes["/story.html"].etag
    again, _ = _attach(settings, _request(feed_server.url("/story.html"), etag=validators[0]))
    assert again.page_unchanged and again.page_html_z is None


@pytest.mark.parametrize(
    ("robots", "allowed"),
    [
        pytest.param(
            Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain"), True, id="other-path"
        ),
        pytest.param(
            Route(b"User-agent: newswire\nDisallow: /\n", content_type="text/plain"), False, id="us-by-name"
        ),
        pytest.param(Route(b"User-agent: *\nDisallow: /\n", content_type="text/plain"), False, id="everyone"),
        pytest.param(Route(status=404), True, id="no-robots-file-allows"),
        pytest.param(Route(status=503), False, id="server-error-disallows"),  # RFC 9309 §2.3.1.4
    ],
)
def test_robots_txt(settings: Settings, feed_server: FeedServer, robots: Route, allowed: bool) -> None:
    feed_server.routes["/robots.txt"] = robots
    feed_server.routes["/story.html"] = Route(PAGE, content_type="text/html")
    entry, _ = _attach(settings, _request(feed_server.url("/story.html")), _robots(settings))
    assert (entry.page_html_z is not None) is allowed
    if not allowed:
        assert entry.page_error == "robots.txt disallows the page"
        assert "/story.html" not in [path for path, _h in feed_server.requests]


def test_page_failure_is_carried_to_the_parser(settings: Settings, feed_server: FeedServer) -> None:
    entry, validators = _attach(settings, _request(feed_server.url("/missing.html")))
    assert entry.page_error == "HTTP 404 Not Found" and validators is None


@pytest.mark.parametrize(
    ("mode", "html", "expected"),
    [
        pytest.param("auto", "<p>Short summary.</p>", True, id="auto-short"),
        pytest.param("auto", "<p>" + "word " * 200 + "</p>", False, id="auto-long"),
        pytest.param("page", "<p>" + "word " * 200 + "</p>", True, id="page-always"),
        pytest.param("summary", "", False, id="summary-never"),
    ],
)
def test_wants_page(settings: Settings, mode: str, html: str, expected: bool) -> None:
    assert wants_page(mode, html, settings) is expected
