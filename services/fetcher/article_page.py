"""Fetching an entry's article page: same guard, limits and politeness as feeds, plus robots.txt."""

from __future__ import annotations

import base64
import logging
import zlib

import httpx

from services.fetcher.conditional_get import FetchError, fetch, validators
from services.fetcher.politeness import HostLimiter
from services.fetcher.robots import RobotsCache
from shared.errors import TransientError
from shared.logging import log_event
from shared.messages import PageRequest, RawEntry
from shared.settings import Settings

log = logging.getLogger("newswire.fetcher")


def compress_html(html: bytes) -> str:
    """zlib + base64: a 100 KB page travels as ~20 KB of JSON-safe text."""
    return base64.b64encode(zlib.compress(html, 6)).decode("ascii")


def attach_page(
    client: httpx.Client,
    request: PageRequest,
    settings: Settings,
    *,
    limiter: HostLimiter | None = None,
    robots: RobotsCache | None = None,
) -> tuple[RawEntry, tuple[str | None, str | None] | None]:
    """The entry with its page attached (or the reason it is not), and the page's new validators."""
    entry = request.entry
    url = entry.link
    if not url:
        return entry.model_copy(update={"page_error": "entry has no link"}), None
    if robots is not None and not robots.allowed(url):
        log_event(log, "page.robots_disallowed", feed_id=entry.feed_id, url=url)
        return entry.model_copy(update={"page_error": "robots.txt disallows the page"}), None
    try:
        result = fetch(
            client,
            url,
            etag=request.etag,
            last_modified=request.last_modified,
            max_bytes=settings.page_max_bytes,
            total_timeout=settings.http_total_timeout,
            limiter=limiter,
        )
    except FetchError as exc:
        log_event(log, "page.failed", logging.WARNING, feed_id=entry.feed_id, url=url, reason=str(exc))
        return entry.model_copy(update={"page_error": str(exc)}), None
    kept = validators(result.headers)
    if result.not_modified:
        return entry.model_copy(update={"page_unchanged": True, "page_url": result.url}), kept
    log_event(log, "page.fetched", feed_id=entry.feed_id, url=result.url, bytes=len(result.body))
    return entry.model_copy(update={"page_url": result.url, "page_html_z": compress_html(result.body)}), kept


def attach_pages(
    client: httpx.Client,
    requests: list[PageRequest],
    settings: Settings,
    *,
    limiter: HostLimiter | None = None,
    robots: RobotsCache | None = None,
) -> tuple[list[tuple[RawEntry, tuple[str | None, str | None] | None]], list[PageRequest]]:
    """attach_page for each request of a batch; a page that must wait (its host is busy, a TransientError)
    is handed back to be fetched on its own later, so the others need not wait with it."""
    done: list[tuple[RawEntry, tuple[str | None, str | None] | None]] = []
    later: list[PageRequest] = []
    for request in requests:
        try:
            done.append(attach_page(client, request, settings, limiter=limiter, robots=robots))
        except TransientError:
            later.append(request)
    return done, later
