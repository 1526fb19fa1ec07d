"""Microsoft.Network network security groups: inline security rules, Azure's default rules, and where an NSG may go.

An NSG's subnets and NICs are read back from the store's references (a subnet or NIC naming it), so one in use
cannot be deleted. GatewaySubnet and AzureFirewallSubnet take no NSG (docs/network-behaviour.md#51-nsgs-the-runbook-creates).
"""

from __future__ import annotations

import uuid

from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.store import Record

NSG = "Microsoft.Network/networkSecurityGroups"

_DEFAULT_RULES = (
    ("AllowVnetInBound", 65000, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", "Allow inbound traffic from all VMs in VNET"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "Allow", "AzureLoadBalancer", "*", "Allow inbound traffic from azure load balancer"),
    ("DenyAllInBound", 65500, "Inbound", "Deny", "*", "*", "Deny all inbound traffic"),
    ("AllowVnetOutBound", 65000, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", "Allow outbound traffic from all VMs to all VMs in VNET"),
    ("AllowInternetOutBound", 65001, "Outbound", "Allow", "*", "Internet", "Allow outbound traffic from all VMs to Internet"),
    ("DenyAllOutBound", 65500, "Outbound", "Deny", "*", "*", "Deny all outbound traffic"),
)
"""Azure's default rules, descriptions as ARM returns them (tests/contract/recordings/subnet_update.json)."""
_NO_NSG_SUBNETS = ("azurefirewallsubnet", "azurefirewallmanagementsubnet")


def check_subnet_nsg(subnet_name: str, nsg_id: str | None) -> None:
    """Azure's refusal of an NSG on GatewaySubnet (wording as ARM answers it) or on the firewall's subnets (code unconfirmed)."""
    if not nsg_id:
        return
    nsg_name = nsg_id.rstrip("/").rsplit("/", 1)[-1]
    if subnet_name.lower() == "gatewaysubnet":
        raise ArmError(400, "NetworkSecurityGroupCannotBeAttachedToGatewaySubnet",
                       f"The operation failed because the network security group {nsg_name} can not be associated to the "
                       "GatewaySubnet. Please remove the network security group associated to the GatewaySubnet. No changes "
                       "have occurred on the gateway at this time. See here for additional details: https://aka.ms/GatewaySubnet.")
    if subnet_name.lower() in _NO_NSG_SUBNETS:
        raise ArmError(400, "NetworkSecurityGroupNotSupportedOnAzureFirewallSubnet",
                       f"Network security group {nsg_name} cannot be associated with subnet {subnet_name}: Azure Firewall "
                       "subnets do not support network security groups.")


def _default_rules(nsg_id: str, etag: str | None) -> list[dict]:
    return [{"id": f"{nsg_id}/defaultSecurityRules/{name}", "name": name, "etag": etag,
             "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
             "properties": {"description": description, "priority": priority, "direction": direction, "access": access,
                            "protocol": "*", "sourceAddressPrefix": source, "sourcePortRange": "*",
                            "destinationAddressPrefix": destination, "destinationPortRange": "*", "sourceAddressPrefixes": [],
                            "destinationAddressPrefixes": [], "sourcePortRanges": [], "destinationPortRanges": [],
                            "provisioningState": "Succeeded"}}
            for name, priority, direction, access, source, destination, description in _DEFAULT_RULES]


class NetworkSecurityGroupHandler(ResourceHandler):
    type = NSG
    long_running = True
    requires_location = True

    def validate(self, arm, body, existing):
        props = body["properties"]
        for field in ("subnets", "networkInterfaces", "defaultSecurityRules"):
            props.pop(field, None)
        rules = []
        for rule in props.get("securityRules") or []:
            if not rule.get("name"):
                raise ArmError(400, "InvalidRequestFormat", "Each item of securityRules needs a name.")
            rules.append({"id": f"{body['id']}/securityRules/{rule['name']}", "name": rule["name"],
                          "type": f"{NSG}/securityRules", "properties": {**(rule.get("properties") or {}), "provisioningState": "Succeeded"}})
        props["securityRules"] = rules
        props["resourceGuid"] = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        return body

    def render(self, arm: Arm, record: Record) -> dict:
        body = arm.with_references(record)
        body["properties"]["defaultSecurityRules"] = _default_rules(record.id, body.get("etag"))
        return body

    def check_delete(self, arm, record):
        users = [source for source, _ in arm.store.referrers(record.id)]
        if users:
            raise ArmError(400, "InUseNetworkSecurityGroupCannotBeDeleted",
                           f"Network security group {record.id} cannot be deleted because it is in use by the following "
                           f"resources: {', '.join(users)}.")


HANDLERS = [NetworkSecurityGroupHandler()]
