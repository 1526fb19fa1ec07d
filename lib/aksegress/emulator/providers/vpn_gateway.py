"""Microsoft.Network/virtualNetworkGateways: VPN and ExpressRoute gateways in GatewaySubnet, slow as in Azure."""

from __future__ import annotations

import re
import uuid

from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.providers.appliances import ipv4_prefixes, pick, save_appliance, subnet_of, to_config
from aksegress.emulator.providers.publicip import claim_public_ip

GATEWAY = "Microsoft.Network/virtualNetworkGateways"
_NON_AZ_VPN = re.compile(r"vpngw[1-5]")
_GATEWAY_SKUS = {"basic", "standard", "highperformance", "ultraperformance", "ergwscale",
                 *(f"vpngw{n}{az}" for n in range(1, 6) for az in ("", "az")), *(f"ergw{n}az" for n in range(1, 4))}


class VirtualNetworkGatewayHandler(ResourceHandler):
    """A VPN (or ExpressRoute) gateway in GatewaySubnet (>= /29) with a Standard public IP; slow, as in Azure."""

    type = GATEWAY
    long_running = True
    requires_location = True
    slowness = 10  # Azure takes 30-45 minutes for a gateway against seconds for most network resources

    def validate(self, arm, body, existing):
        props = body["properties"]
        props["gatewayType"] = pick(props.get("gatewayType") or "Vpn", {"vpn": "Vpn", "expressroute": "ExpressRoute"},
                                     "gatewayType")
        props["vpnType"] = pick(props.get("vpnType") or "RouteBased", {"routebased": "RouteBased",
                                                                        "policybased": "PolicyBased"}, "vpnType")
        sku = props.get("sku") or {}
        if str(sku.get("name")).lower() not in _GATEWAY_SKUS:
            raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: gateway sku '{sku.get('name')}' is "
                                                        "not supported.")
        if existing is None and _NON_AZ_VPN.fullmatch(str(sku["name"]).lower()):
            raise ArmError(400, "InvalidGatewaySize",
                           f"The specified gateway size {sku['name']} is not valid for a new gateway, supported gateway "
                           "sizes are VpnGw1AZ,VpnGw2AZ,VpnGw3AZ,VpnGw4AZ,VpnGw5AZ,ErGw1AZ,ErGw2AZ,ErGw3AZ,ErGwScale.")
        props["sku"] = {"name": sku["name"], "tier": sku.get("tier") or sku["name"]}
        configs = props.get("ipConfigurations") or []
        if not configs:
            raise ArmError(400, "VirtualNetworkGatewayMustHaveIpConfiguration",
                           f"Virtual network gateway {body['id']} must have at least one IP configuration.")
        props["ipConfigurations"] = [self._ip_configuration(arm, body, i, c) for i, c in enumerate(configs)]
        subnet = arm.get(props["ipConfigurations"][0]["properties"]["subnet"]["id"])
        last = max(ipv4_prefixes(subnet), key=lambda n: n.prefixlen).broadcast_address - 1
        props.setdefault("enableBgp", False)
        props.setdefault("activeActive", False)
        props.setdefault("bgpSettings", {"asn": 65515, "bgpPeeringAddress": str(last), "peerWeight": 0})
        props["resourceGuid"] = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        return body

    @staticmethod
    def _ip_configuration(arm: Arm, body: dict, index: int, config: dict) -> dict:
        name = config.get("name") or f"ipconfig{index + 1}"
        cprops = {k: v for k, v in (config.get("properties") or {}).items() if k != "provisioningState"}
        subnet = subnet_of(arm, body["id"], f"properties.ipConfigurations[{index}]", cprops)
        if subnet.body["name"] != "GatewaySubnet":
            raise ArmError(400, "InvalidGatewaySubnet",
                           f"Virtual network gateway {body['id']} ip configuration {name} references subnet {subnet.id}; a "
                           "gateway can only be deployed in a subnet named GatewaySubnet.")
        smallest = max((n.prefixlen for n in ipv4_prefixes(subnet)), default=32)
        if smallest > 29:
            raise ArmError(400, "GatewaySubnetTooSmall",
                           f"GatewaySubnet {subnet.id} has prefix /{smallest}; a gateway subnet must be /29 or larger "
                           "(/27 or larger is recommended).")
        cprops["subnet"] = {"id": subnet.id}
        cprops["privateIPAllocationMethod"] = "Dynamic"
        if body["properties"]["gatewayType"] == "Vpn" and not cprops.get("publicIPAddress"):
            raise ArmError(400, "VirtualNetworkGatewayIpConfigurationMustHavePublicIp",
                           f"Virtual network gateway {body['id']} ip configuration {name} must reference a public IP address.")
        if cprops.get("publicIPAddress"):
            refusal = ("PublicIpWithBasicSkuNotAllowedOnVPNGateways",
                       "Basic IP configuration for VPN Virtual Network Gateways is not supported. Follow the link for more "
                       f"details : https://go.microsoft.com/fwlink/p/?linkid=2241350 {body['id']}")
            public_ip = claim_public_ip(arm, f"{body['id']}/ipConfigurations/{name}", body["id"], cprops["publicIPAddress"],
                                        refusal if body["properties"]["gatewayType"] == "Vpn" else None)
            if str(body["properties"]["sku"]["name"]).lower().endswith("az") and not public_ip.body.get("zones"):
                raise ArmError(400, "VmssVpnGatewayPublicIpsMustHaveZonesConfigured",
                               "Standard Public IPs associated with VPN Gateways with AZ VPN skus must have zones configured.")
            cprops["publicIPAddress"] = {"id": public_ip.id}
        return to_config(body["id"], GATEWAY, "ipConfigurations", name, cprops)

    def write(self, arm, record, existing):
        save_appliance(arm, record, existing, record.body["properties"]["ipConfigurations"], [])


HANDLERS = [VirtualNetworkGatewayHandler()]
