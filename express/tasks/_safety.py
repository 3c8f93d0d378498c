"""Outbound safety for the HTTP Task: no requests to private networks unless allowed.

A workflow's ``ApiEndpoint`` often comes from execution input, so an HTTP Task is a
server-side request forgery waiting to happen: ``http://169.254.169.254/`` (cloud
metadata), ``http://localhost:6379/`` or a neighbour on the private network. The rule
is enforced on the address actually connected to, not on the URL text, because a
public-looking name can resolve to a private address (and resolve differently on a
second look, DNS rebinding):

- ``SafeResolver`` drops refused addresses from every DNS answer (and refuses the name
  when none is left), so a name with one public and one private address still works;
- the connector's ``socket_factory`` checks every address right before the socket is
  created. aiohttp skips the resolver for IP literals, and every redirect opens its
  connection through the same connector, so this check covers both.

Refused: every address that is not globally routable (private, loopback, link-local,
shared, reserved, unspecified, documentation ranges, IPv4-mapped forms of those) and
multicast. ``allow_hosts`` names hosts (``localhost``, ``api.internal``), addresses
(``127.0.0.1``) or networks (``10.0.0.0/8``) that may be reached anyway; a name that is
allowed vouches for the addresses it resolves to.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver

__all__ = ["BlockedAddress", "OutboundPolicy", "SafeResolver"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class BlockedAddress(OSError):
    """A connection refused by the outbound policy (an ``OSError``, as aiohttp expects)."""


def _describe(ip: IPAddress) -> str:
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_unspecified:
        return "the unspecified address"
    return "a private or reserved address"


class OutboundPolicy:
    """Which addresses an HTTP Task may connect to."""

    __slots__ = ("_hosts", "_networks", "_vouched")

    def __init__(self, allow_hosts: Iterable[str] = ()) -> None:
        self._hosts: set[str] = set()
        self._networks: list[IPNetwork] = []
        for entry in allow_hosts:
            text = entry.strip().lower().rstrip(".")
            try:
                self._networks.append(ipaddress.ip_network(text.strip("[]"), strict=False))
            except ValueError:
                self._hosts.add(text)
        # Addresses that an allowed name resolved to: the socket factory sees only the
        # address, so the resolver leaves word here that it was vouched for.
        self._vouched: set[IPAddress] = set()

    @property
    def allow_hosts(self) -> frozenset[str]:
        return frozenset(self._hosts | {str(n) for n in self._networks})

    def host_allowed(self, host: str) -> bool:
        return host.lower().rstrip(".") in self._hosts

    def refusal(self, address: str, host: str | None = None, *, vouched: bool = True) -> str | None:
        """Why ``address`` may not be connected to, or None when it may.

        ``vouched=False`` ignores the addresses that an allowed host name resolved to:
        they are allowed for that name only, never for another name or an IP literal.
        """
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return f"'{address}' is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if (vouched and ip in self._vouched) or any(ip in net for net in self._networks):
            return None
        if ip.is_global and not ip.is_multicast:
            return None
        shown = f"'{host}' resolves to {ip}" if host and host != str(ip) else str(ip)
        return (
            f"Refused to connect: {shown}, {_describe(ip)}. HTTP Tasks may not reach "
            "private, loopback or link-local addresses; allow the host explicitly "
            "(allow_hosts / --allow-host) to reach it."
        )

    def literal_refusal(self, host: str) -> str | None:
        """For a URL whose host is an IP literal (no resolver sees it): why it is refused."""
        if self.host_allowed(host):
            return None
        try:
            ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        except ValueError:
            return None  # a name: the resolver checks it
        return self.refusal(host.strip("[]"), vouched=False)

    def vouch(self, address: str) -> None:
        self._vouched.add(ipaddress.ip_address(address.split("%", 1)[0]))

    def socket_factory(self, addr_info: Any) -> socket.socket:
        """aiohttp's ``socket_factory``: the last check, on the address being connected."""
        family, type_, proto, _, sockaddr = addr_info
        reason = self.refusal(str(sockaddr[0]))
        if reason is not None:
            raise BlockedAddress(reason)
        return socket.socket(family=family, type=type_, proto=proto)


class SafeResolver(AbstractResolver):
    """A resolver that keeps only the addresses ``policy`` allows."""

    def __init__(self, policy: OutboundPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        if self._policy.host_allowed(host):
            for r in results:
                self._policy.vouch(r["host"])
            return results
        kept: list[ResolveResult] = []
        reason = None
        for r in results:
            why = self._policy.refusal(r["host"], host, vouched=False)
            if why is None:
                kept.append(r)
            else:
                reason = reason or why
        if not kept and reason is not None:
            raise BlockedAddress(reason)
        return kept

    async def close(self) -> None:
        await self._inner.close()
