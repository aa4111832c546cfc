"""Feed autodiscovery: the <link rel="alternate"> feeds an HTML page announces (RSS Board autodiscovery)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

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
