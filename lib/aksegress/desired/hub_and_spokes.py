"""Step 01: VNets with their subnets, and hub-spoke peerings."""

from __future__ import annotations

from aksegress import arm_ids, naming
from aksegress.desired.common import subnet_id, tags_for, vnet_id
from aksegress.plan import Desired


def networks(params, facts=None) -> list[Desired]:
    """VNets with their subnets, and a peering each way between the hub and every spoke; an existing hub's VNet is
    only read (its side of each peering is still the environment's need)."""
    out = []
    for owner, site in params.sites():
        if owner == "hub" and params.hub.existing:
            continue
        group = arm_ids.resource_group_id(site.subscription_id, site.resource_group)
        out.append(Desired(vnet_id(site), {
            "location": params.location,
            "tags": tags_for(params),
            "properties": {"addressSpace": {"addressPrefixes": [str(p) for p in site.vnet.address_space]}},
        }, depends_on=(group,)))
        for name, prefix in site.subnets.items():
            out.append(Desired(subnet_id(site, name), {"properties": {"addressPrefix": str(prefix)}}, depends_on=(vnet_id(site),)))
    for _, spoke in params.spokes.items():
        out.append(peering(params.hub, spoke))
        out.append(peering(spoke, params.hub))
    return out


def peering_name(local, remote) -> str:
    return naming.peering_name(local.vnet.name, remote.vnet.name)


def peering_id(local, remote) -> str:
    return f"{vnet_id(local)}/virtualNetworkPeerings/{peering_name(local, remote)}"


def peering(local, remote) -> Desired:
    """Access and forwarded traffic allowed on both sides, so the hub firewall can carry spoke traffic."""
    return Desired(peering_id(local, remote), {"properties": {
        "remoteVirtualNetwork": {"id": vnet_id(remote)},
        "allowVirtualNetworkAccess": True,
        "allowForwardedTraffic": True,
    }}, depends_on=(vnet_id(local), vnet_id(remote)))
