"""SSRF: every spelling of an inside address is refused before any connection, unless its network is allowed.
These tests also run inside a network namespace with only loopback (tests/fetcher/test_guard_isolated.py)."""

from __future__ import annotations

import pytest

from services.fetcher.conditional_get import FetchError, build_client, fetch
from services.fetcher.network_guard import BlockedAddress, check_url, parse_networks
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route

pytestmark = pytest.mark.security

INSIDE = [
    pytest.param("http://127.0.0.1/", id="loopback"),
    pytest.param("http://127.1/", id="loopback-short"),
    pytest.param("http://2130706433/", id="loopback-decimal"),
    pytest.param("http://0177.0.0.1/", id="loopback-octal"),
    pytest.param("http://0x7f.0.0.1/", id="loopback-hex"),
    pytest.param("http://10.1.2.3/", id="10/8"),
    pytest.param("http://172.20.0.1/", id="172.16/12"),
    pytest.param("http://192.168.0.10/", id="192.168/16"),
    pytest.param("http://169.254.169.254/latest/meta-data/", id="169.254/16-metadata"),
    pytest.param("http://[::1]/", id="ipv6-loopback"),
    pytest.param("http://[fd12:3456::1]/", id="fc00::/7"),
    pytest.param("http://[fe80::1]/", id="ipv6-link-local"),
    pytest.param("http://[::ffff:127.0.0.1]/", id="ipv4-mapped-loopback"),
    pytest.param("http://[::ffff:a00:1]/", id="ipv4-mapped-10/8-hex"),
    pytest.param("http://224.0.0.1/", id="multicast"),
    pytest.param("http://240.0.0.1/", id="reserved"),
    pytest.param("http://0.0.0.0/", id="unspecified"),
]
SCHEMES = [
    "file:///etc/passwd",
    "ftp://example.org/feed",
    "gopher://127.0.0.1:6379/_INFO",
    "data:text/xml,<rss/>",
]


@pytest.mark.parametrize("url", INSIDE)
def test_inside_spellings_are_refused_by_the_guard(url: str) -> None:
    with pytest.raises(BlockedAddress, match="non-public address"):
        check_url(url, [])  # the real resolver: numeric spellings are parsed, never looked up


@pytest.mark.parametrize("url", SCHEMES)
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(BlockedAddress, match="is not http or https"):
        check_url(url, parse_networks(["0.0.0.0/0", "::/0"]))


LOOPBACK_SPELLINGS = ["127.0.0.1", "127.1", "2130706433", "0177.0.0.1", "0x7f.0.0.1", "[::ffff:127.0.0.1]"]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_loopback_spellings_never_reach_the_loopback_server(
    host: str, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/"] = Route(b"<rss/>")
    port = feed_server.httpd.server_address[1]
    open_settings = settings.model_copy(update={"confine_to_allowed_networks": False})
    target = f"http://{host}:{port}/"
    refused = pytest.raises(FetchError, match=r"^(refused|invalid URL)")
    with build_client(open_settings, []) as client, refused:
        fetch(client, target, max_bytes=1000, total_timeout=5)
    assert feed_server.requests == []


def test_allowed_network_is_reachable_and_nothing_else(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(b"<rss/>")
    port = feed_server.httpd.server_address[1]
    with build_client(settings, parse_networks(["127.0.0.0/8"])) as client:
        assert (
            fetch(client, f"http://127.0.0.1:{port}/rss", max_bytes=1000, total_timeout=5).body == b"<rss/>"
        )
        with pytest.raises(FetchError, match="refused"):
            fetch(client, "http://10.0.0.1/rss", max_bytes=1000, total_timeout=5)
