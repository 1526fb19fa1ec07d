"""Step 03: one route table per spoke sending 0.0.0.0/0 and every other spoke's ranges to the firewall,
associated with each spoke subnet that holds a cluster or a test VM; and, with a VPN gateway, a table on
GatewaySubnet so traffic from on-premises to the spokes also passes the firewall, and gateway transit on the
peerings so on-premises has a path to the spokes at all."""

from __future__ import annotations

from aksegress import arm_ids
from aksegress.desired.common import NETWORK, hub_of, subnet_id, tags_for
from aksegress.desired.firewall import gateway_id
from aksegress.desired.hub_and_spokes import peering_id
from aksegress.params import GATEWAY_SUBNET
from aksegress.plan import Desired


def route_table_id(site) -> str:
    return arm_ids.resource_id(site.subscription_id, site.resource_group, NETWORK, "routeTables", route_table_name(site))


def route_table_name(site) -> str:
    return f"rt-{site.vnet.name}"


def gateway_route_table_id(params) -> str:
    hub = params.hub
    return arm_ids.resource_id(hub.subscription_id, hub.resource_group, NETWORK, "routeTables", "rt-gatewaysubnet")


def _via_firewall(firewall_ip: str, name: str, prefix: str) -> dict:
    return {"name": name, "properties": {"addressPrefix": prefix, "nextHopType": "VirtualAppliance", "nextHopIpAddress": firewall_ip}}


def routes_for(params, spoke_key: str, facts=None) -> list[dict]:
    """0.0.0.0/0 to the firewall, and each other spoke's address space to the firewall, by name."""
    firewall_ip = hub_of(params, facts).firewall_ip
    routes = [_via_firewall(firewall_ip, "default-via-firewall", "0.0.0.0/0")]
    for other_key, other in params.spokes.items():
        if other_key != spoke_key:
            for index, prefix in enumerate(other.vnet.address_space):
                routes.append(_via_firewall(firewall_ip, f"to-{other_key}-{index}", str(prefix)))
    return routes


def routed_subnets(spoke) -> list[str]:
    """The subnets whose traffic must leave through the firewall: the cluster's and the test VM's."""
    names = [holder.subnet for holder in (spoke.cluster, spoke.test_vm) if holder]
    return list(dict.fromkeys(names))


def route_tables(params, facts=None) -> list[Desired]:
    out = []
    propagate = params.hub.vpn_gateway is None
    for key, spoke in params.spokes.items():
        group = arm_ids.resource_group_id(spoke.subscription_id, spoke.resource_group)
        table = route_table_id(spoke)
        out.append(Desired(table, {"location": params.location, "tags": tags_for(params), "properties": {
            "disableBgpRoutePropagation": not propagate, "routes": routes_for(params, key, facts)}}, depends_on=(group,)))
        for name in routed_subnets(spoke):
            out.append(Desired(subnet_id(spoke, name), {"properties": {
                "addressPrefix": str(spoke.subnets[name]), "routeTable": {"id": table}}}, depends_on=(table,)))
    if params.hub.vpn_gateway:
        out += _gateway_subnet_table(params)
    return out


def _gateway_subnet_table(params) -> list[Desired]:
    """Spoke ranges to the firewall from GatewaySubnet; never 0.0.0.0/0 there, and gateway routes kept."""
    hub = params.hub
    routes = [_via_firewall(hub_of(params).firewall_ip, f"to-{key}-{i}", str(prefix))
              for key, spoke in params.spokes.items() for i, prefix in enumerate(spoke.vnet.address_space)]
    table = gateway_route_table_id(params)
    group = arm_ids.resource_group_id(hub.subscription_id, hub.resource_group)
    return gateway_transit(params) + [
        Desired(table, {"location": params.location, "tags": tags_for(params),
                        "properties": {"disableBgpRoutePropagation": False, "routes": routes}}, depends_on=(group,)),
        Desired(subnet_id(hub, GATEWAY_SUBNET), {"properties": {
            "addressPrefix": str(hub.subnets[GATEWAY_SUBNET]), "routeTable": {"id": table}}}, depends_on=(table,)),
    ]


def gateway_transit(params) -> list[Desired]:
    """The hub's peerings offer its gateway, the spokes' use it (docs/network-behaviour.md, "Gateway transit"); Azure
    refuses ``useRemoteGateways`` until the gateway has finished building, which the step waits for."""
    hub, out = params.hub, []
    for _, spoke in params.spokes.items():
        offer = peering_id(hub, spoke)
        out.append(Desired(offer, {"properties": {"allowGatewayTransit": True}}, depends_on=(gateway_id(params),)))
        out.append(Desired(peering_id(spoke, hub), {"properties": {"useRemoteGateways": True}}, depends_on=(offer, gateway_id(params))))
    return out
