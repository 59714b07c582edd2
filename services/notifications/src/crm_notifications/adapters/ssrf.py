"""Outbound-request policy against SSRF.

Two checks, both always on:

1. :meth:`SsrfPolicy.check_url` (registration and every redirect hop): http(s) only,
   https unless the host is allow-listed, no user info, and an IP-literal host
   (including the integer/hex/octal forms ``2130706433``, ``0x7f.1``) must be public.
2. :meth:`SsrfPolicy.resolve` (at connect time, from :class:`GuardedBackend`): the
   host is resolved once, every address must be public, and the connection is made
   to one of exactly those addresses, so DNS rebinding cannot swap the target between
   check and use. TLS still verifies the certificate against the host name.

"Public" means ``ipaddress``'s ``is_global`` and not multicast, after unwrapping
IPv4-mapped, 6to4, Teredo and well-known NAT64 (``64:ff9b::/96``) forms; it excludes
loopback, private, link-local (so 169.254.169.254), unique-local (so ``fd00:ec2::254``),
CGNAT, unspecified and reserved ranges. IPv6 ranges whose embedded IPv4 address a host
or gateway may translate in ways we cannot check are refused whole: IPv4-compatible
``::a.b.c.d`` (some stacks still route ``[::127.0.0.1]`` to loopback), SIIT's
``::ffff:0:a.b.c.d`` and local-use NAT64 ``64:ff9b:1::/48`` (its translator is the
operator's, so ``[64:ff9b:1::7f00:1]`` may reach an internal host).

Hosts in ``CRM_WEBHOOK_ALLOWED_HOSTS`` skip the address check and may use http, but
only at the origin (host and port) the webhook was registered with: a redirect to
another port of an allow-listed host is checked like any other destination.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
METADATA = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_UNCHECKABLE_V6 = (
    ipaddress.ip_network("::/96"),  # IPv4-compatible (deprecated); also :: and ::1
    ipaddress.ip_network("::ffff:0:0:0/96"),  # SIIT IPv4-translated
    ipaddress.ip_network("64:ff9b:1::/48"),  # local-use NAT64 (RFC 8215)
)


class BlockedDestination(Exception):
    """The URL or the address it resolves to is not allowed."""


async def system_resolver(host: str, port: int) -> list[str]:
    """``getaddrinfo`` in the loop's executor: resolution never blocks the event loop."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _ipv4_literal(host: str) -> ipaddress.IPv4Address | None:
    """The forms ``inet_aton`` (and so ``getaddrinfo``) accepts: ``127.1``, ``2130706433``, ``0x7f.0.0.1``."""
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host) or not host[0].isdigit():
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def literal_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return _ipv4_literal(host)


def _embedded(ip: IPAddress) -> list[IPAddress]:
    out: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            out.append(ip.ipv4_mapped)
        if ip.sixtofour:
            out.append(ip.sixtofour)
        if ip.teredo:
            out += list(ip.teredo)
        if ip in _NAT64:
            out.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return out


def is_public(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in net for net in _UNCHECKABLE_V6):
        return False
    return all(a.is_global and not a.is_multicast and a not in METADATA for a in _embedded(ip))


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def _host_port(url: httpx.URL) -> tuple[str, int]:
    return url.host.lower(), _port(url)


class SsrfPolicy:
    def __init__(self, allowed_hosts: Iterable[str] = (), *, resolver: Resolver = system_resolver) -> None:
        self.allowed_hosts = frozenset(h.lower().strip("[]") for h in allowed_hosts)
        self._resolver = resolver

    def allow_listed(self, host: str) -> bool:
        return host.lower().strip("[]") in self.allowed_hosts

    def check_url(self, url: str | httpx.URL) -> httpx.URL:
        """Static checks of a URL (no DNS); returns the parsed URL."""
        try:
            parsed = httpx.URL(str(url))
        except (httpx.InvalidURL, TypeError) as exc:
            raise BlockedDestination(f"not a valid URL: {exc}") from exc
        scheme, host = parsed.scheme, parsed.host
        if scheme not in ("http", "https"):
            raise BlockedDestination(f"scheme {scheme or '(none)'!r} is not allowed; use https")
        if not host:
            raise BlockedDestination("the URL has no host")
        if parsed.userinfo:
            raise BlockedDestination("credentials in the URL are not allowed")
        if self.allow_listed(host):
            return parsed
        if scheme != "https":
            raise BlockedDestination(f"plain http is only allowed for allow-listed hosts, not {host!r}")
        literal = literal_address(host)
        if literal is not None and not is_public(literal):
            raise BlockedDestination(f"{host} is not a public address ({literal})")
        return parsed

    def check_redirect(self, url: str | httpx.URL, *, origin: httpx.URL) -> httpx.URL:
        """A redirect hop from a webhook registered at ``origin``: the static checks, and the
        allow-list holds for ``origin``'s host and port only (an allow-listed host must not
        send us on to another of its ports, e.g. an admin port on the same machine)."""
        parsed = self.check_url(url)
        if self.allow_listed(parsed.host) and _host_port(parsed) != _host_port(origin):
            raise BlockedDestination(
                f"a redirect may not leave the allow-listed origin {origin.host}:{_port(origin)} "
                f"for {parsed.host}:{_port(parsed)}"
            )
        return parsed

    async def resolve(self, host: str, port: int) -> list[str]:
        """Addresses to connect to for ``host``; refuses if any of them is not public."""
        if self.allow_listed(host):
            return await self._resolver(host, port)
        literal = literal_address(host)
        if literal is not None:
            addresses = [str(literal)]
        else:
            try:
                addresses = await self._resolver(host, port)
            except OSError as exc:
                raise BlockedDestination(f"cannot resolve {host}: {exc}") from exc
        if not addresses:
            raise BlockedDestination(f"{host} has no address")
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%")[0])
            if not is_public(ip):
                raise BlockedDestination(f"{host} resolves to a non-public address ({ip})")
        return addresses

    async def check_url_resolved(self, url: str) -> httpx.URL:
        """Registration check: static rules, then the host's current addresses."""
        parsed = self.check_url(url)
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        await self.resolve(parsed.host, port)
        return parsed


class GuardedBackend:
    """An httpcore network backend that connects only to addresses the policy approved."""

    def __init__(self, policy: SsrfPolicy) -> None:
        import httpcore

        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore API
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> Any:
        import httpcore

        last: Exception | None = None
        for address in await self._policy.resolve(host, port):
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Any = None,
    ) -> Any:
        raise BlockedDestination("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guarded_transport(policy: SsrfPolicy, *, limits: httpx.Limits | None = None) -> httpx.AsyncHTTPTransport:
    """An httpx transport whose every connection goes through :class:`GuardedBackend`.

    ``trust_env=False``: a proxy from the environment would connect on our behalf and
    bypass the address check.
    """
    import httpcore

    limits = limits or httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30)
    ssl_context = httpx.create_ssl_context(trust_env=False)  # verifies certificates against the host name
    transport = httpx.AsyncHTTPTransport(verify=ssl_context, trust_env=False, limits=limits)
    transport._pool = httpcore.AsyncConnectionPool(  # the public pool API, with our network backend
        ssl_context=ssl_context,
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        network_backend=GuardedBackend(policy),  # type: ignore[arg-type]
    )
    return transport
