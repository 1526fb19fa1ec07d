"""Step 02: the hub firewall (policy, Standard public IP, firewall) and, when asked for, the VPN gateway."""

from __future__ import annotations

from aksegress import arm_ids, naming
from aksegress.desired.common import NETWORK, subnet_id, tags_for
from aksegress.params import FIREWALL_SUBNET, GATEWAY_SUBNET
from aksegress.plan import Desired

FORCE_SNAT = ["255.255.255.255/32"]


def _hub_id(params, kind: str, name: str) -> str:
    hub = params.hub
    return arm_ids.resource_id(hub.subscription_id, hub.resource_group, NETWORK, kind, name)


def firewall_id(params) -> str:
    return _hub_id(params, "azureFirewalls", params.hub.firewall.name)


def policy_id(params) -> str:
    return _hub_id(params, "firewallPolicies", params.hub.firewall.policy)


GATEWAY_ZONES = ("1", "2", "3")


def public_ip_id(params, owner: str) -> str:
    return _hub_id(params, "publicIPAddresses", naming.public_ip_name(owner))


def gateway_id(params) -> str:
    return _hub_id(params, "virtualNetworkGateways", params.hub.vpn_gateway.name)


def _public_ip(params, owner: str, zones: tuple[str, ...] = ()) -> Desired:
    group = arm_ids.resource_group_id(params.hub.subscription_id, params.hub.resource_group)
    body = {
        "location": params.location, "tags": tags_for(params),
        "sku": {"name": "Standard", "tier": "Regional"},
        "properties": {"publicIPAllocationMethod": "Static", "publicIPAddressVersion": "IPv4"},
    }
    if zones:
        body["zones"] = list(zones)
    return Desired(public_ip_id(params, owner), body, depends_on=(group,))


def policy(params) -> Desired:
    """Threat intelligence as the params say, DNS proxy on so FQDN network rules can work; SNAT forced only
    when spokes reach private API servers through network rules (``api_access_rule: network_snat``)."""
    fw = params.hub.firewall
    props = {"sku": {"tier": fw.tier}, "threatIntelMode": fw.threat_intel, "dnsSettings": {"enableProxy": fw.dns_proxy}}
    if params.api_access_rule == "network_snat":
        props["snat"] = {"privateRanges": FORCE_SNAT}
    group = arm_ids.resource_group_id(params.hub.subscription_id, params.hub.resource_group)
    return Desired(policy_id(params), {"location": params.location, "tags": tags_for(params), "properties": props}, depends_on=(group,))


def firewall(params, facts=None) -> list[Desired]:
    """The hub's firewall, policy and public IP (and VPN gateway); none for an existing hub, whose owners keep them."""
    if params.hub.existing:
        return []
    fw = params.hub.firewall
    out = [_public_ip(params, fw.name), policy(params)]
    out.append(Desired(firewall_id(params), {
        "location": params.location, "tags": tags_for(params),
        "properties": {
            "sku": {"name": "AZFW_VNet", "tier": fw.tier},
            "ipConfigurations": [{"name": "ipconfig", "properties": {
                "subnet": {"id": subnet_id(params.hub, FIREWALL_SUBNET)},
                "publicIPAddress": {"id": public_ip_id(params, fw.name)},
            }}],
            "firewallPolicy": {"id": policy_id(params)},
        },
    }, depends_on=(public_ip_id(params, fw.name), policy_id(params), subnet_id(params.hub, FIREWALL_SUBNET))))
    if params.hub.vpn_gateway:
        out += vpn_gateway(params)
    return out


def vpn_gateway(params) -> list[Desired]:
    """Started, not waited for: Azure takes the better part of an hour to build a VPN gateway. An AZ SKU needs a
    zone-redundant Standard public IP (Azure refuses one without zones)."""
    gw = params.hub.vpn_gateway
    tier = gw.sku
    return [_public_ip(params, gw.name, GATEWAY_ZONES), Desired(gateway_id(params), {
        "location": params.location, "tags": tags_for(params),
        "properties": {
            "gatewayType": "Vpn", "vpnType": "RouteBased", "sku": {"name": gw.sku, "tier": tier},
            "ipConfigurations": [{"name": "default", "properties": {
                "subnet": {"id": subnet_id(params.hub, GATEWAY_SUBNET)},
                "publicIPAddress": {"id": public_ip_id(params, gw.name)},
                "privateIPAllocationMethod": "Dynamic",
            }}],
        },
    }, depends_on=(public_ip_id(params, gw.name), subnet_id(params.hub, GATEWAY_SUBNET)), wait=False)]
