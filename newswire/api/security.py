"""Who may call what: reads are open on a loopback bind and need the API key when the API listens
elsewhere; writes and admin calls always need it (issue 5). Feed readers cannot send headers, so the
key is also accepted as ?key= on the feed and export URLs. And what no caller may send: NUL."""

from __future__ import annotations

import hmac
import ipaddress

from fastapi import Header, HTTPException, Query, Request

from shared.settings import get_settings


def loopback_bind(host: str) -> bool:
    """Is the API listening on loopback only (127.0.0.0/8, ::1, localhost)?"""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _presented(header: str | None, query: str | None) -> str | None:
    return header or query


def _matches(presented: str | None, expected: str) -> bool:
    return presented is not None and hmac.compare_digest(presented.encode(), expected.encode())


def holds_the_key(presented: str | None) -> bool:
    """Does the caller present the configured key (rate limits count its holders together)?"""
    expected = get_settings().api_key
    return _matches(presented, expected) if expected else False


def require_read(
    request: Request,
    x_api_key: str | None = Header(None, description="API key (needed when the API is bound off loopback)"),
    key: str | None = Query(None, description="API key, for feed readers that cannot send headers"),
) -> None:
    """Reads: open on loopback; elsewhere only with the key (and refused if none is configured)."""
    settings = get_settings()
    if loopback_bind(settings.api_host):
        return
    if not settings.api_key:
        raise HTTPException(503, "the API listens off loopback but NEWSWIRE_API_KEY is not set")
    if not _matches(_presented(x_api_key, key), settings.api_key):
        raise HTTPException(401, "this API needs its key: send X-API-Key (or ?key= for feeds)")


def require_write(
    x_api_key: str | None = Header(None, description="API key (always needed to write)"),
) -> None:
    """Writes and admin calls: always the key, from a header only (never in a URL that gets logged)."""
    expected = get_settings().api_key
    if not expected:
        raise HTTPException(403, "writes are disabled until NEWSWIRE_API_KEY is set")
    if not _matches(x_api_key, expected):
        raise HTTPException(401, "this call needs the API key in the X-API-Key header")


def refuse_nul(request: Request) -> None:
    """PostgreSQL text cannot hold NUL (0x00): one in the URL is the caller's error (422), not a 500."""
    if "\x00" in request.url.path or any("\x00" in v for _, v in request.query_params.multi_items()):
        raise HTTPException(422, "parameters may not contain NUL (0x00) characters")
