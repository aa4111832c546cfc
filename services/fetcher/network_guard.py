"""The one place that decides which addresses the fetcher may connect to (SSRF guard)."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(Exception):
    """The URL resolves to an address the fetcher must not reach (private, loopback, metadata …)."""


def parse_networks(cidrs: Iterable[str]) -> list[IPNetwork]:
    """Turn NEWSWIRE_ALLOWED_NETWORKS entries into network objects."""
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def is_allowed_address(address: IPAddress, allowed: Iterable[IPNetwork], confine: bool = False) -> bool:
    """Public unicast addresses pass (unless confined); any other only inside an allowed network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in network for network in allowed if network.version == address.version):
        return True
    return not confine and address.is_global and not address.is_multicast


def _lookup(host: str, port: int, confine: bool, resolver) -> list[IPAddress]:  # type: ignore[no-untyped-def]
    try:  # an IP literal is checked as it is, with no lookup
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    if confine and host.lower().rstrip(".") != "localhost":
        # Confined (tests): not even a DNS query may leave the machine.
        raise BlockedAddress(f"{host}: names other than localhost are not looked up when confined")
    return resolver(host, port)


def resolve(host: str, port: int) -> list[IPAddress]:
    """All addresses a host name resolves to."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]


def check_url(
    url: str,
    allowed: Iterable[IPNetwork],
    resolver=resolve,  # type: ignore[no-untyped-def]
    confine: bool = False,
) -> list[IPAddress]:
    """Refuse a URL before any connection if its scheme or any resolved address is not allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise BlockedAddress(f"{url}: scheme {parts.scheme or '(none)'!r} is not http or https")
    if not parts.hostname:
        raise BlockedAddress(f"{url}: no host")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    allowed = list(allowed)
    addresses = _lookup(parts.hostname, port, confine, resolver)
    if not addresses:
        raise BlockedAddress(f"{url}: {parts.hostname} resolves to no address")
    for address in addresses:
        if not is_allowed_address(address, allowed, confine):
            raise BlockedAddress(
                f"{url}: {parts.hostname} resolves to {address}, a non-public address "
                "outside NEWSWIRE_ALLOWED_NETWORKS"
            )
    return addresses


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, but every TCP connection goes to an address the guard vetted.

    The name is resolved once here, every address is checked, and the socket connects to the checked
    IP itself, so a second lookup cannot swap in a private address (DNS rebinding). TLS still
    verifies the certificate against the host name (httpcore passes it as server_hostname)."""

    def __init__(self, allowed: Iterable[IPNetwork], resolver=resolve, confine: bool = False):  # type: ignore[no-untyped-def]
        self.allowed = list(allowed)
        self.resolver = resolver
        self.confine = confine

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        try:
            addresses = _lookup(host, port, self.confine, self.resolver)
        except OSError as exc:
            raise httpcore.ConnectError(f"DNS lookup of {host} failed: {exc}") from exc
        for address in addresses:
            if not is_allowed_address(address, self.allowed, self.confine):
                raise BlockedAddress(
                    f"{host} resolves to {address}, a non-public address outside NEWSWIRE_ALLOWED_NETWORKS"
                )
        last_error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(str(address), port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError(f"no address to connect to for {host}")
