"""Feed autodiscovery: the <link rel="alternate"> feeds an HTML page announces (RSS Board autodiscovery)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from services.fetcher.conditional_get import FetchError, build_client, fetch
from services.fetcher.feed_parse import NotAFeed, parse_feed
from services.fetcher.network_guard import parse_networks
from shared.settings import Settings

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml")


def looks_like_html(body: bytes, content_type: str | None) -> bool:
    """An HTML page rather than a feed (by type, else by its first tag)."""
    if content_type and "html" in content_type.lower():
        return True
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """Absolute http(s) URLs of the feeds a page links to, RSS and Atom first, in page order."""
    soup = BeautifulSoup(html[:2_000_000], "lxml")
    found: list[tuple[int, str]] = []
    for link in soup.find_all("link", href=True):
        rel = {value.lower() for value in (link.get("rel") or [])}
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        if "alternate" in rel and kind in FEED_TYPES:
            url = urljoin(base_url, link["href"].strip())
            if urlsplit(url).scheme in ("http", "https"):
                found.append((FEED_TYPES.index(kind), url))
    seen, ordered = set(), []
    for _rank, url in sorted(found, key=lambda item: item[0]):
        if url not in seen:
            seen.add(url)
            ordered.append(url)
    return ordered


class NoFeedFound(Exception):
    """The URL is neither a feed nor a page that announces one."""


def find_feed(url: str, settings: Settings) -> tuple[str, str]:
    """The feed URL for what a user typed (a feed, or a site page announcing one) and the feed's title.

    Raises FetchError when the URL cannot be fetched, NoFeedFound when nothing feed-like is there."""
    with build_client(settings, parse_networks(settings.allowed_networks)) as client:
        result = fetch(
            client, url, max_bytes=settings.http_max_body_bytes, total_timeout=settings.http_total_timeout
        )
        try:
            parsed = parse_feed(result.body, result.headers, result.url)
            return result.permanent_url or url, parsed.title
        except NotAFeed:
            if not looks_like_html(result.body, result.headers.get("content-type")):
                raise NoFeedFound(f"{url} is not a feed and not an HTML page") from None
        for candidate in discover_feeds(result.body, result.url):
            try:
                found = fetch(client, candidate, max_bytes=settings.http_max_body_bytes,
                              total_timeout=settings.http_total_timeout)  # fmt: skip
                return found.permanent_url or candidate, parse_feed(
                    found.body, found.headers, found.url
                ).title
            except (FetchError, NotAFeed):
                continue
    raise NoFeedFound(f"{url} is an HTML page that announces no working RSS or Atom feed")
