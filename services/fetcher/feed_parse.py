"""feedparser on bytes we fetched ourselves (it never downloads), reduced to the fields we send on."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import feedparser

from services.fetcher.charset import to_utf8
from services.fetcher.fingerprint import content_hash, entry_key

# Hostile input must not make feedparser reach out or rewrite URLs behind our back.
feedparser.RESOLVE_RELATIVE_URIS = 1
feedparser.SANITIZE_HTML = 0  # the parser service sanitises with nh3; keep the original markup


class NotAFeed(Exception):
    """The body is not RSS or Atom (an HTML page, an error page, garbage)."""


@dataclass(frozen=True)
class FeedEntry:
    """One entry with its key and content fingerprint."""

    key: str
    guid: str | None
    link: str | None
    title: str
    summary_html: str
    content_html: str
    author: str | None
    published_raw: str | None
    tags: list[str] = field(default_factory=list)
    content_hash: str = ""


@dataclass(frozen=True)
class ParsedFeed:
    """The entries of a feed plus what feedparser said about its well-formedness."""

    title: str
    entries: list[FeedEntry]
    bozo: str | None
    language: str | None
    encoding: str = "utf-8"
    ttl: str | None = None
    sy_period: str | None = None
    sy_frequency: str | None = None


def parse_feed(body: bytes, headers: dict[str, str], url: str) -> ParsedFeed:
    """Decode the bytes ourselves (see charset.py), parse, and keep one entry per key; raise NotAFeed."""
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), None)
    utf8, encoding = to_utf8(body, content_type)
    mime = (content_type or "application/xml").split(";")[0].strip() or "application/xml"
    parsed = feedparser.parse(
        utf8, response_headers={"content-type": f"{mime}; charset=utf-8", "content-location": url}
    )
    bozo = str(parsed.get("bozo_exception") or "") or None
    if not parsed.get("version") and not parsed.entries:
        reason = bozo.splitlines()[0] if bozo else "no RSS or Atom elements"
        raise NotAFeed(f"not a feed ({reason})")
    entries: dict[str, FeedEntry] = {}
    links = [_http_link(raw.get("link"), url) for raw in parsed.entries]
    repeated_links = {link for link in links if link and links.count(link) > 1}
    for raw, link in zip(parsed.entries, links, strict=True):
        entry = _entry(raw, link, link in repeated_links)
        entries.setdefault(entry.key, entry)  # a GUID repeated in one feed: the first (newest) wins
    return ParsedFeed(
        title=parsed.feed.get("title", ""),
        entries=list(entries.values()),
        bozo=bozo,
        language=parsed.feed.get("language"),
        encoding=encoding,
        ttl=parsed.feed.get("ttl"),
        sy_period=parsed.feed.get("sy_updateperiod"),
        sy_frequency=parsed.feed.get("sy_updatefrequency"),
    )


def _http_link(link: str | None, base: str) -> str | None:
    """An absolute http(s) link, or None: a javascript: or data: link is never stored or followed."""
    if not link or not link.strip():
        return None
    absolute = urljoin(base, link.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def _entry(raw: feedparser.FeedParserDict, link: str | None, link_repeats: bool) -> FeedEntry:
    title = raw.get("title", "") or ""
    summary = raw.get("summary", "") or ""
    contents = [c.get("value", "") for c in raw.get("content", []) if c.get("value")]
    content = max(contents, key=len) if contents else ""
    guid = (raw.get("id") or "").strip() or None
    return FeedEntry(
        key=entry_key(guid, link, title, link_repeats=link_repeats),
        guid=guid,
        link=link,
        title=title,
        summary_html=summary,
        content_html=content,
        author=raw.get("author") or None,
        published_raw=raw.get("published") or raw.get("updated") or raw.get("created"),
        tags=[t.get("term") for t in raw.get("tags", []) if t.get("term")],
        content_hash=content_hash(title, content or summary),
    )
