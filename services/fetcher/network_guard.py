"""The one place that decides which addresses the fetcher may connect to (SSRF guard)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(Exception):
    """The URL resolves to an address the fetcher must not reach (private, loopback, metadata …)."""


def parse_networks(cidrs: Iterable[str]) -> list[IPNetwork]:
    """Turn NEWSWIRE_ALLOWED_NETWORKS entries into network objects."""
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def is_allowed_address(address: IPAddress, allowed: Iterable[IPNetwork]) -> bool:
    """Public unicast addresses are allowed; anything else only inside an allowed network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in allowed if network.version == address.version):
        return True
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses a host name resolves to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_url(
    url: str,
    allowed: Iterable[IPNetwork],
    resolver=resolve,  # type: ignore[no-untyped-def]
) -> list[IPAddress]:
    """Refuse a URL before any connection if its scheme or any resolved address is not allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"{url}: scheme {parts.scheme or '(none)'!r} is not http or https")
    if not parts.hostname:
        raise BlockedAddress(f"{url}: no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = list(allowed)
    try:  # an IP literal is checked as it is, with no lookup
        addresses = [ipaddress.ip_address(parts.hostname)]
    except ValueError:
        addresses = resolver(parts.hostname, port)
    if not addresses:
        raise BlockedAddress(f"{url}: {parts.hostname} resolves to no address")
    for address in addresses:
        if not is_allowed_address(address, allowed):
            raise BlockedAddress(
                f"{url}: {parts.hostname} resolves to {address}, a non-public address "
                "outside NEWSWIRE_ALLOWED_NETWORKS"
            )
    return addresses
