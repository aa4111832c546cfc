import ipaddress
import socket

import pytest

from services.fetcher.network_guard import BlockedAddress, check_url, parse_networks

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
