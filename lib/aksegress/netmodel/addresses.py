"""IPv4 prefixes as integers, so route and rule lookups stay cheap; plus the synthetic public-IP scheme."""

from __future__ import annotations

import hashlib
import ipaddress
import socket
from dataclasses import dataclass

AZURE_DNS = "168.63.129.16"
RESERVED_PREFIXES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
IANA_PRIVATE_RANGES = RESERVED_PREFIXES
SYNTHETIC_PUBLIC_BLOCK = "20.0.0.0/8"
_MASKS = [0] + [((1 << 32) - 1) ^ ((1 << (32 - n)) - 1) for n in range(1, 33)]


@dataclass(frozen=True, slots=True)
class Prefix:
    """An IPv4 prefix as (network integer, length); `str()` gives CIDR text."""

    network: int
    length: int

    @classmethod
    def parse(cls, text: str) -> "Prefix":
        address, _, length = text.strip().partition("/")
        value = _dotted(address)
        if value is not None and (length == "" or (length.isdigit() and length.isascii() and int(length) <= 32)):
            bits = int(length) if length else 32
            return cls(value & _MASKS[bits], bits)
        net = ipaddress.ip_network(text.strip(), strict=False)
        if net.version != 4:
            raise ValueError(f"only IPv4 is modelled: {text}")
        return cls(int(net.network_address), net.prefixlen)

    @property
    def last(self) -> int:
        return self.network | (~_MASKS[self.length] & 0xFFFFFFFF)

    def contains_ip(self, ip: int) -> bool:
        return (ip & _MASKS[self.length]) == self.network

    def contains(self, other: "Prefix") -> bool:
        return other.length >= self.length and (other.network & _MASKS[self.length]) == self.network

    def overlaps(self, other: "Prefix") -> bool:
        return self.network <= other.last and other.network <= self.last

    def __str__(self) -> str:
        return f"{int_to_ip(self.network)}/{self.length}"


def mask(length: int) -> int:
    return _MASKS[length]


_IP_CACHE: dict[str, int] = {}


def _dotted(text: str) -> int | None:
    """Strict dotted-quad text as an integer through the C parser (hot in rule compilation); None for anything else,
    which the callers hand to ipaddress for its verdict."""
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError):
        return None


def ip_to_int(text: str) -> int:
    value = _IP_CACHE.get(text)
    if value is None:
        value = _dotted(text.strip())
        if value is None:
            value = int(ipaddress.IPv4Address(text.strip()))
        if len(_IP_CACHE) < 1_000_000:
            _IP_CACHE[text] = value
    return value


def int_to_ip(value: int) -> str:
    return f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"


def is_ip(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text.strip())
    except ValueError:
        return False
    return True


def parse_address_set(text: str) -> tuple[int, int] | None:
    """An address, CIDR or `a-b` range as an inclusive integer range; None when it is not one (a tag, `*`, an FQDN)."""
    text = text.strip()
    try:
        if "-" in text:
            lo, hi = text.split("-", 1)
            return ip_to_int(lo), ip_to_int(hi)
        if "/" in text:
            p = Prefix.parse(text)
            return p.network, p.last
        value = ip_to_int(text)
        return value, value
    except ValueError:
        return None


def is_private(ip: int, private_ranges: tuple[Prefix, ...] | None = None) -> bool:
    ranges = private_ranges if private_ranges is not None else _IANA
    return any(p.contains_ip(ip) for p in ranges)


_IANA = tuple(Prefix.parse(p) for p in IANA_PRIVATE_RANGES)


def synthetic_public_ip(name: str) -> str:
    """A stable stand-in for a public name's address: SHA-256 of the name into 20.0.0.0/8 (Microsoft public space).

    Never private, never a documentation range; the same name always gives the same address. It is marked
    `synthetic` wherever it is reported because the real address is unknown offline.
    """
    digest = hashlib.sha256(name.lower().rstrip(".").encode()).digest()
    host = int.from_bytes(digest[:3], "big")
    host = max(1, min(host, (1 << 24) - 2))
    return int_to_ip((20 << 24) | host)


class PrefixIndex:
    """Longest-prefix lookup of values keyed by prefix: one dict per prefix length, probed from /32 down."""

    def __init__(self) -> None:
        self._by_length: dict[int, dict[int, list]] = {}
        self._lengths: list[int] = []

    def add(self, prefix: Prefix, value) -> None:
        table = self._by_length.get(prefix.length)
        if table is None:
            table = self._by_length[prefix.length] = {}
            self._lengths = sorted(self._by_length, reverse=True)
        table.setdefault(prefix.network, []).append(value)

    def longest(self, ip: int) -> list:
        """Values of the longest prefix containing ip (all values stored under that one prefix), or []."""
        for length in self._lengths:
            hit = self._by_length[length].get(ip & _MASKS[length])
            if hit:
                return hit
        return []

    def all_matches(self, ip: int) -> list:
        """Values of every prefix containing ip, longest first."""
        out: list = []
        for length in self._lengths:
            hit = self._by_length[length].get(ip & _MASKS[length])
            if hit:
                out.extend(hit)
        return out
