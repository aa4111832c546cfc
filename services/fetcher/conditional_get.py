"""HTTP GET with validators (RFC 9110 §13), our own redirect handling, deadlines, and bounded bodies."""

from __future__ import annotations

import socket
import ssl
import time
import zlib
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from urllib.parse import urljoin, urlsplit

import httpx

from services.fetcher.network_guard import BlockedAddress, GuardedBackend, IPNetwork
from services.fetcher.politeness import HostLimiter
from shared.settings import Settings

MAX_REDIRECTS = 5
PERMANENT = {301, 308}
TEMPORARY = {302, 303, 307}


class FetchError(Exception):
    """A fetch that failed; the message is the one-line reason shown to the user."""

    def __init__(self, reason: str, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.status = status
        self.retry_after = retry_after  # seconds the server asked us to wait (429/503)


@dataclass(frozen=True)
class FetchResult:
    """What a conditional GET returned; body is empty on 304."""

    status: int
    url: str
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chain: tuple[tuple[int, str], ...] = ()  # (status, location) per redirect hop
    permanent_url: str | None = None  # where 301/308 hops from the start lead, if any

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304: nothing to parse, nothing to send."""
        return self.status == 304


@cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle costs ~17 ms of CPU, which was 70 % of
    a 304 poll when every poll built its own (bench/polling.py); contexts are safe to share across threads."""
    return httpx.create_ssl_context()


def build_client(
    settings: Settings, allowed: list[IPNetwork], inner: httpx.BaseTransport | None = None
) -> httpx.Client:
    """An httpx client whose every connection goes through the network guard; redirects are ours."""
    timeout = httpx.Timeout(
        connect=settings.http_connect_timeout,
        read=settings.http_read_timeout,
        write=settings.http_read_timeout,
        pool=settings.http_connect_timeout,
    )
    if inner is None:
        inner = httpx.HTTPTransport(retries=0, verify=tls_context())
        # httpx offers no public hook for the network backend; the pool's is the one place every
        # TCP connection is opened, so the guard lives there (see network_guard.GuardedBackend).
        inner._pool._network_backend = GuardedBackend(allowed, confine=settings.confine_to_allowed_networks)
    return httpx.Client(
        transport=inner,
        timeout=timeout,
        follow_redirects=False,
        headers={
            "User-Agent": settings.full_user_agent,
            "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
            "text/xml;q=0.9, text/html;q=0.5, */*;q=0.3",
            # Only what we can decode with a bounded output size (see _read_body).
            "Accept-Encoding": "gzip, deflate",
        },
    )


# The ledger's columns for validators. A longer one is dropped, not stored: a conditional GET only saves
# work, and PostgreSQL refused the whole poll's transaction over one oversized header (issue 7).
MAX_ETAG_CHARS, MAX_LAST_MODIFIED_CHARS = 1024, 200


def validators(headers: Mapping[str, str]) -> tuple[str | None, str | None]:
    """ETag and Last-Modified of a response, each only when it fits where it is kept (RFC 9110 §8.8)."""
    etag, modified = headers.get("etag"), headers.get("last-modified")
    return (
        etag if etag and len(etag) <= MAX_ETAG_CHARS else None,
        modified if modified and len(modified) <= MAX_LAST_MODIFIED_CHARS else None,
    )


def conditional_headers(etag: str | None, last_modified: str | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from the validators stored for the feed."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def fetch(
    client: httpx.Client,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    max_bytes: int,
    total_timeout: float,
    limiter: HostLimiter | None = None,
) -> FetchResult:
    """GET a URL conditionally, following at most 5 redirects; FetchError with a one-line reason.

    With a limiter, every hop first takes a slot for its host (politeness across all fetchers)."""
    deadline = time.monotonic() + total_timeout
    redirects = _Redirects(url)
    current = url
    try:
        while True:
            _check_scheme(current)
            request = client.build_request("GET", current, headers=conditional_headers(etag, last_modified))
            with limiter.slot(current) if limiter else nullcontext():
                response = client.send(request, stream=True)
                try:
                    if response.status_code in PERMANENT | TEMPORARY:
                        current = redirects.follow(current, response)
                        continue
                    return _finish(response, current, redirects, max_bytes, deadline, total_timeout)
                finally:
                    response.close()
    except BlockedAddress as exc:
        raise FetchError(f"refused: {current}: {exc}") from exc
    except httpx.InvalidURL as exc:  # not an HTTPError: httpx refuses the URL before any connection
        raise FetchError(f"invalid URL {current}: {exc}") from exc
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out ({type(exc).__name__})") from exc
    except httpx.ConnectError as exc:
        raise FetchError(_connect_reason(exc)) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from exc


class _Redirects:
    """The redirect chain of one fetch: loops, the hop cap, and where permanent hops lead."""

    def __init__(self, start: str):
        self.start = start
        self.chain: list[tuple[int, str]] = []
        self.seen = {start}
        self.permanent_url: str | None = None
        self._still_permanent = True

    def follow(self, current: str, response: httpx.Response) -> str:
        status = response.status_code
        location = response.headers.get("Location")
        if not location:
            raise FetchError(f"HTTP {status} without a Location", status)
        target = urljoin(current, location)
        self.chain.append((status, target))
        # Only an unbroken run of permanent hops from the start moves the feed (RFC 9110 §15.4.2).
        self._still_permanent = self._still_permanent and status in PERMANENT
        if self._still_permanent:
            self.permanent_url = target
        if target in self.seen:
            raise FetchError("redirect loop: " + self.describe(), status)
        if len(self.chain) > MAX_REDIRECTS:
            raise FetchError(f"more than {MAX_REDIRECTS} redirects: " + self.describe(), status)
        self.seen.add(target)
        return target

    def describe(self) -> str:
        return " -> ".join([self.start, *(f"{status} {target}" for status, target in self.chain)])


def _finish(response, url, redirects, max_bytes, deadline, total_timeout) -> FetchResult:  # type: ignore[no-untyped-def]
    status = response.status_code
    headers = dict(response.headers)
    chain, permanent_url = tuple(redirects.chain), redirects.permanent_url
    if status == 304:
        return FetchResult(304, url, b"", headers, chain, permanent_url)
    if status >= 400:
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if status in (429, 503) else None
        raise FetchError(f"HTTP {status} {response.reason_phrase}".strip(), status, retry_after)
    declared = response.headers.get("Content-Length")
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if declared and declared.isdigit() and not encoding and int(declared) > max_bytes:
        raise FetchError(f"body of {declared} bytes exceeds the {max_bytes}-byte cap", status)
    body = _read_body(response, encoding, max_bytes, deadline, total_timeout)
    return FetchResult(status, url, body, headers, chain, permanent_url)


def _read_body(
    response: httpx.Response, encoding: str, max_bytes: int, deadline: float, total: float
) -> bytes:
    """Raw bytes in, decoded bytes out, never more than max_bytes held, never past the deadline."""
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip"):
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        decoder = zlib.decompressobj()  # zlib-wrapped; raw deflate is retried below
    else:
        raise FetchError(f"unsupported Content-Encoding {encoding!r}", response.status_code)
    out = bytearray()
    for chunk in response.iter_raw():
        if time.monotonic() > deadline:
            raise FetchError(f"took longer than {total:g} s in total (slow body)", response.status_code)
        if decoder is None:
            out += chunk
        else:
            try:
                # max_length bounds what one compressed chunk may expand to: a bomb stops at the cap.
                out += decoder.decompress(chunk, max_bytes + 1 - len(out))
            except zlib.error:
                if encoding == "deflate" and not out:
                    decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    out += decoder.decompress(chunk, max_bytes + 1 - len(out))
                else:
                    raise FetchError("corrupt compressed body", response.status_code) from None
            if decoder.unconsumed_tail:
                raise FetchError(
                    f"body exceeds the {max_bytes}-byte cap (decompressed)", response.status_code
                )
        if len(out) > max_bytes:
            raise FetchError(f"body exceeds the {max_bytes}-byte cap", response.status_code)
    return bytes(out)


def _check_scheme(url: str) -> None:
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise BlockedAddress(f"scheme {scheme or '(none)'!r} is not http or https")


def _connect_reason(exc: httpx.ConnectError) -> str:
    text = str(exc)
    cause = exc.__cause__ or exc.__context__
    if isinstance(cause, socket.gaierror) or "DNS lookup" in text or "Name or service not known" in text:
        return f"DNS lookup failed: {text}"
    if isinstance(cause, ssl.SSLError) or "SSL" in text or "certificate" in text.lower():
        return f"TLS error: {text}"
    return f"connection failed: {text}"
