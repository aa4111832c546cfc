import pytest

from services.fetcher.conditional_get import FetchError, build_client, fetch
from services.fetcher.network_guard import parse_networks
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route

LOOPBACK = parse_networks(["127.0.0.0/8"])


def _get(settings: Settings, url: str, allowed=LOOPBACK, **kw):  # type: ignore[no-untyped-def]
    with build_client(settings, allowed) as client:
        return fetch(client, url, max_bytes=kw.pop("max_bytes", 1_000_000), total_timeout=10, **kw)


def test_validators_are_sent_and_304_has_no_body(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(b"<rss version='2.0'><channel></channel></rss>")
    first = _get(settings, feed_server.url("/rss"))
    assert first.status == 200 and first.body.startswith(b"<rss")
    second = _get(settings, feed_server.url("/rss"), etag=first.headers["etag"],
                  last_modified=first.headers["last-modified"])  # fmt: skip
    assert second.not_modified and second.body == b""
    sent = feed_server.requests[-1][1]
    assert sent["If-None-Match"] == first.headers["etag"]
    assert sent["If-Modified-Since"] == "Tue, 29 Oct 2019 14:10:00 GMT"


def test_gzip_body_is_decoded(settings: Settings, feed_server: FeedServer, sample_feed: bytes) -> None:
    feed_server.routes["/rss"] = Route(sample_feed, gzip=True)
    result = _get(settings, feed_server.url("/rss"))
    assert result.body == sample_feed
    assert result.headers["content-encoding"] == "gzip"


def test_body_over_the_cap_is_an_error(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/big"] = Route(b"x" * 5000)
    with pytest.raises(FetchError, match="exceeds the 1000-byte cap"):
        _get(settings, feed_server.url("/big"), max_bytes=1000)


def test_gzip_bomb_is_capped_on_decoded_size(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/bomb"] = Route(b"\0" * 2_000_000, gzip=True)  # ~2 KB on the wire
    with pytest.raises(FetchError, match="cap"):
        _get(settings, feed_server.url("/bomb"), max_bytes=100_000)


def test_http_error_names_the_status(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/gone"] = Route(status=503)
    with pytest.raises(FetchError, match="HTTP 503"):
        _get(settings, feed_server.url("/gone"))


def test_refused_address_never_reaches_the_server(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(b"<rss/>")
    with pytest.raises(FetchError, match=r"refused: .*non-public address"):
        _get(settings, feed_server.url("/rss"), allowed=[])
    assert feed_server.requests == []


def test_redirect_to_a_refused_address_is_stopped(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/moved"] = Route(status=302, headers={"Location": "http://10.0.0.1/rss"})
    with pytest.raises(FetchError, match=r"refused: http://10\.0\.0\.1/rss"):
        _get(settings, feed_server.url("/moved"))


def test_redirect_loop_is_an_error(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/a"] = Route(status=302, headers={"Location": "/b"})
    feed_server.routes["/b"] = Route(status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match=r"redirect loop: http://127.0.0.1:\d+/a -> 302 .*/b -> 302 .*/a$"):
        _get(settings, feed_server.url("/a"))


def test_connection_refused_is_one_line(settings: Settings) -> None:
    with pytest.raises(FetchError, match="connection failed") as info:
        _get(settings, "http://127.0.0.1:1/rss")
    assert "\n" not in str(info.value)
