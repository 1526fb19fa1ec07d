"""Builders of ARM JSON resource dicts (wire shape) for netmodel tests, and the article's hub + 3 spokes estate."""

from __future__ import annotations

import copy

SUBS = {"hub": "11111111-1111-1111-1111-111111111111", "spoke1": "22222222-2222-2222-2222-222222222222",
        "spoke2": "33333333-3333-3333-3333-333333333333", "spoke3": "44444444-4444-4444-4444-444444444444"}
LOCATION = "eastus2"
ZONE = "c84201e0-1111-2222-3333-444455556666.privatelink.eastus2.azmk8s.io"
API_RECORD = "privateaksspoke1-abcd1234"
API_FQDN = f"{API_RECORD}.{ZONE}"
API_IP = "10.1.0.4"
FW_IP = "10.0.1.4"


def rid(sub: str, rg: str, rtype: str, *names: str) -> str:
    ns, *types = rtype.split("/", 1)[0], *rtype.split("/")[1:]
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return f"/subscriptions/{sub}/resourceGroups/{rg}/providers/{ns}/{path}"


def res(rtype: str, rid_: str, props: dict, location: str = LOCATION) -> dict:
    return {"id": rid_, "name": rid_.rsplit("/", 1)[-1], "type": rtype, "location": location, "properties": props}


def vnet(sub: str, rg: str, name: str, space: str, subnets: dict[str, str], dns: list[str] | None = None,
         location: str = LOCATION, subnet_props: dict[str, dict] | None = None) -> dict:
    vid = rid(sub, rg, "Microsoft.Network/virtualNetworks", name)
    inline = [{"id": f"{vid}/subnets/{sn}", "name": sn, "properties": {"addressPrefix": p, **(subnet_props or {}).get(sn, {})}}
              for sn, p in subnets.items()]
    props = {"addressSpace": {"addressPrefixes": [space]}, "subnets": inline}
    if dns:
        props["dhcpOptions"] = {"dnsServers": dns}
    return res("Microsoft.Network/virtualNetworks", vid, props, location)


def peering(local: dict, remote: dict, name: str, state: str = "Connected", **flags) -> dict:
    props = {"remoteVirtualNetwork": {"id": remote["id"]}, "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True,
             "allowGatewayTransit": False, "useRemoteGateways": False, "peeringState": state, **flags}
    return res("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", f"{local['id']}/virtualNetworkPeerings/{name}", props)


def subnet_id(vnet_res: dict, name: str) -> str:
    return f"{vnet_res['id']}/subnets/{name}"


def subnet_props(vnet_res: dict, name: str) -> dict:
    return next(s for s in vnet_res["properties"]["subnets"] if s["name"] == name)["properties"]


def route_table(sub: str, rg: str, name: str, routes: list[tuple[str, str, str]], disable_bgp: bool = True) -> dict:
    tid = rid(sub, rg, "Microsoft.Network/routeTables", name)
    inline = [{"name": f"r{i}", "properties": {"addressPrefix": p, "nextHopType": t, **({"nextHopIpAddress": ip} if ip else {})}}
              for i, (p, t, ip) in enumerate(routes)]
    return res("Microsoft.Network/routeTables", tid, {"routes": inline, "disableBgpRoutePropagation": disable_bgp})


def nsg(sub: str, rg: str, name: str, rules: list[dict]) -> dict:
    return res("Microsoft.Network/networkSecurityGroups", rid(sub, rg, "Microsoft.Network/networkSecurityGroups", name),
               {"securityRules": [{"name": r["name"], "properties": {k: v for k, v in r.items() if k != "name"}} for r in rules]})


def vm_with_nic(sub: str, rg: str, name: str, subnet: str, ip: str, dns: list[str] | None = None) -> list[dict]:
    nic_id = rid(sub, rg, "Microsoft.Network/networkInterfaces", f"{name}-nic")
    nic_props = {"ipConfigurations": [{"name": "ipconfig1", "properties": {"privateIPAddress": ip, "subnet": {"id": subnet}}}]}
    if dns:
        nic_props["dnsSettings"] = {"dnsServers": dns}
    return [res("Microsoft.Network/networkInterfaces", nic_id, nic_props),
            res("Microsoft.Compute/virtualMachines", rid(sub, rg, "Microsoft.Compute/virtualMachines", name),
                {"networkProfile": {"networkInterfaces": [{"id": nic_id}]}})]


def network_rule(name: str, sources: list[str], destinations: list[str], ports: list[str], protocols=("TCP",), fqdns=None) -> dict:
    rule = {"ruleType": "NetworkRule", "name": name, "ipProtocols": list(protocols), "sourceAddresses": sources,
            "destinationAddresses": destinations, "destinationPorts": ports}
    if fqdns:
        rule["destinationFqdns"], rule["destinationAddresses"] = fqdns, []
    return rule


def app_rule(name: str, sources: list[str], fqdns: list[str] = (), tags: list[str] = (), protocols=(("Https", 443),)) -> dict:
    return {"ruleType": "ApplicationRule", "name": name, "sourceAddresses": sources, "targetFqdns": list(fqdns),
            "fqdnTags": list(tags), "protocols": [{"protocolType": t, "port": p} for t, p in protocols]}


def collection(name: str, priority: int, action: str, rules: list[dict]) -> dict:
    return {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": name, "priority": priority,
            "action": {"type": action}, "rules": rules}


def rcg(policy: dict, name: str, priority: int, collections: list[dict]) -> dict:
    return res("Microsoft.Network/firewallPolicies/ruleCollectionGroups", f"{policy['id']}/ruleCollectionGroups/{name}",
               {"priority": priority, "ruleCollections": collections})


def policy(name: str = "fw-policy", proxy: bool = True, private_ranges: list[str] | None = None, base: str = "") -> dict:
    props = {"threatIntelMode": "Alert", "dnsSettings": {"enableProxy": proxy, "servers": []}}
    if private_ranges is not None:
        props["snat"] = {"privateRanges": private_ranges}
    if base:
        props["basePolicy"] = {"id": base}
    return res("Microsoft.Network/firewallPolicies", rid(SUBS["hub"], "rg-hub", "Microsoft.Network/firewallPolicies", name), props)


def firewall(subnet: str, policy_id: str, ip: str = FW_IP) -> dict:
    return res("Microsoft.Network/azureFirewalls", rid(SUBS["hub"], "rg-hub", "Microsoft.Network/azureFirewalls", "fw-hub"),
               {"ipConfigurations": [{"name": "fw-ipconfig", "properties": {"privateIPAddress": ip, "subnet": {"id": subnet}}}],
                "firewallPolicy": {"id": policy_id}})


def zone(sub: str, rg: str, name: str, records: dict[str, str], links: dict[str, str], state: str = "Completed") -> list[dict]:
    zid = rid(sub, rg, "Microsoft.Network/privateDnsZones", name)
    out = [res("Microsoft.Network/privateDnsZones", zid, {}, "global")]
    out += [res("Microsoft.Network/privateDnsZones/A", f"{zid}/A/{rec}", {"ttl": 10, "aRecords": [{"ipv4Address": ip}]}, "global")
            for rec, ip in records.items()]
    out += [res("Microsoft.Network/privateDnsZones/virtualNetworkLinks", f"{zid}/virtualNetworkLinks/{ln}",
                {"virtualNetwork": {"id": vid}, "registrationEnabled": False, "virtualNetworkLinkState": state}, "global")
            for ln, vid in links.items()]
    return out


class Estate:
    """A mutable list of ARM resources with lookups by name, so a test can change one property and re-snapshot."""

    def __init__(self, resources: list[dict]):
        self.resources = resources

    def get(self, name: str) -> dict:
        hits = [r for r in self.resources if r["name"] == name]
        assert len(hits) == 1, f"{len(hits)} resources named {name}"
        return hits[0]

    def props(self, name: str) -> dict:
        return self.get(name)["properties"]

    def add(self, *resources: dict | list[dict]) -> "Estate":
        for item in resources:
            self.resources.extend(item if isinstance(item, list) else [item])
        return self

    def remove(self, name: str) -> "Estate":
        self.resources.remove(self.get(name))
        return self

    def snapshot(self):
        from aksegress.netmodel.snapshot import Snapshot

        return Snapshot.from_resources(copy.deepcopy(self.resources))


def article(*, spoke_dns_firewall: bool = False, proxy: bool = True, link_spoke2: bool = False,
            api_rule: str | None = None, private_ranges: list[str] | None = None) -> Estate:
    """The article's estate: hub (firewall, VPN gateway) + spokes 1-3 peered to it, each spoke with an AKS subnet and
    a VM subnet, one 0/0 -> firewall route table per spoke, a private cluster in spoke1 whose zone is linked to
    spoke1 only, and the article's firewall rules ("allow Azure IPs" network rule, AKS FQDN-tag application rule).

    `api_rule`: None, "network" (TCP 443 to the API IP) or "app" (Https on the private FQDN) from spoke2.
    """
    dns = [FW_IP] if spoke_dns_firewall else None
    hub = vnet(SUBS["hub"], "rg-hub", "vnet-hub", "10.0.0.0/16",
               {"AzureFirewallSubnet": "10.0.1.0/26", "GatewaySubnet": "10.0.255.0/27"})
    resources = [hub]
    pol = policy(proxy=proxy, private_ranges=private_ranges)
    fw = firewall(subnet_id(hub, "AzureFirewallSubnet"), pol["id"])
    gw = res("Microsoft.Network/virtualNetworkGateways", rid(SUBS["hub"], "rg-hub", "Microsoft.Network/virtualNetworkGateways", "vgw-hub"),
             {"gatewayType": "Vpn", "ipConfigurations": [{"name": "gw", "properties": {"subnet": {"id": subnet_id(hub, "GatewaySubnet")}}}]})
    resources += [pol, fw, gw]
    for n in (1, 2, 3):
        sub, rg = SUBS[f"spoke{n}"], f"rg-spoke{n}"
        spoke = vnet(sub, rg, f"vnet-spoke{n}", f"10.{n}.0.0/16", {"snet-aks": f"10.{n}.0.0/22", "snet-vm": f"10.{n}.8.0/24"}, dns)
        rt = route_table(sub, rg, f"rt-spoke{n}", [("0.0.0.0/0", "VirtualAppliance", FW_IP)])
        for sn in ("snet-aks", "snet-vm"):
            subnet_props(spoke, sn)["routeTable"] = {"id": rt["id"]}
        resources += [spoke, rt, peering(spoke, hub, f"spoke{n}-to-hub"), peering(hub, spoke, f"hub-to-spoke{n}")]
        resources += vm_with_nic(sub, rg, f"vm-spoke{n}", subnet_id(spoke, "snet-vm"), f"10.{n}.8.4")
    spoke1 = resources[[r["name"] for r in resources].index("vnet-spoke1")]
    spoke2 = resources[[r["name"] for r in resources].index("vnet-spoke2")]
    links = {"link-spoke1": spoke1["id"]}
    if link_spoke2:
        links["link-spoke2"] = spoke2["id"]
    resources += zone(SUBS["spoke1"], "MC_rg-spoke1_privateaksspoke1_eastus2", ZONE, {API_RECORD: API_IP}, links)
    resources.append(res("Microsoft.ContainerService/managedClusters",
                         rid(SUBS["spoke1"], "rg-spoke1", "Microsoft.ContainerService/managedClusters", "privateaksspoke1"),
                         {"privateFQDN": API_FQDN, "apiServerAccessProfile": {"enablePrivateCluster": True},
                          "agentPoolProfiles": [{"name": "nodepool1", "mode": "System", "vnetSubnetID": subnet_id(spoke1, "snet-aks")}],
                          "networkProfile": {"outboundType": "userDefinedRouting"}, "nodeResourceGroup": "MC_rg-spoke1_privateaksspoke1_eastus2"}))
    spokes = ["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"]
    net_rules = [network_rule("allow-azure-ips", spokes, ["AzureCloud.eastus2"], ["*"], ("Any",))]
    if api_rule == "network":
        net_rules.append(network_rule("allow-spoke2-to-aks1-api", ["10.2.0.0/16"], [API_IP], ["443"]))
    app_rules = [app_rule("aks-egress", spokes, tags=["AzureKubernetesService"], protocols=(("Http", 80), ("Https", 443)))]
    if api_rule == "app":
        app_rules.append(app_rule("allow-spoke2-to-aks1-api", ["10.2.0.0/16"], fqdns=[API_FQDN]))
    resources.append(rcg(pol, "DefaultNetworkRuleCollectionGroup", 200, [collection("net-allow", 100, "Allow", net_rules)]))
    resources.append(rcg(pol, "DefaultApplicationRuleCollectionGroup", 300, [collection("app-allow", 100, "Allow", app_rules)]))
    return Estate(resources)
