"""Effective routes of a subnet and next-hop lookup, following docs/network-behaviour.md#1-routing.

Route sources: the VNet's own space, 0/0 Internet, the reserved None routes, peering routes (both links
Connected), gateway routes (unless the table disables propagation), private endpoint /32s (own VNet and
directly peered VNets) and the associated route table. Selection: User > VirtualNetworkGateway > Default
per prefix, then longest prefix match.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from aksegress.netmodel.addresses import RESERVED_PREFIXES, Prefix, PrefixIndex, ip_to_int
from aksegress.netmodel.snapshot import Snapshot, Subnet

_RANK = {"User": 0, "VirtualNetworkGateway": 1, "Default": 2}
_RESERVED = tuple(Prefix.parse(p) for p in RESERVED_PREFIXES)
_DEFAULT = Prefix.parse("0.0.0.0/0")
SYSTEM_ROUTE = "System Route"


@dataclass(frozen=True)
class Route:
    """One effective route, with the fields `az network nic show-effective-route-table` prints."""

    source: str
    state: str
    prefix: Prefix
    next_hop_type: str
    next_hop_ip: str = ""
    name: str = ""
    route_table_id: str = ""
    origin_id: str = ""
    remote_vnet_id: str = ""

    def describe(self) -> str:
        via = f" {self.next_hop_ip}" if self.next_hop_ip else ""
        where = self.route_table_id or SYSTEM_ROUTE
        return f"{self.prefix} -> {self.next_hop_type}{via} ({self.source}, {where})"

    def to_dict(self) -> dict:
        return {"source": self.source, "state": self.state, "addressPrefix": [str(self.prefix)],
                "nextHopType": self.next_hop_type, "nextHopIpAddress": [self.next_hop_ip] if self.next_hop_ip else [],
                "name": self.name or None, "routeTableId": self.route_table_id or SYSTEM_ROUTE}


@dataclass(frozen=True)
class NextHop:
    """The Network Watcher next-hop answer for one destination, plus the route that produced it."""

    next_hop_type: str
    next_hop_ip: str
    route_table_id: str
    route: Route | None

    def to_dict(self) -> dict:
        return {"nextHopType": self.next_hop_type, "nextHopIpAddress": self.next_hop_ip or None,
                "routeTableId": self.route_table_id, "route": self.route.to_dict() if self.route else None}


def peering_connected(snap: Snapshot, vnet_a: str, vnet_b: str) -> bool:
    """True when both links of the peering exist and read Connected (PEER-M)."""
    ab, ba = snap.peering(vnet_a, vnet_b), snap.peering(vnet_b, vnet_a)
    return bool(ab and ba and ab.state.lower() == "connected" and ba.state.lower() == "connected")


def connected_peers(snap: Snapshot, vnet_id: str) -> list[str]:
    vnet = snap.vnets.get(vnet_id)
    if vnet is None:
        return []
    out = []
    for pid in vnet.peering_ids:
        remote = snap.peerings[pid].remote_vnet_id
        if remote in snap.vnets and peering_connected(snap, vnet_id, remote):
            out.append(remote)
    return out


def _user_routes(snap: Snapshot, subnet: Subnet) -> list[Route]:
    table = snap.route_tables.get(subnet.route_table_id)
    if table is None:
        return []
    routes = []
    for udr in table.routes:
        text = udr.address_prefix
        if "/" in text or text.replace(".", "").isdigit():
            prefixes: tuple[Prefix, ...] = (Prefix.parse(text),)
        else:
            prefixes = snap.service_tags.expand(text) or ()
        for prefix in prefixes:
            routes.append(Route("User", "Active", prefix, udr.next_hop_type, udr.next_hop_ip, udr.name, table.id, table.id))
    return routes


def _gateway_routes(snap: Snapshot, vnet_id: str) -> list[Route]:
    gateways = [g for g in snap.gateways.values() if g.vnet_id == vnet_id]
    for pid in snap.vnets[vnet_id].peering_ids:
        peer = snap.peerings[pid]
        back = snap.peering(peer.remote_vnet_id, vnet_id)
        if peer.use_remote_gateways and back and back.allow_gateway_transit and peering_connected(snap, vnet_id, peer.remote_vnet_id):
            gateways += [g for g in snap.gateways.values() if g.vnet_id == peer.remote_vnet_id]
    return [Route("VirtualNetworkGateway", "Active", p, "VirtualNetworkGateway", "", "", "", g.id)
            for g in gateways for p in g.learned_prefixes]


def _system_routes(snap: Snapshot, subnet: Subnet, user: list[Route]) -> list[Route]:
    vnet = snap.vnets[subnet.vnet_id]
    routes = [Route("Default", "Active", p, "VnetLocal", origin_id=vnet.id) for p in vnet.prefixes]
    routes.append(Route("Default", "Active", _DEFAULT, "Internet"))
    default_udr = any(r.prefix == _DEFAULT and r.next_hop_type in ("VirtualAppliance", "VirtualNetworkGateway") for r in user)
    if not default_udr:
        for reserved in _RESERVED:
            if any(v.contains(reserved) for v in vnet.prefixes):
                continue
            routes.append(Route("Default", "Active", reserved, "None"))
    for remote_id in connected_peers(snap, vnet.id):
        remote = snap.vnets[remote_id]
        hop = "VNetPeering" if remote.location.lower() == vnet.location.lower() else "VNetGlobalPeering"
        peering = snap.peering(vnet.id, remote_id)
        routes += [Route("Default", "Active", p, hop, origin_id=peering.id, remote_vnet_id=remote_id) for p in remote.prefixes]
    return routes


def _endpoint_routes(snap: Snapshot, vnet_id: str) -> list[Route]:
    """The /32 of every private endpoint in the VNet or a connected peer, in the snapshot's order (endpoints are
    grouped by VNet once per snapshot, so a subnet's routes do not walk every endpoint of the estate)."""
    by_vnet = snap.cache.get(("endpoints-by-vnet",))
    if by_vnet is None:
        by_vnet = snap.cache[("endpoints-by-vnet",)] = {}
        for position, endpoint in enumerate(snap.endpoints.values()):
            sub = snap.subnets.get(endpoint.subnet_id)
            if sub:
                by_vnet.setdefault(sub.vnet_id, []).append((position, endpoint))
    reach = [v for v in {vnet_id, *connected_peers(snap, vnet_id)} if v in by_vnet]
    found = sorted((item + (vnet,) for vnet in reach for item in by_vnet[vnet]), key=lambda hit: hit[0])
    return [Route("Default", "Active", Prefix.parse(endpoint.ip + "/32"), "InterfaceEndpoint", origin_id=endpoint.id, remote_vnet_id=vnet)
            for _, endpoint, vnet in found]


def effective_routes(snap: Snapshot, subnet: Subnet | str, *, apply_route_table: bool = True) -> list[Route]:
    """Every route of the subnet with its Active/Invalid state, in Azure's precedence.

    `apply_route_table=False` gives the view of a private endpoint without network policies, which ignores UDRs.
    """
    sub = subnet if isinstance(subnet, Subnet) else snap.find_subnet(subnet)
    key = ("routes", sub.id, apply_route_table)
    cached = snap.cache.get(key)
    if cached is not None:
        return cached
    user = _user_routes(snap, sub) if apply_route_table else []
    system = _system_routes(snap, sub, user) + _endpoint_routes(snap, sub.vnet_id)
    table = snap.route_tables.get(sub.route_table_id) if apply_route_table else None
    gateway = [] if table is not None and table.disable_bgp else _gateway_routes(snap, sub.vnet_id)
    shielding = [r.prefix for r in system if r.next_hop_type in ("VnetLocal", "VNetPeering", "VNetGlobalPeering",
                                                                "VirtualNetworkServiceEndpoint")]
    gateway = [replace(r, state="Invalid") if any(s.contains(r.prefix) for s in shielding) else r for r in gateway]
    by_prefix: dict[Prefix, list[Route]] = {}
    for route in user + gateway + system:
        by_prefix.setdefault(route.prefix, []).append(route)
    result: list[Route] = []
    for group in by_prefix.values():
        group.sort(key=lambda r: (r.state != "Active", _RANK[r.source]))
        first = True
        for route in group:
            if first and route.state == "Active":
                result.append(route)
                first = False
            else:
                result.append(replace(route, state="Invalid"))
    snap.cache[key] = result
    return result


def _active_index(snap: Snapshot, sub: Subnet, apply_route_table: bool) -> PrefixIndex:
    key = ("route-index", sub.id, apply_route_table)
    index = snap.cache.get(key)
    if index is None:
        index = PrefixIndex()
        for route in effective_routes(snap, sub, apply_route_table=apply_route_table):
            if route.state == "Active":
                index.add(route.prefix, route)
        snap.cache[key] = index
    return index


def next_hop(snap: Snapshot, subnet: Subnet | str, destination_ip: str | int, *, apply_route_table: bool = True) -> NextHop:
    """Longest-prefix match over the subnet's active routes (Network Watcher's NextHop, offline)."""
    sub = subnet if isinstance(subnet, Subnet) else snap.find_subnet(subnet)
    ip = destination_ip if isinstance(destination_ip, int) else ip_to_int(destination_ip)
    hits = _active_index(snap, sub, apply_route_table).longest(ip)
    if not hits:
        return NextHop("None", "", SYSTEM_ROUTE, None)
    route = hits[0]
    return NextHop(route.next_hop_type, route.next_hop_ip, route.route_table_id or SYSTEM_ROUTE, route)


def effective_routes_table(snap: Snapshot, subnet: Subnet | str) -> pd.DataFrame:
    """The effective routes as a DataFrame with Azure's column names, most specific prefixes first."""
    sub = subnet if isinstance(subnet, Subnet) else snap.find_subnet(subnet)
    table = snap.route_tables.get(sub.route_table_id)
    rows = []
    for route in sorted(effective_routes(snap, sub), key=lambda r: (-r.prefix.length, r.prefix.network, r.state != "Active")):
        row = route.to_dict()
        row["disableBgpRoutePropagation"] = bool(table and table.disable_bgp)
        rows.append(row)
    columns = ["source", "state", "addressPrefix", "nextHopType", "nextHopIpAddress", "name", "routeTableId",
               "disableBgpRoutePropagation"]
    return pd.DataFrame(rows, columns=columns)
