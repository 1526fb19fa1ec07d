"""Network security group evaluation (docs/network-behaviour.md#5-network-security-groups): priority order, first match, default rules."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from aksegress.netmodel.addresses import AZURE_DNS, Prefix, ip_to_int, is_private, parse_address_set
from aksegress.netmodel.snapshot import Snapshot, Subnet

_DEFAULT_RULES = {
    "Inbound": [
        {"name": "AllowVnetInBound", "priority": 65000, "access": "Allow", "protocol": "*",
         "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "*"},
        {"name": "AllowAzureLoadBalancerInBound", "priority": 65001, "access": "Allow", "protocol": "*",
         "sourceAddressPrefix": "AzureLoadBalancer", "destinationAddressPrefix": "*", "destinationPortRange": "*"},
        {"name": "DenyAllInBound", "priority": 65500, "access": "Deny", "protocol": "*",
         "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"},
    ],
    "Outbound": [
        {"name": "AllowVnetOutBound", "priority": 65000, "access": "Allow", "protocol": "*",
         "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "VirtualNetwork", "destinationPortRange": "*"},
        {"name": "AllowInternetOutBound", "priority": 65001, "access": "Allow", "protocol": "*",
         "sourceAddressPrefix": "*", "destinationAddressPrefix": "Internet", "destinationPortRange": "*"},
        {"name": "DenyAllOutBound", "priority": 65500, "access": "Deny", "protocol": "*",
         "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRange": "*"},
    ],
}


@dataclass
class NsgVerdict:
    """Which rule of which NSG decided, in the vocabulary of IP flow verify."""

    nsg: str
    nsg_id: str
    applied_to: str
    direction: str
    rule: str
    priority: int
    access: str
    default_rule: bool

    @property
    def allowed(self) -> bool:
        return self.access == "Allow"

    def to_dict(self) -> dict:
        return asdict(self)


def virtual_network_tag(snap: Snapshot, subnet: Subnet) -> list[Prefix]:
    """The VirtualNetwork tag for a subnet: own and connected-peer spaces, the host VIP and UDR prefixes except 0/0 [?]."""
    from aksegress.netmodel.routes import connected_peers

    key = ("vnet-tag", subnet.id)
    cached = snap.cache.get(key)
    if cached is not None:
        return cached
    vnet = snap.vnets[subnet.vnet_id]
    prefixes = list(vnet.prefixes) + [p for peer in connected_peers(snap, vnet.id) for p in snap.vnets[peer].prefixes]
    prefixes.append(Prefix.parse(AZURE_DNS + "/32"))
    table = snap.route_tables.get(subnet.route_table_id)
    for route in table.routes if table else []:
        if "/" in route.address_prefix and route.address_prefix != "0.0.0.0/0":
            prefixes.append(Prefix.parse(route.address_prefix))
    prefixes += [p for g in snap.gateways.values() if g.vnet_id == vnet.id for p in g.learned_prefixes]
    snap.cache[key] = prefixes
    return prefixes


def _matches_address(snap: Snapshot, subnet: Subnet, values: list[str], ip: int) -> bool:
    for value in values:
        text = value.strip()
        lowered = text.lower()
        if lowered in ("*", "any", "0.0.0.0/0"):
            return True
        if lowered == "virtualnetwork":
            if any(p.contains_ip(ip) for p in virtual_network_tag(snap, subnet)):
                return True
            continue
        if lowered == "azureloadbalancer":
            if ip == ip_to_int(AZURE_DNS):
                return True
            continue
        if lowered == "internet":
            if not is_private(ip) and not any(p.contains_ip(ip) for p in virtual_network_tag(snap, subnet)):
                return True
            continue
        rng = parse_address_set(text)
        if rng is not None:
            if rng[0] <= ip <= rng[1]:
                return True
            continue
        expanded = snap.service_tags.expand(text) or ()
        if any(p.contains_ip(ip) for p in expanded):
            return True
    return False


def _values(rule: dict, single: str, plural: str) -> list[str]:
    out = list(rule.get(plural) or [])
    if rule.get(single):
        out.append(rule[single])
    return out


def _port_ok(rule: dict, port: int) -> bool:
    for text in _values(rule, "destinationPortRange", "destinationPortRanges") or ["*"]:
        text = str(text).strip()
        if text == "*":
            return True
        lo, _, hi = text.partition("-")
        if int(lo) <= port <= int(hi or lo):
            return True
    return False


def evaluate_nsg(snap: Snapshot, nsg_id: str, subnet: Subnet, direction: str, src_ip: str, dst_ip: str,
                 protocol: str, port: int, applied_to: str) -> NsgVerdict | None:
    """The deciding rule of one NSG for one packet, or None when no NSG is associated (allow at that level)."""
    nsg = snap.nsgs.get(nsg_id)
    if nsg is None:
        return None
    src, dst = ip_to_int(src_ip), ip_to_int(dst_ip)
    custom = [r for r in nsg["rules"] if str(r.get("direction", "")).lower() == direction.lower()]
    ordered = sorted(custom, key=lambda r: int(r.get("priority") or 0)) + _DEFAULT_RULES[direction]
    for rule in ordered:
        proto = str(rule.get("protocol") or "*").upper()
        if proto not in ("*", "ANY", protocol.upper()):
            continue
        if protocol.upper() != "ICMP" and not _port_ok(rule, port):
            continue
        if not _matches_address(snap, subnet, _values(rule, "sourceAddressPrefix", "sourceAddressPrefixes"), src):
            continue
        if not _matches_address(snap, subnet, _values(rule, "destinationAddressPrefix", "destinationAddressPrefixes"), dst):
            continue
        return NsgVerdict(nsg["name"], nsg["id"], applied_to, direction, rule["name"], int(rule["priority"]),
                          rule.get("access", "Deny"), rule in _DEFAULT_RULES[direction])
    return None
