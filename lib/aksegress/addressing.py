"""Small IPv4 helpers for address plans: strict parsing with a helpful hint, overlap and containment, and
the addresses Azure actually hands out in a subnet (it keeps the first four and the last one)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from ipaddress import IPv4Address, IPv4Network, ip_address, ip_network

AZURE_RESERVED_LOW = 4
"""Azure keeps the network address, .1 (gateway) and .2/.3 (DNS) of every subnet."""

AZURE_RESERVED_HIGH = 1
"""... and the broadcast address."""

AZURE_SMALLEST_PREFIX = 29
"""The smallest IPv4 subnet (and address space) Azure accepts is a /29."""


def parse_network(value: object) -> IPv4Network:
    """An IPv4 network from ``a.b.c.d/n``; a value with host bits set is refused, naming the network it
    probably meant."""
    if isinstance(value, IPv4Network):
        return value
    if not isinstance(value, str) or "/" not in value:
        raise ValueError(f"{value!r} is not a CIDR block; write it as a.b.c.d/n, e.g. 10.1.0.0/16")
    try:
        loose = ip_network(value.strip(), strict=False)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid IPv4 CIDR block (a.b.c.d/n with n in 0..32)") from None
    if not isinstance(loose, IPv4Network):
        raise ValueError(f"{value!r} is IPv6; only IPv4 address plans are supported")
    if str(loose.network_address) != value.strip().split("/")[0]:
        raise ValueError(f"{value} is not a network address (host bits are set); did you mean {loose}?")
    return loose


def parse_address(value: object) -> IPv4Address:
    """An IPv4 address from ``a.b.c.d``."""
    if isinstance(value, IPv4Address):
        return value
    try:
        address = ip_address(str(value).strip()) if isinstance(value, str) else None
    except ValueError:
        address = None
    if not isinstance(address, IPv4Address):
        raise ValueError(f"{value!r} is not an IPv4 address (a.b.c.d)")
    return address


def overlaps(a: IPv4Network, b: IPv4Network) -> bool:
    """True when the two blocks share at least one address."""
    return a.overlaps(b)


def contains(outer: IPv4Network, inner: IPv4Network) -> bool:
    """True when every address of ``inner`` lies in ``outer``."""
    return inner.subnet_of(outer)


def contained_in_any(inner: IPv4Network, outers: Iterable[IPv4Network]) -> bool:
    """True when one of ``outers`` holds the whole of ``inner`` (a subnet must fit in one address space)."""
    return any(contains(outer, inner) for outer in outers)


def overlapping_pairs(named: Iterable[tuple[str, IPv4Network]]) -> Iterator[tuple[str, IPv4Network, str, IPv4Network]]:
    """Each pair of named blocks that overlap, in input order (first, its block, second, its block)."""
    items = list(named)
    for i, (name_a, net_a) in enumerate(items):
        for name_b, net_b in items[i + 1:]:
            if overlaps(net_a, net_b):
                yield name_a, net_a, name_b, net_b


def nth_address(network: IPv4Network, n: int) -> IPv4Address:
    """The address at offset ``n`` from the network address (negative counts back from broadcast)."""
    size = network.num_addresses
    if not -size <= n < size:
        raise ValueError(f"offset {n} is outside {network} ({size} addresses)")
    return network[n]


def azure_usable_count(network: IPv4Network) -> int:
    """How many addresses Azure can assign to NICs and services in this subnet."""
    return max(network.num_addresses - AZURE_RESERVED_LOW - AZURE_RESERVED_HIGH, 0)


def azure_nth_usable(network: IPv4Network, n: int = 0) -> IPv4Address:
    """The n-th address Azure hands out in a subnet (n=0 is the .4 a firewall or first NIC receives)."""
    if not 0 <= n < azure_usable_count(network):
        raise ValueError(f"{network} has {azure_usable_count(network)} usable addresses; index {n} is out of range")
    return network[AZURE_RESERVED_LOW + n]
