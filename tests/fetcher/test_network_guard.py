import ipaddress
import socket

import httpx
import pytest

from services.fetcher.conditional_get import FetchError, build_client, fetch
from services.fetcher.network_guard import BlockedAddress, GuardedBackend, check_url, parse_networks
from shared.settings import Settings
from tests.support.feed_server import FeedServer, Route

pytestmark = pytest.mark.security
LOOPBACK = parse_networks(["127.0.0.0/8", "::1/128"])

REFUSED = [
    pytest.param("http://10.0.0.5/feed", [], id="rfc1918-10"),
    pytest.param("http://192.168.1.1/feed", [], id="rfc1918-192"),
    pytest.param("http://172.16.0.1/feed", [], id="rfc1918-172"),
    pytest.param("http://169.254.169.254/latest/meta-data", [], id="cloud-metadata"),
    pytest.param("http://127.0.0.1:6379/", [], id="loopback-not-allowed-by-default"),
    pytest.param("http://[::1]/", [], id="ipv6-loopback"),
    pytest.param("http://[::ffff:10.0.0.1]/", [], id="ipv4-mapped-private"),
    pytest.param("http://100.64.0.1/", [], id="carrier-grade-nat"),
    pytest.param("http://0.0.0.0/", [], id="unspecified"),
    pytest.param("http://10.0.0.5/feed", LOOPBACK, id="private-still-refused-when-loopback-allowed"),
    pytest.param("file:///etc/passwd", LOOPBACK, id="file-scheme"),
    pytest.param("gopher://127.0.0.1/", LOOPBACK, id="gopher-scheme"),
]


def _no_dns(host: str, port: int):  # type: ignore[no-untyped-def]
    raise AssertionError(f"the guard must not resolve {host}: it is an IP literal or refused earlier")


@pytest.mark.parametrize(("url", "allowed"), REFUSED)
def test_refused_before_any_connection(url: str, allowed: list, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_connect(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the guard opened a connection")

    monkeypatch.setattr(socket.socket, "connect", no_connect)
    with pytest.raises(BlockedAddress):
        check_url(url, allowed, resolver=_no_dns)


def test_loopback_allowed_when_configured() -> None:
    assert check_url("http://127.0.0.1:8080/rss", LOOPBACK) == [ipaddress.ip_address("127.0.0.1")]


def test_public_address_allowed() -> None:
    assert check_url("https://93.184.215.14/rss", []) == [ipaddress.ip_address("93.184.215.14")]


def test_name_resolving_to_private_address_is_refused() -> None:
    def resolver(host: str, port: int):  # type: ignore[no-untyped-def]
        return [ipaddress.ip_address("93.184.215.14"), ipaddress.ip_address("10.1.1.1")]

    with pytest.raises(BlockedAddress, match=r"feeds\.example resolves to 10\.1\.1\.1"):
        check_url("https://feeds.example/rss", [], resolver=resolver)


# --- the guard inside the HTTP client: names resolved once, every address checked, IP pinned -------


def _client_resolving(settings: Settings, name_to: str, allowed: list[str]) -> httpx.Client:
    calls = []

    def resolver(host: str, port: int):  # type: ignore[no-untyped-def]
        calls.append(host)
        return [ipaddress.ip_address(name_to)]

    transport = httpx.HTTPTransport()
    transport._pool._network_backend = GuardedBackend(parse_networks(allowed), resolver=resolver)
    client = build_client(settings, parse_networks(allowed), transport)
    client.resolver_calls = calls  # type: ignore[attr-defined]
    return client


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        pytest.param("127.0.0.1", [], id="name-to-loopback"),
        pytest.param("10.0.0.1", ["127.0.0.0/8"], id="name-to-private"),
        pytest.param("::1", ["127.0.0.0/8"], id="name-to-ipv6-loopback"),
        pytest.param("169.254.169.254", ["127.0.0.0/8"], id="name-to-metadata"),
    ],
)
def test_a_name_resolving_inside_is_refused(settings: Settings, feed_server: FeedServer, address: str,
                                            allowed: list[str]) -> None:  # fmt: skip
    feed_server.routes["/rss"] = Route(b"<rss/>")
    port = feed_server.httpd.server_address[1]
    with _client_resolving(settings, address, allowed) as client, pytest.raises(FetchError, match="refused"):
        fetch(client, f"http://feeds.example:{port}/rss", max_bytes=10_000, total_timeout=5)
    assert feed_server.requests == []


def test_allowed_name_connects_to_the_vetted_address(settings: Settings, feed_server: FeedServer) -> None:
    feed_server.routes["/rss"] = Route(b"<rss/>")
    port = feed_server.httpd.server_address[1]
    with _client_resolving(settings, "127.0.0.1", ["127.0.0.0/8"]) as client:
        result = fetch(client, f"http://feeds.example:{port}/rss", max_bytes=10_000, total_timeout=5)
        assert client.resolver_calls == ["feeds.example"]  # type: ignore[attr-defined]
    assert result.body == b"<rss/>"
    assert feed_server.requests[0][1]["Host"] == f"feeds.example:{port}"


def test_confined_fetcher_looks_up_no_name(settings: Settings) -> None:
    assert settings.confine_to_allowed_networks
    with (
        build_client(settings, parse_networks(settings.allowed_networks)) as client,
        pytest.raises(FetchError, match="names other than localhost are not looked up"),
    ):
        fetch(client, "https://www.azernews.az/rss/Azerbaijan.xml", max_bytes=1000, total_timeout=5)


def test_confined_fetcher_refuses_public_addresses(settings: Settings) -> None:
    with (
        build_client(settings, parse_networks(settings.allowed_networks)) as client,
        pytest.raises(FetchError, match=r"refused: http://93\.184\.215\.14/"),
    ):
        fetch(client, "http://93.184.215.14/", max_bytes=1000, total_timeout=5)
