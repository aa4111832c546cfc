"""feedparser on bytes we fetched ourselves (it never downloads), reduced to the fields we send on."""

from __future__ import annotations

from dataclasses import dataclass, field

import feedparser

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


def parse_feed(body: bytes, headers: dict[str, str], url: str) -> ParsedFeed:
    """Parse feed bytes with the response's content type (for the charset); raise NotAFeed."""
    wanted = {k.lower(): v for k, v in headers.items() if k.lower() in ("content-type",)}
    wanted["content-location"] = url
    parsed = feedparser.parse(body, response_headers=wanted)
    bozo = str(parsed.get("bozo_exception") or "") or None
    if not parsed.get("version") and not parsed.entries:
        reason = bozo.splitlines()[0] if bozo else "no RSS or Atom elements"
        raise NotAFeed(f"not a feed ({reason})")
    entries = [_entry(raw) for raw in parsed.entries]
    return ParsedFeed(
        title=parsed.feed.get("title", ""),
        entries=entries,
        bozo=bozo,
        language=parsed.feed.get("language"),
    )


def _entry(raw: feedparser.FeedParserDict) -> FeedEntry:
    title = raw.get("title", "") or ""
    summary = raw.get("summary", "") or ""
    contents = [c.get("value", "") for c in raw.get("content", []) if c.get("value")]
    content = max(contents, key=len) if contents else ""
    guid = raw.get("id") or None
    link = raw.get("link") or None
    return FeedEntry(
        key=entry_key(guid, link, title),
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
