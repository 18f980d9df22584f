"""Where a webhook may be sent: http(s) URLs whose host resolves to public addresses only.

A subscriber chooses the webhook URL, so without a check rasd could be made to POST into its own
network (server-side request forgery). The check runs twice:

* :func:`check_webhook_url` when a subscription is created and before each delivery (scheme, form,
  literal addresses), and
* :class:`GuardedNetworkBackend` at connect time, on the addresses actually connected to, so a name
  that resolves differently on a second lookup (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Iterable
from urllib.parse import urlsplit

import httpcore
import httpx

from delivery.exceptions import TargetRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")

# Named ranges refused unless private targets are allowed; anything else that is not globally
# routable is refused as "not_global". Order matters only for the reason reported.
BLOCKED_NETWORKS: tuple[tuple[str, ipaddress.IPv4Network | ipaddress.IPv6Network], ...] = tuple(
    (reason, ipaddress.ip_network(cidr))
    for reason, cidr in (
        ("unspecified", "0.0.0.0/8"),
        ("loopback", "127.0.0.0/8"),
        ("private", "10.0.0.0/8"),
        ("private", "172.16.0.0/12"),
        ("private", "192.168.0.0/16"),
        ("cgnat", "100.64.0.0/10"),
        ("link_local", "169.254.0.0/16"),
        ("multicast", "224.0.0.0/4"),
        ("reserved", "240.0.0.0/4"),
        ("unspecified", "::/128"),
        ("loopback", "::1/128"),
        ("ula", "fc00::/7"),
        ("link_local", "fe80::/10"),
        ("multicast", "ff00::/8"),
    )
)

# IPv6 forms that carry an IPv4 address a gateway would connect to.
NAT64_PREFIX = ipaddress.ip_network("64:ff9b::/96")


def classify_address(address: str | IPAddress) -> str | None:
    """Why an address may not receive webhooks, or None when it is a public address.

    Args:
        address: an IPv4 or IPv6 address, e.g. ``"10.1.2.3"``, ``"::ffff:127.0.0.1"``.

    Returns:
        ``"loopback"``, ``"private"``, ``"link_local"``, ``"cgnat"``, ``"multicast"``,
        ``"unspecified"``, ``"ula"``, ``"reserved"``, ``"not_global"``, or None.
    """
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in NAT64_PREFIX:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return classify_address(embedded)
    for reason, network in BLOCKED_NETWORKS:
        if ip.version == network.version and ip in network:
            return reason
    if not ip.is_global:
        return "not_global"
    return None


def check_webhook_url(url: str, allow_private: bool = False) -> tuple[str, int]:
    """Refuse a webhook URL by its form alone: scheme, host, credentials, literal address.

    Args:
        url: e.g. ``"https://hooks.example.org/rasd"``.
        allow_private: accept loopback and private literal addresses (local setups, tests).

    Returns:
        ``(host, port)`` of the URL.

    Raises:
        TargetRefused: with ``reason`` ``scheme``, ``malformed``, ``credentials`` or an address class.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused("malformed", f"webhook URL is malformed: {exc}") from exc
    if parts.scheme not in ALLOWED_SCHEMES:
        raise TargetRefused("scheme", f"webhook URL must be http or https, got {parts.scheme or 'none'!r}")
    host = parts.hostname
    if not host:
        raise TargetRefused("malformed", "webhook URL has no host")
    if parts.username is not None or parts.password is not None:
        raise TargetRefused("credentials", "webhook URL must not carry credentials; the body is signed instead")
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    if not allow_private:
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            reason = classify_address(literal)
            if reason is not None:
                raise TargetRefused(reason, f"webhook address {host} is {reason.replace('_', ' ')}")
    return host, port


async def resolve_public_addresses(host: str, port: int, allow_private: bool = False) -> list[str]:
    """Resolve ``host`` and return its addresses, refusing it if ANY of them is not public.

    Raises:
        TargetRefused: ``unresolvable`` or the class of the first refused address.
    """
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise TargetRefused("unresolvable", f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise TargetRefused("unresolvable", f"{host} has no address")
    if not allow_private:
        for address in addresses:
            reason = classify_address(address.split("%", 1)[0])
            if reason is not None:
                raise TargetRefused(reason, f"{host} resolves to {address}, which is {reason.replace('_', ' ')}")
    return addresses


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """httpcore network backend that connects only to checked addresses of the requested host."""

    def __init__(self, allow_private: bool = False, inner: httpcore.AsyncNetworkBackend | None = None):
        self._allow_private = allow_private
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable | None = None) -> httpcore.AsyncNetworkStream:
        addresses = await resolve_public_addresses(host, port, self._allow_private)
        last_error: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable | None = None) -> httpcore.AsyncNetworkStream:
        raise TargetRefused("scheme", "webhooks are never delivered to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def build_guarded_transport(allow_private: bool = False, timeout_limits: httpx.Limits | None = None,
                            ) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through :class:`GuardedNetworkBackend`.

    httpx 0.28 does not take a network backend, so the transport's connection pool is replaced by
    one built with the guard (same TLS context and limits); the version is pinned in pyproject.
    Environment proxies are ignored: a proxy would connect on our behalf, past the guard.
    """
    limits = timeout_limits or httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
    transport = httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedNetworkBackend(allow_private=allow_private),
    )
    return transport
