"""A small hub-and-spoke estate built through the SDK, for compute and AKS tests.

hub 10.0.0.0/16 (AzureFirewallSubnet 10.0.1.0/26, firewall expected at 10.0.1.4), spoke1 10.1.0.0/16 (subnet
`aks` 10.1.0.0/24 for cluster nodes), spoke2 10.2.0.0/16 (subnet `vms` for a jump VM); peerings Connected both
ways with forwarded traffic allowed; optionally a route table per spoke sending 0.0.0.0/0 to the firewall IP.
"""

from __future__ import annotations

from dataclasses import dataclass

LOCATION = "eastus2"
FIREWALL_IP = "10.0.1.4"
AKS_EGRESS_FQDNS = ["mcr.microsoft.com", "*.data.mcr.microsoft.com", "mcr-0001.mcr-msedge.net", "management.azure.com",
                    "login.microsoftonline.com", "packages.microsoft.com", "acs-mirror.azureedge.net", "packages.aks.azure.com"]


@dataclass
class Estate:
    rg: str
    hub_id: str
    spoke1_id: str
    spoke2_id: str

    @property
    def aks_subnet_id(self) -> str:
        return f"{self.spoke1_id}/subnets/aks"

    @property
    def vm_subnet_id(self) -> str:
        return f"{self.spoke2_id}/subnets/vms"

    @property
    def firewall_subnet_id(self) -> str:
        return f"{self.hub_id}/subnets/AzureFirewallSubnet"


def _vnet(prefix: str, subnets: dict[str, tuple[str, str | None]]) -> dict:
    items = []
    for name, (subnet_prefix, route_table_id) in subnets.items():
        properties: dict = {"addressPrefix": subnet_prefix}
        if route_table_id:
            properties["routeTable"] = {"id": route_table_id}
        items.append({"name": name, "properties": properties})
    return {"location": LOCATION, "properties": {"addressSpace": {"addressPrefixes": [prefix]}, "subnets": items}}


def route_table(clients, rg: str, name: str, next_hop_type: str = "VirtualAppliance", next_hop_ip: str | None = FIREWALL_IP,
                *, for_vms: bool = False) -> str:
    """0.0.0.0/0 to ``next_hop_type``; ``for_vms`` sends Azure's public addresses (the AzureCloud tag) straight out
    too, so VM run-command can return its output whatever the default route does."""
    route = {"name": "default", "properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": next_hop_type}}
    if next_hop_type == "VirtualAppliance":
        route["properties"]["nextHopIpAddress"] = next_hop_ip
    platform = {"name": "azure-platform", "properties": {"addressPrefix": "AzureCloud", "nextHopType": "Internet"}}
    body = {"location": LOCATION, "properties": {"routes": [route, platform] if for_vms else [route]}}
    return clients.network.route_tables.begin_create_or_update(rg, name, body).result().id


def build_estate(clients, rg: str = "rg-net", *, routes: bool = True, aks_route_table: str | None = None) -> Estate:
    """Hub and two spokes peered through the SDK; spoke subnets send 0/0 to the firewall when `routes`.

    `aks_route_table` overrides the route table id on the AKS subnet (or pass routes=False for none).
    """
    net = clients.network
    clients.resource.resource_groups.create_or_update(rg, {"location": LOCATION})
    rt1 = aks_route_table or (route_table(clients, rg, "rt-spoke1") if routes else None)
    rt2 = route_table(clients, rg, "rt-spoke2", for_vms=True) if routes else None
    hub = net.virtual_networks.begin_create_or_update(rg, "hub", _vnet("10.0.0.0/16", {
        "AzureFirewallSubnet": ("10.0.1.0/26", None), "shared": ("10.0.2.0/24", None)})).result()
    spoke1 = net.virtual_networks.begin_create_or_update(rg, "spoke1", _vnet("10.1.0.0/16", {"aks": ("10.1.0.0/24", rt1)})).result()
    spoke2 = net.virtual_networks.begin_create_or_update(rg, "spoke2", _vnet("10.2.0.0/16", {"vms": ("10.2.0.0/24", rt2)})).result()
    for local, remote in ((hub, spoke1), (spoke1, hub), (hub, spoke2), (spoke2, hub)):
        body = {"properties": {"remoteVirtualNetwork": {"id": remote.id}, "allowForwardedTraffic": True,
                               "allowVirtualNetworkAccess": True}}
        net.virtual_network_peerings.begin_create_or_update(rg, local.name, f"{local.name}-to-{remote.name}", body).result()
    return Estate(rg, hub.id, spoke1.id, spoke2.id)


def create_vm(clients, rg: str, name: str, subnet_id: str):
    """A NIC with a dynamic address in `subnet_id` and a small Linux VM on it; returns (vm, nic)."""
    nic = clients.network.network_interfaces.begin_create_or_update(rg, f"{name}-nic", {
        "location": LOCATION,
        "properties": {"ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": subnet_id},
                                                                                 "privateIPAllocationMethod": "Dynamic"}}]},
    }).result()
    vm = clients.compute.virtual_machines.begin_create_or_update(rg, name, {
        "location": LOCATION,
        "properties": {
            "hardwareProfile": {"vmSize": "Standard_B1s"},
            "storageProfile": {"imageReference": {"publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server",
                                                  "version": "latest"}},
            "osProfile": {"computerName": name, "adminUsername": "azureuser", "adminPassword": "Not-Returned-1!"},
            "networkProfile": {"networkInterfaces": [{"id": nic.id, "properties": {"primary": True}}]},
        },
    }).result()
    return vm, nic


def run_shell(clients, rg: str, vm_name: str, *lines: str) -> str:
    """The message of a RunShellScript run on the VM ("Enable succeeded: \\n[stdout]\\n...")."""
    poller = clients.compute.virtual_machines.begin_run_command(rg, vm_name, {"commandId": "RunShellScript",
                                                                               "script": list(lines)})
    return poller.result().value[0].message


def add_firewall(clients, estate: Estate, *, application_rules: list[dict] = (), dns_proxy: bool = True) -> str:
    """A Standard firewall in the hub with a policy holding `application_rules` (allow); returns its private IP.

    The spoke route tables are pointed at the address the firewall actually got.
    """
    net, rg = clients.network, estate.rg
    public_ip = net.public_ip_addresses.begin_create_or_update(rg, "fw-pip", {
        "location": LOCATION, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}).result()
    policy = net.firewall_policies.begin_create_or_update(rg, "fw-policy", {
        "location": LOCATION, "properties": {"sku": {"tier": "Standard"}, "dnsSettings": {"enableProxy": dns_proxy}}}).result()
    if application_rules:
        allow(clients, rg, application_rules)
    firewall = net.azure_firewalls.begin_create_or_update(rg, "fw", {"location": LOCATION, "properties": {
        "sku": {"name": "AZFW_VNet", "tier": "Standard"}, "firewallPolicy": {"id": policy.id},
        "ipConfigurations": [{"name": "ipconfig1", "properties": {"subnet": {"id": estate.firewall_subnet_id},
                                                                  "publicIPAddress": {"id": public_ip.id}}}]}}).result()
    address = firewall.ip_configurations[0].private_ip_address
    if address != FIREWALL_IP:
        for table in ("rt-spoke1", "rt-spoke2"):
            route = {"properties": {"addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": address}}
            net.routes.begin_create_or_update(rg, table, "default", route).result()
    return address


def https_rule(name: str, sources: list[str], fqdns: list[str]) -> dict:
    return {"ruleType": "ApplicationRule", "name": name, "sourceAddresses": sources,
            "protocols": [{"protocolType": "Https", "port": 443}], "targetFqdns": fqdns}


def allow(clients, rg: str, rules: list[dict]) -> None:
    """Put the policy's one allow collection (rule collection group `egress`) with exactly `rules`."""
    clients.network.firewall_policy_rule_collection_groups.begin_create_or_update(rg, "fw-policy", "egress", {"properties": {
        "priority": 200, "ruleCollections": [{"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "allow",
                                              "priority": 100, "action": {"type": "Allow"}, "rules": list(rules)}]}}).result()
