"""Canonical article URLs, so one story reached by two spellings of its URL gets one key."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "yclid", "mc_cid", "mc_eid", "_ga", "ref_src")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not key.lower().startswith(TRACKING_PARAMS)
    ]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def article_key(feed_id: int, guid: str | None, link: str | None, entry_key: str) -> str:
    """The store's unique key: feed + GUID, else the canonical URL, else feed + entry key."""
    if guid and guid.strip():
        return f"feed:{feed_id}:guid:{guid.strip()}"
    if link and link.strip():
        return "url:" + canonical_url(link)
    return f"feed:{feed_id}:key:{entry_key}"
