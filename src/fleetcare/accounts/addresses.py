"""Who is signing in: the client's address, and the bucket its failures are counted in.

A forwarding header is only a claim; anyone can send ``X-Forwarded-For: 1.2.3.4``. It is
believed only when the immediate peer is one of ``FLEETCARE_TRUSTED_PROXIES``, and then only as
far as the chain of trusted proxies reaches: each proxy appends the address it saw, so walking
the header from the right, the first address that is not a trusted proxy is the client. Anything
to its left was written by the client itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Address, IPv6Address, IPv6Network, ip_address

from fleetcare.core.config import Network

Address = IPv4Address | IPv6Address
IPV6_PREFIX = 64  # one IPv6 subscriber usually holds a whole /64: count its failures together


def parse(text: str) -> Address | None:
    """An address from ``text`` (``1.2.3.4``, ``1.2.3.4:80``, ``[::1]:80``, ``::1``), else None.

    An IPv4 address written as IPv6 (``::ffff:1.2.3.4``) is the IPv4 address.
    """
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":")[0]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, proxies: Sequence[Network]) -> bool:
    return any(address in network for network in proxies)


def client_address(
    peer: str | None, forwarded_for: Iterable[str], proxies: Sequence[Network]
) -> str:
    """The client's address: the peer's, or when the peer is a trusted proxy, the forwarded one.

    ``forwarded_for`` are the values of every ``X-Forwarded-For`` header, in order. An entry
    that is not an address stops the walk at the last trusted proxy (it is the safe answer:
    all such requests count against that proxy rather than against a made-up name).
    """
    if peer is None:
        return "unknown"
    current = parse(peer)
    if current is None or not _trusted(current, proxies):
        return str(current or peer)
    hops = [part for value in forwarded_for for part in value.split(",") if part.strip()]
    for hop in reversed(hops):
        forwarded = parse(hop)
        if forwarded is None:
            break
        current = forwarded
        if not _trusted(current, proxies):
            break
    return str(current)


def bucket(address: str) -> str:
    """The name failures from ``address`` are counted under: the address, or its IPv6 /64."""
    parsed = parse(address)
    if isinstance(parsed, IPv6Address):
        return str(IPv6Network((parsed, IPV6_PREFIX), strict=False))
    return str(parsed) if parsed is not None else address[:40]
