"""Microsoft.Network: virtual networks, subnets, peerings, route tables and routes, with Azure's rules.

Inline children (vnet.properties.subnets, routeTable.properties.routes) are stored as child resources, so
the inline view and the child endpoints always agree; a PUT of the parent replaces the set of children,
as in Azure. Subnets record what they reference (route table, NSG, NAT gateway) through the store's
references, which is also how other providers mark a subnet as in use: call
`arm.store.set_references(ip_configuration_id, [(subnet_id, "ipConfigurations")])`.
"""

from __future__ import annotations

import ipaddress
import re
import uuid

from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.ids import type_of
from aksegress.emulator.providers.nsg import check_subnet_nsg
from aksegress.emulator.store import Record

VNET = "Microsoft.Network/virtualNetworks"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"
PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
ROUTE_TABLE = "Microsoft.Network/routeTables"
ROUTE = "Microsoft.Network/routeTables/routes"

_SUBNET_LINKS = ("routeTable", "networkSecurityGroup", "natGateway")  # subnet property -> target's `subnets`
_BACK_REFERENCES = ("ipConfigurations", "ipConfigurationProfiles", "privateEndpoints", "resourceNavigationLinks",
                    "serviceAssociationLinks")  # read-only lists derived from references, never stored
_NEXT_HOP_TYPES = {"virtualnetworkgateway", "vnetlocal", "internet", "virtualappliance", "none"}
_DELETED_WITH_VNET = "virtualNetworkLinks"  # back-reference of users that go when their VNet goes (private DNS links)


def _networks(prefixes: list[str], of: str = "") -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The prefixes as networks; one that is no CIDR gets ARM's refusal naming the resource `of` (recorded wording)."""
    networks = []
    for prefix in prefixes:
        try:
            networks.append(ipaddress.ip_network(str(prefix), strict=False))
        except ValueError:
            raise ArmError(400, "InvalidAddressPrefixFormat", f"Address prefix {prefix} of resource {of} is not formatted "
                                                              "correctly. It should follow CIDR notation, for example 10.0.0.0/24.") from None
    return networks


_REFUSED_SPACES = tuple(ipaddress.ip_network(n) for n in ("224.0.0.0/4", "255.255.255.255/32", "127.0.0.0/8", "169.254.0.0/16",
                                                             "168.63.129.16/32"))


def _check_address_space(vnet: dict) -> None:
    """Azure refuses multicast, broadcast, loopback, link-local and its platform address in a VNet (code unconfirmed)."""
    for space in _networks(_space(vnet), of=vnet["id"]):
        hit = next((r for r in _REFUSED_SPACES if space.version == r.version and space.overlaps(r)), None)
        if hit:
            raise ArmError(400, "InvalidAddressSpace", f"Address space {space} of virtual network '{vnet['name']}' overlaps "
                                                       f"{hit}, a range Azure reserves; it cannot be used in a virtual network.")


def _space(vnet: dict) -> list[str]:
    return list((vnet.get("properties", {}).get("addressSpace") or {}).get("addressPrefixes") or [])


def _subnet_prefixes(properties: dict) -> list[str]:
    return list(properties.get("addressPrefixes") or ([properties["addressPrefix"]] if properties.get("addressPrefix") else []))


def _overlaps(left: list[str], right: list[str]) -> list[str]:
    return [str(a) for a in _networks(left) for b in _networks(right) if a.version == b.version and a.overlaps(b)]


def _check_firewall_subnet_routes(subnet_name: str, table_name: str, routes: list[dict]) -> None:
    """Azure's rule: a route table on AzureFirewallSubnet must keep 0.0.0.0/0 -> Internet."""
    if subnet_name.lower() != "azurefirewallsubnet":
        return
    if not any((r.get("properties") or {}).get("addressPrefix") == "0.0.0.0/0" and
               str((r.get("properties") or {}).get("nextHopType", "")).lower() == "internet" for r in routes):
        raise ArmError(400, "AzureFirewallSubnetRouteTableMustHaveDefaultRouteToInternet",
                       f"Route Table {table_name} on firewall subnet {subnet_name} must have 0.0.0.0/0 route with next "
                       "hop Internet.")


def _firewall_subnets_of(arm: Arm, table_id: str) -> list[str]:
    return [s.rsplit("/", 1)[-1] for s, _ in arm.store.referrers(table_id, "subnets")
            if s.rsplit("/", 1)[-1].lower() == "azurefirewallsubnet"]


def _child_body(parent_id: str, type_: str, segment: str, item: dict, etag: str | None) -> dict:
    name = item.get("name")
    if not name:
        raise ArmError(400, "InvalidRequestFormat", f"Each item of {segment} needs a name.")
    body = {"id": f"{parent_id}/{segment}/{name}", "name": name, "type": type_,
            "properties": {k: v for k, v in (item.get("properties") or {}).items() if k not in _BACK_REFERENCES}}
    body["properties"]["provisioningState"] = "Succeeded"
    if etag:
        body["etag"] = etag
    return body


def _check_subnet(arm: Arm, vnet: dict, name: str, properties: dict, siblings: list[tuple[str, list[str]]]) -> None:
    prefixes = _subnet_prefixes(properties)
    if not prefixes:
        raise ArmError(400, "NetcfgInvalidSubnet", f"Subnet '{name}' is not valid in virtual network '{vnet['name']}'.")
    space = _networks(_space(vnet), of=vnet["id"])
    for subnet in _networks(prefixes, of=f"{vnet['id']}/subnets/{name}"):
        if not any(subnet.version == s.version and subnet.subnet_of(s) for s in space):
            raise ArmError(400, "NetcfgSubnetRangeOutsideVnet",
                           f"Subnet '{name}' is not valid because its IP address range is outside the IP address range "
                           f"of virtual network '{vnet['name']}'.")
    for sibling, sibling_prefixes in siblings:
        if sibling.lower() != name.lower() and _overlaps(prefixes, sibling_prefixes):
            raise ArmError(400, "NetcfgSubnetRangesOverlap",
                           f"Subnet '{name}' is not valid because its IP address range overlaps with that of an existing "
                           f"subnet in virtual network '{vnet['name']}'.")
    check_subnet_nsg(name, (properties.get("networkSecurityGroup") or {}).get("id"))
    for link in _SUBNET_LINKS:
        linked_id = (properties.get(link) or {}).get("id")
        if not linked_id:
            continue
        try:
            known_type = arm.handler(type_of(linked_id)) is not None
        except ArmError:
            raise ArmError(400, "LinkedInvalidPropertyId",
                           f"Property id '{linked_id}' at path 'properties.{link}.id' is invalid.") from None
        if known_type and arm.get(linked_id) is None:
            subnet_id = f"{vnet['id']}/subnets/{name}"
            raise ArmError(400, "InvalidResourceReference",
                           f"Resource {linked_id} referenced by resource {subnet_id} was not found. Please make sure that the "
                           "referenced resource exists, and that both resources are in the same region.")
        if link == "routeTable" and known_type:
            table = arm.get(linked_id)
            _check_firewall_subnet_routes(name, table.body["name"], [r.body for r in arm.store.children(table.id, ROUTE)])


def _check_subnet_unused(arm: Arm, subnet: Record) -> None:
    users = arm.store.referrers(subnet.id)
    if users:
        raise ArmError(400, "InUseSubnetCannotBeDeleted",
                       f"Subnet {subnet.body['name']} is in use by {users[0][0]} and cannot be deleted. In order to delete "
                       "the subnet, delete all the resources within the subnet. See aka.ms/deletesubnet.")


def _save_subnet(arm: Arm, record: Record) -> None:
    arm.save(record)
    links = [(record.body["properties"][k]["id"], "subnets") for k in _SUBNET_LINKS
             if (record.body["properties"].get(k) or {}).get("id")]
    arm.store.set_references(record.id, links)


def _replace_children(arm: Arm, parent: Record, type_: str, children: list[dict], save=None) -> None:
    old = {c.key: c for c in arm.store.children(parent.id, type_)}
    for child in children:
        old.pop(child["id"].lower(), None)
        record = Record(child["id"], type_, child)
        if save:
            save(arm, record)
        else:
            arm.save(record)
    for leftover in old.values():
        arm.delete_tree(leftover)


def _vnet_of(resource_id: str) -> str:
    """The VNet a VNet, subnet or peering id belongs to: Azure runs one write at a time per VNet."""
    return re.split(r"/(?:subnets|virtualNetworkPeerings)/", resource_id, maxsplit=1, flags=re.IGNORECASE)[0]


class VirtualNetworkHandler(ResourceHandler):
    type = VNET
    long_running = True
    requires_location = True
    serialised_under = staticmethod(_vnet_of)

    def validate(self, arm, body, existing):
        props = body["properties"]
        _check_address_space(body)
        props.pop("virtualNetworkPeerings", None)
        subnets = [_child_body(body["id"], SUBNET, "subnets", s, None) for s in props.get("subnets") or []]
        siblings = [(s["name"], _subnet_prefixes(s["properties"])) for s in subnets]
        for subnet in subnets:
            _check_subnet(arm, body, subnet["name"], subnet["properties"], siblings)
        kept = {s["id"].lower() for s in subnets}
        for old in arm.store.children(body["id"], SUBNET) if existing else []:
            if old.key not in kept:
                _check_subnet_unused(arm, old)
        props["subnets"] = subnets
        props["resourceGuid"] = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        props.setdefault("enableDdosProtection", False)
        props.setdefault("enableVmProtection", False)
        props["dhcpOptions"] = {**(props.get("dhcpOptions") or {}), "dnsServers": list((props.get("dhcpOptions") or {}).get("dnsServers") or [])}
        props.setdefault("privateEndpointVNetPolicies", "Disabled")
        for subnet in subnets:
            _subnet_defaults(subnet["properties"])
        return body

    def write(self, arm, record, existing):
        subnets = record.body["properties"].pop("subnets")
        for subnet in subnets:
            subnet["etag"] = record.body["etag"]
        arm.save(record)
        _replace_children(arm, record, SUBNET, subnets, save=_save_subnet)

    def render(self, arm, record):
        body = dict(record.body, properties=dict(record.body["properties"]))
        body["properties"]["subnets"] = [arm.render(s) for s in arm.store.children(record.id, SUBNET)]
        body["properties"]["virtualNetworkPeerings"] = [arm.render(p) for p in arm.store.children(record.id, PEERING)]
        return body

    def check_delete(self, arm, record):
        for subnet in arm.store.children(record.id, SUBNET):
            _check_subnet_unused(arm, subnet)

    def on_delete(self, arm, record):
        for peering in arm.store.of_type(PEERING):
            remote = (peering.body["properties"].get("remoteVirtualNetwork") or {}).get("id", "")
            if remote.lower() == record.key and not peering.key.startswith(record.key + "/"):
                _set_peering_state(arm, peering, "Disconnected")
        for user_id, _ in arm.store.referrers(record.id, _DELETED_WITH_VNET):
            user = arm.get(user_id)
            if user:
                arm.delete_tree(user)


def _subnet_defaults(props: dict) -> None:
    """What ARM returns for a subnet whether or not the client sent it."""
    props.setdefault("delegations", [])
    props.setdefault("privateEndpointNetworkPolicies", "Disabled")
    props.setdefault("privateLinkServiceNetworkPolicies", "Enabled")


class SubnetHandler(ResourceHandler):
    type = SUBNET
    long_running = True
    serialised_under = staticmethod(_vnet_of)

    def validate(self, arm, body, existing):
        vnet = arm.get(body["id"].rsplit("/subnets/", 1)[0])
        for field in _BACK_REFERENCES:
            body["properties"].pop(field, None)
        siblings = [(s.body["name"], _subnet_prefixes(s.body["properties"])) for s in arm.store.children(vnet.id, SUBNET)]
        _check_subnet(arm, vnet.body, body["name"], body["properties"], siblings)
        _subnet_defaults(body["properties"])
        return body

    def write(self, arm, record, existing):
        _save_subnet(arm, record)
        arm.touch(arm.get(record.id.rsplit("/subnets/", 1)[0]))

    def render(self, arm, record):
        return arm.with_references(record)

    def check_delete(self, arm, record):
        _check_subnet_unused(arm, record)

    def on_delete(self, arm, record):
        vnet = arm.get(record.id.rsplit("/subnets/", 1)[0])
        if vnet:
            arm.touch(vnet)


def _set_peering_state(arm: Arm, peering: Record, state: str) -> None:
    peering.body["properties"]["peeringState"] = state
    peering.body["properties"]["peeringSyncLevel"] = "FullyInSync" if state == "Connected" else "RemoteNotInSync"
    arm.touch(peering)


def _peerings_towards(arm: Arm, vnet_id: str, remote_id: str) -> list[Record]:
    return [p for p in arm.store.children(vnet_id, PEERING)
            if (p.body["properties"].get("remoteVirtualNetwork") or {}).get("id", "").lower() == remote_id.lower()]


def _peered_vnets(arm: Arm, vnet_id: str, excluding: str) -> list[Record]:
    found = []
    for peering in arm.store.children(vnet_id, PEERING):
        remote_id = (peering.body["properties"].get("remoteVirtualNetwork") or {}).get("id", "")
        remote = arm.get(remote_id) if remote_id.lower() != excluding.lower() else None
        if remote:
            found.append(remote)
    return found


def _has_gateway(arm: Arm, vnet_id: str) -> bool:
    """A gateway in the VNet's GatewaySubnet that has finished building: until then a peering cannot use it."""
    configs = arm.store.referrers(f"{vnet_id}/subnets/GatewaySubnet", "ipConfigurations")
    gateways = {c.lower().split("/ipconfigurations/")[0] for c, _ in configs if "/virtualnetworkgateways/" in c.lower()}
    records = [arm.get(g) for g in gateways]
    return any(r is not None and r.body["properties"].get("provisioningState") == "Succeeded" for r in records)


class PeeringHandler(ResourceHandler):
    type = PEERING
    long_running = True
    serialised_under = staticmethod(_vnet_of)

    def validate(self, arm, body, existing):
        props = body["properties"]
        local = arm.get(body["id"].rsplit("/virtualNetworkPeerings/", 1)[0])
        remote_id = (props.get("remoteVirtualNetwork") or {}).get("id")
        if not remote_id:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: remoteVirtualNetwork.id is required.")
        remote = arm.get(remote_id)
        back = []
        if remote:
            props["remoteVirtualNetwork"] = {"id": remote.id}
            self._check_overlaps(arm, body["id"], local, remote)
            back = _peerings_towards(arm, remote.id, local.id)
            for peering in back:
                if peering.body["properties"].get("peeringState") == "Disconnected":
                    raise ArmError(400, "RemotePeeringIsDisconnected",
                                   f"Cannot create or update peering {body['id']} because remote peering {peering.id} "
                                   f"referencing parent virtual network {local.id} is in Disconnected state. Update or "
                                   "re-create the remote peering to get it back to Initiated state. Peering gets "
                                   "Disconnected when remote vnet or remote peering is deleted and re-created.")
        for flag, default in (("allowVirtualNetworkAccess", True), ("allowForwardedTraffic", False),
                              ("allowGatewayTransit", False), ("useRemoteGateways", False),
                              ("doNotVerifyRemoteGateways", False), ("peerCompleteVnets", True)):
            props.setdefault(flag, default)
        props.setdefault("routeServiceVips", {})
        if props["useRemoteGateways"] and not (remote and _has_gateway(arm, remote.id)):
            raise ArmError(400, "RemoteVnetHasNoGateways",
                           f"Peering {body['id']} cannot have UseRemoteGateway flag set to true because remote virtual network "
                           f"{remote_id} referenced by the peering does not have any gateways.")
        props["peeringState"] = "Connected" if back else "Initiated"
        props["peeringSyncLevel"] = "FullyInSync" if back else "RemoteNotInSync"
        props.setdefault("resourceGuid", str(uuid.uuid4()))
        return body

    @staticmethod
    def _check_overlaps(arm: Arm, peering_id: str, local: Record, remote: Record) -> None:
        common = _overlaps(_space(local.body), _space(remote.body))
        if common:
            raise ArmError(400, "VnetAddressSpacesOverlap",
                           f"Cannot create or update peering {peering_id}. Virtual networks {local.id} and {remote.id} "
                           f"cannot be peered because their address spaces overlap. Overlapping address prefixes: "
                           f"{', '.join(common)}")
        for first, second, ordinal in ((local, remote, "first"), (remote, local, "second")):
            for third in _peered_vnets(arm, second.id, excluding=first.id):
                common = _overlaps(_space(first.body), _space(third.body))
                if common:
                    other = "second" if ordinal == "first" else "first"
                    raise ArmError(400, "VnetAddressSpaceOverlapsWithAlreadyPeeredVnet",
                                   f"Cannot create or update peering {peering_id}. Virtual networks {local.id} and "
                                   f"{remote.id} cannot be peered because address space of the {ordinal} virtual network "
                                   f"overlaps with address space of virtual network {third.id} already peered with the "
                                   f"{other} virtual network. Overlapping address prefixes: {', '.join(common)}")

    def write(self, arm, record, existing):
        arm.save(record)
        local_id = record.id.rsplit("/virtualNetworkPeerings/", 1)[0]
        if record.body["properties"]["peeringState"] == "Connected":
            remote_id = record.body["properties"]["remoteVirtualNetwork"]["id"]
            for peering in _peerings_towards(arm, remote_id, local_id):
                _set_peering_state(arm, peering, "Connected")
        arm.touch(arm.get(local_id))

    def render(self, arm, record):
        body = dict(record.body, properties=dict(record.body["properties"]))
        remote = arm.get((body["properties"].get("remoteVirtualNetwork") or {}).get("id", ""))
        if remote:
            body["properties"]["remoteAddressSpace"] = {"addressPrefixes": _space(remote.body)}
            body["properties"]["remoteVirtualNetworkAddressSpace"] = {"addressPrefixes": _space(remote.body)}
        return body

    def on_delete(self, arm, record):
        local_id = record.id.rsplit("/virtualNetworkPeerings/", 1)[0]
        remote_id = (record.body["properties"].get("remoteVirtualNetwork") or {}).get("id", "")
        for peering in _peerings_towards(arm, remote_id, local_id):
            _set_peering_state(arm, peering, "Disconnected")


def _check_route(route: dict) -> None:
    props = route["properties"]
    if not props.get("addressPrefix"):
        raise ArmError(400, "InvalidRequestFormat", f"Route {route['name']} needs an addressPrefix.")
    if str(props.get("nextHopType", "")).lower() not in _NEXT_HOP_TYPES:
        raise ArmError(400, "InvalidRequestFormat", f"Route {route['name']} has an invalid nextHopType "
                                                    f"'{props.get('nextHopType')}'.")
    props.setdefault("hasBgpOverride", False)


def _route_table_of(resource_id: str) -> str:
    """The route table a table or route id belongs to: Azure runs one write at a time per route table."""
    return re.split(r"/routes/", resource_id, maxsplit=1, flags=re.IGNORECASE)[0]


class RouteTableHandler(ResourceHandler):
    type = ROUTE_TABLE
    long_running = True
    requires_location = True
    serialised_under = staticmethod(_route_table_of)

    def validate(self, arm, body, existing):
        props = body["properties"]
        props.pop("subnets", None)
        routes = [_child_body(body["id"], ROUTE, "routes", r, None) for r in props.get("routes") or []]
        for route in routes:
            _check_route(route)
        for subnet_name in _firewall_subnets_of(arm, body["id"]) if existing else []:
            _check_firewall_subnet_routes(subnet_name, body["name"], routes)
        props["routes"] = routes
        props.setdefault("disableBgpRoutePropagation", False)
        props["resourceGuid"] = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        return body

    def write(self, arm, record, existing):
        routes = record.body["properties"].pop("routes")
        for route in routes:
            route["etag"] = record.body["etag"]
        arm.save(record)
        _replace_children(arm, record, ROUTE, routes)

    def render(self, arm, record):
        body = arm.with_references(record)
        body["properties"]["routes"] = [r.body for r in arm.store.children(record.id, ROUTE)]
        return body

    def check_delete(self, arm, record):
        if arm.store.referrers(record.id, "subnets"):
            raise ArmError(400, "InUseRouteTableCannotBeDeleted",
                           f"Route table {record.body['name']} is in use and cannot be deleted.")


class RouteHandler(ResourceHandler):
    type = ROUTE
    long_running = True
    serialised_under = staticmethod(_route_table_of)

    def validate(self, arm, body, existing):
        _check_route(body)
        self._check_firewall_subnets(arm, body["id"], body)
        return body

    def write(self, arm, record, existing):
        arm.save(record)
        arm.touch(arm.get(record.id.rsplit("/routes/", 1)[0]))

    def check_delete(self, arm, record):
        self._check_firewall_subnets(arm, record.id, None)

    @staticmethod
    def _check_firewall_subnets(arm: Arm, route_id: str, replacement: dict | None) -> None:
        table = arm.get(route_id.rsplit("/routes/", 1)[0])
        routes = [r.body for r in arm.store.children(table.id, ROUTE) if r.key != route_id.lower()]
        for subnet_name in _firewall_subnets_of(arm, table.id):
            _check_firewall_subnet_routes(subnet_name, table.body["name"], routes + ([replacement] if replacement else []))


HANDLERS = [VirtualNetworkHandler(), SubnetHandler(), PeeringHandler(), RouteTableHandler(), RouteHandler()]
