"""Step 01: VNets with their subnets (each with the site's NSG when the params ask for one), and hub-spoke peerings."""

from __future__ import annotations

from aksegress import arm_ids, naming
from aksegress.desired.common import NETWORK, subnet_id, tags_for, vnet_id
from aksegress.plan import Desired


def nsg_id(site) -> str:
    return arm_ids.resource_id(site.subscription_id, site.resource_group, NETWORK, "networkSecurityGroups", f"nsg-{site.vnet.name}")


def networks(params, facts=None) -> list[Desired]:
    """VNets with their subnets, and a peering each way between the hub and every spoke; an existing hub's VNet is
    only read (its side of each peering is still the environment's need).

    A site with ``subnet_nsg`` first gets an NSG with Azure's default rules only (they allow traffic within and between
    the peered VNets, the firewall's path included, and outbound to the Internet, so no flow of the runbook changes),
    and each subnet that may have one is created with it: a policy refusing subnets without an NSG checks the create
    itself (docs/network-behaviour.md#51-nsgs-the-runbook-creates).
    """
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
        guarded = site.nsg_subnets()
        if guarded:
            out.append(Desired(nsg_id(site), {"location": params.location, "tags": tags_for(params), "properties": {}}, depends_on=(group,)))
        for name, prefix in site.subnets.items():
            props, needs = {"addressPrefix": str(prefix)}, (vnet_id(site),)
            if name in guarded:
                props, needs = {**props, "networkSecurityGroup": {"id": nsg_id(site)}}, (*needs, nsg_id(site))
            out.append(Desired(subnet_id(site, name), {"properties": props}, depends_on=needs))
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
