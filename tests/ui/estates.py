"""ARM JSON for the estate params/local.yaml describes, once every step has run, built with the netmodel builders."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from aksegress.params import load_params
from tests.netmodel.estate import Estate, app_rule, collection, peering, rcg, res, rid, route_table, subnet_id, subnet_props, vm_with_nic, vnet, zone

LOCAL_PARAMS = Path(__file__).resolve().parents[2] / "params" / "local.yaml"
NETWORK = "Microsoft.Network"


def _host(cidr, n: int = 4) -> str:
    return str(ipaddress.ip_network(str(cidr))[n])


def local_estate(*, link_access_spokes: bool = True) -> Estate:
    """Hub with firewall and gateway, each spoke peered both ways with a 0/0 route to the firewall, a private cluster
    and a test VM; each cluster's zone is linked to its own VNet and, for granted access, to the hub and the source
    spoke (``link_access_spokes=False`` leaves the source spoke's link out: the broken-DNS state)."""
    params = load_params(LOCAL_PARAMS)
    hub = params.hub
    fw_ip = _host(hub.subnets["AzureFirewallSubnet"])
    hub_vnet = vnet(hub.subscription_id, hub.resource_group, hub.vnet.name, str(hub.vnet.address_space[0]), {k: str(v) for k, v in hub.subnets.items()})
    policy = res(f"{NETWORK}/firewallPolicies", rid(hub.subscription_id, hub.resource_group, f"{NETWORK}/firewallPolicies",
                                                    hub.firewall.policy), {"dnsSettings": {"enableProxy": True, "servers": []}})
    firewall = res(f"{NETWORK}/azureFirewalls", rid(hub.subscription_id, hub.resource_group, f"{NETWORK}/azureFirewalls", hub.firewall.name),
                   {"ipConfigurations": [{"name": "ipconfig", "properties": {"privateIPAddress": fw_ip,
                                                                               "subnet": {"id": subnet_id(hub_vnet, "AzureFirewallSubnet")}}}],
                    "firewallPolicy": {"id": policy["id"]}})
    gateway = res(f"{NETWORK}/virtualNetworkGateways",
                  rid(hub.subscription_id, hub.resource_group, f"{NETWORK}/virtualNetworkGateways", hub.vpn_gateway.name),
                  {"gatewayType": "Vpn", "ipConfigurations": [{"name": "gw", "properties": {"subnet": {"id": subnet_id(hub_vnet, "GatewaySubnet")}}}]})
    resources = [hub_vnet, policy, firewall, gateway]
    vnets, fqdns, zones = {}, {}, {}
    for key, spoke in params.spokes.items():
        sub, rg = spoke.subscription_id, spoke.resource_group
        spoke_vnet = vnet(sub, rg, spoke.vnet.name, str(spoke.vnet.address_space[0]), {k: str(v) for k, v in spoke.subnets.items()})
        table = route_table(sub, rg, f"rt-{key}", [("0.0.0.0/0", "VirtualAppliance", fw_ip)])
        for name in spoke.subnets:
            subnet_props(spoke_vnet, name)["routeTable"] = {"id": table["id"]}
        resources += [spoke_vnet, table, peering(spoke_vnet, hub_vnet, f"{key}-to-hub"), peering(hub_vnet, spoke_vnet, f"hub-to-{key}")]
        resources += vm_with_nic(sub, rg, spoke.test_vm.name, subnet_id(spoke_vnet, spoke.test_vm.subnet), _host(spoke.subnets[spoke.test_vm.subnet]))
        vnets[key] = spoke_vnet
        node_rg = f"MC_{rg}_{spoke.cluster.name}_{params.location}"
        zone_name = f"{key}0000-aaaa-bbbb-cccc-dddddddddddd.privatelink.{params.location}.azmk8s.io"
        fqdns[key] = f"{spoke.cluster.name}-api.{zone_name}"
        zones[key] = (sub, node_rg, zone_name, _host(spoke.subnets[spoke.cluster.subnet], 100))
        resources.append(res("Microsoft.ContainerService/managedClusters",
                             rid(sub, rg, "Microsoft.ContainerService/managedClusters", spoke.cluster.name),
                             {"privateFQDN": fqdns[key], "apiServerAccessProfile": {"enablePrivateCluster": True},
                              "agentPoolProfiles": [{"name": "system", "mode": "System", "vnetSubnetID": subnet_id(spoke_vnet, spoke.cluster.subnet)}],
                              "networkProfile": {"outboundType": "userDefinedRouting"}, "nodeResourceGroup": node_rg}))
    for key, (sub, node_rg, zone_name, api_ip) in zones.items():
        links = {f"link-{key}": vnets[key]["id"]}
        for rule in params.access:
            if rule.cluster == key:
                links["link-hub"] = hub_vnet["id"]
                if link_access_spokes:
                    links[f"link-{rule.from_}"] = vnets[rule.from_]["id"]
        resources += zone(sub, node_rg, zone_name, {f"{params.spokes[key].cluster.name}-api": api_ip}, links)
    spaces = [str(s.vnet.address_space[0]) for s in params.spokes.values()]
    rules = [app_rule("aks-egress", spaces, tags=["AzureKubernetesService"], protocols=(("Http", 80), ("Https", 443)))]
    rules += [app_rule(f"{r.from_}-to-{r.cluster}-api", [str(params.spokes[r.from_].vnet.address_space[0])], fqdns=[fqdns[r.cluster]])
              for r in params.access]
    resources.append(rcg(policy, "aks-egress", 300, [collection("app-allow", 100, "Allow", rules)]))
    return Estate(resources)
