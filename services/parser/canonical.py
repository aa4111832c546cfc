"""The store's key for a story, so one article reached through two feeds, or two spellings of its
address, is one row (issue 5): its URL's identity key first, a GUID only when there is no link."""

from __future__ import annotations

from shared.urls import bounded_key, canonical_url, url_key

__all__ = ["article_key", "canonical_url", "url_key"]


def article_key(feed_id: int, guid: str | None, link: str | None, entry_key: str) -> str:
    """url:<identity of the link>, else feed + GUID, else feed + entry key (bounded to fit its index)."""
    if link and link.strip() and urlsplit_ok(link):
        return bounded_key("url:" + url_key(link))
    if guid and guid.strip():
        return bounded_key(f"feed:{feed_id}:guid:{guid.strip()}")
    return bounded_key(f"feed:{feed_id}:key:{entry_key}")


def urlsplit_ok(link: str) -> bool:
    """Only absolute http(s) links identify an article; a relative or odd one does not."""
    return link.strip().lower().startswith(("http://", "https://"))
