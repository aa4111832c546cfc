"""HTTP GET with validators (RFC 9110 §13), timeouts, a body cap and the network guard on every hop."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field

import httpx

from services.fetcher.network_guard import BlockedAddress, IPNetwork, check_url
from shared.settings import Settings

MAX_REDIRECTS = 5


class FetchError(Exception):
    """A fetch that failed; the message is the one-line reason shown to the user."""

    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    """What a conditional GET returned; body is empty on 304."""

    status: int
    url: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304: nothing to parse, nothing to send."""
        return self.status == 304


class GuardedTransport(httpx.BaseTransport):
    """Checks every request, redirects included, against the network guard before connecting."""

    def __init__(self, allowed: list[IPNetwork], inner: httpx.BaseTransport | None = None):
        self.allowed = allowed
        self.inner = inner or httpx.HTTPTransport(retries=0)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        check_url(str(request.url), self.allowed)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def build_client(
    settings: Settings, allowed: list[IPNetwork], inner: httpx.BaseTransport | None = None
) -> httpx.Client:
    """An httpx client with our timeouts, User-Agent, redirect cap and guarded transport."""
    timeout = httpx.Timeout(
        connect=settings.http_connect_timeout,
        read=settings.http_read_timeout,
        write=settings.http_read_timeout,
        pool=settings.http_connect_timeout,
    )
    return httpx.Client(
        transport=GuardedTransport(allowed, inner),
        timeout=timeout,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={
            "User-Agent": settings.user_agent,
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
            "text/xml;q=0.9, */*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        },
    )


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators stored for the feed."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    total_timeout: float,
) -> FetchResult:
    """GET a URL conditionally; raise FetchError with a one-line reason on any failure."""
    deadline = time.monotonic() + total_timeout
    try:
        with client.stream("GET", url, headers=conditional_headers(etag, last_modified)) as resp:
            if resp.status_code == 304:
                return FetchResult(304, str(resp.url), headers=dict(resp.headers))
            if resp.status_code >= 400:
                raise FetchError(f"HTTP {resp.status_code} {resp.reason_phrase}".strip(), resp.status_code)
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError(f"body of {declared} bytes exceeds the {max_bytes}-byte cap")
            chunks, size = [], 0
            for chunk in resp.iter_bytes():  # decoded: gzip/deflate handled by httpx
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"body exceeds the {max_bytes}-byte cap")
                if time.monotonic() > deadline:
                    raise FetchError(f"took longer than {total_timeout:g} s in total")
                chunks.append(chunk)
            return FetchResult(resp.status_code, str(resp.url), b"".join(chunks), dict(resp.headers))
    except BlockedAddress as exc:
        raise FetchError(f"refused: {exc}") from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(f"more than {MAX_REDIRECTS} redirects") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out ({type(exc).__name__})") from exc
    except httpx.ConnectError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, socket.gaierror) or "Name or service not known" in str(exc):
            raise FetchError(f"DNS lookup failed: {exc}") from exc
        raise FetchError(f"connection failed: {exc}") from exc
    except socket.gaierror as exc:
        raise FetchError(f"DNS lookup failed: {exc.strerror or exc}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc
