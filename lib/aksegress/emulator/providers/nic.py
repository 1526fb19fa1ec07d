"""Microsoft.Network addresses in subnets: network interfaces and private endpoints, with Azure's allocation rules.

A NIC's dynamic address is the subnet's next free one from .4 (Azure reserves .0-.3 and the last), skipping
every address already held in that subnet (other NICs, firewall ipConfigurations, anything stored with a
`privateIPAddress`). Each ipConfiguration marks its subnet in use, so the subnet cannot be deleted under it;
a VM marks its NIC in use the same way (`virtualMachine`). A private endpoint gets its own NIC, as in Azure.
"""

from __future__ import annotations

import hashlib
import ipaddress
import uuid

from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.store import Record

NIC = "Microsoft.Network/networkInterfaces"
PRIVATE_ENDPOINT = "Microsoft.Network/privateEndpoints"
SUBNET = "Microsoft.Network/virtualNetworks/subnets"


def _subnet_networks(subnet: Record) -> list[ipaddress.IPv4Network]:
    props = subnet.body.get("properties") or {}
    texts = list(props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else []))
    return [n for n in (ipaddress.ip_network(t, strict=False) for t in texts) if n.version == 4]


def _addresses_in(value, found: set[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() == "privateipaddress" and isinstance(item, str) and item:
                found.add(item)
            else:
                _addresses_in(item, found)
    elif isinstance(value, list):
        for item in value:
            _addresses_in(item, found)


def used_addresses(arm: Arm, subnet: Record, excluding: str = "") -> set[str]:
    """Private addresses already held inside `subnet` by any stored resource other than `excluding`."""
    networks = _subnet_networks(subnet)
    sub = subnet.id.split("/")[2]
    found: set[str] = set()
    for record in arm.store.in_subscription(sub):
        if excluding and (record.key == excluding.lower() or record.key.startswith(excluding.lower() + "/")):
            continue
        _addresses_in(record.body.get("properties") or {}, found)
    return {a for a in found if any(ipaddress.ip_address(a) in n for n in networks)}


def next_free_address(arm: Arm, subnet: Record, excluding: str = "", also_taken: set[str] = frozenset()) -> str:
    """The first address from .4 that no one holds; Azure's error when the subnet is full."""
    taken = used_addresses(arm, subnet, excluding) | set(also_taken)
    for network in _subnet_networks(subnet):
        for offset in range(4, network.num_addresses - 1):
            candidate = str(network.network_address + offset)
            if candidate not in taken:
                return candidate
    raise ArmError(400, "SubnetIsFull", f"Subnet {subnet.body['name']} with address prefix "
                                        f"{', '.join(map(str, _subnet_networks(subnet)))} does not have enough capacity for 1 IP addresses.")


def _require_subnet(arm: Arm, owner_id: str, subnet_ref) -> Record:
    subnet_id = (subnet_ref or {}).get("id") if isinstance(subnet_ref, dict) else None
    subnet = arm.get(subnet_id) if subnet_id else None
    if subnet is None or subnet.type != SUBNET.lower():
        raise ArmError(400, "InvalidResourceReference",
                       f"Resource {subnet_id} referenced by resource {owner_id} was not found. Please make sure that the "
                       "referenced resource exists, and that both resources are in the same region.")
    return subnet


def _mac(resource_id: str) -> str:
    digest = hashlib.sha256(resource_id.lower().encode()).hexdigest().upper()
    return "-".join(["00", "0D", "3A"] + [digest[i:i + 2] for i in range(0, 6, 2)])


class NetworkInterfaceHandler(ResourceHandler):
    type = NIC
    long_running = True
    requires_location = True
    read_only = ("virtualMachine", "privateEndpoint", "macAddress")

    def validate(self, arm, body, existing):
        props = body["properties"]
        configs = props.get("ipConfigurations") or []
        if not configs:
            raise ArmError(400, "NetworkInterfaceMustHaveAtLeastOneIpConfiguration",
                           f"Network interface {body['id']} must have at least one IP configuration.")
        old = {c.get("name"): c for c in ((existing.body["properties"].get("ipConfigurations") or []) if existing else [])}
        assigned: set[str] = set()
        normalised = []
        for index, config in enumerate(configs):
            name = config.get("name") or f"ipconfig{index + 1}"
            cprops = dict(config.get("properties") or {})
            subnet = _require_subnet(arm, body["id"], cprops.get("subnet"))
            cprops["subnet"] = {"id": subnet.id}
            cprops["privateIPAddress"] = self._address(arm, body["id"], name, cprops, subnet, old.get(name), assigned)
            assigned.add(cprops["privateIPAddress"])
            cprops.setdefault("privateIPAllocationMethod", "Dynamic")
            cprops.setdefault("privateIPAddressVersion", "IPv4")
            cprops["primary"] = bool(cprops.get("primary", index == 0))
            cprops["provisioningState"] = "Succeeded"
            normalised.append({"id": f"{body['id']}/ipConfigurations/{name}", "name": name,
                               "type": f"{NIC}/ipConfigurations", "properties": cprops})
        props["ipConfigurations"] = normalised
        props.setdefault("enableIPForwarding", False)
        props.setdefault("enableAcceleratedNetworking", False)
        props.setdefault("dnsSettings", {"dnsServers": [], "appliedDnsServers": []})
        vnet_id = str((normalised[0]["properties"].get("subnet") or {}).get("id", "")).split("/subnets/")[0].lower()
        props["dnsSettings"]["internalDomainNameSuffix"] = f"{hashlib.sha256(vnet_id.encode()).hexdigest()[:26]}.bx.internal.cloudapp.net"
        body.setdefault("kind", "Regular")
        for name, default in (("nicType", "Standard"), ("vnetEncryptionSupported", False), ("allowPort25Out", True),
                              ("tapConfigurations", []), ("hostedWorkloads", [])):
            props.setdefault(name, default)
        props["macAddress"] = _mac(body["id"])
        props["primary"] = True
        props["resourceGuid"] = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        return body

    @staticmethod
    def _address(arm: Arm, nic_id: str, name: str, cprops: dict, subnet: Record, old: dict | None, assigned: set[str]) -> str:
        wanted = cprops.get("privateIPAddress")
        if str(cprops.get("privateIPAllocationMethod", "Dynamic")).lower() == "static" and wanted:
            if not any(ipaddress.ip_address(wanted) in n for n in _subnet_networks(subnet)):
                raise ArmError(400, "PrivateIPAddressNotInSubnet",
                               f"IP configuration {nic_id}/ipConfigurations/{name} is referencing a private IP address "
                               f"{wanted} which does not belong to the subnet {subnet.id}.")
            if wanted in used_addresses(arm, subnet, excluding=nic_id) or wanted in assigned:
                raise ArmError(400, "PrivateIPAddressInUse",
                               f"IP configuration {nic_id}/ipConfigurations/{name} is using the private IP address {wanted} "
                               "which is already allocated to resource in the same subnet.")
            return wanted
        previous = (old or {}).get("properties") or {}
        if (previous.get("subnet") or {}).get("id", "").lower() == subnet.key and previous.get("privateIPAddress"):
            return previous["privateIPAddress"]
        return next_free_address(arm, subnet, excluding=nic_id, also_taken=assigned)

    def write(self, arm, record, existing):
        arm.save(record)
        props = record.body["properties"]
        for config in props["ipConfigurations"]:
            arm.store.set_references(config["id"], [(config["properties"]["subnet"]["id"], "ipConfigurations")])
        nsg = (props.get("networkSecurityGroup") or {}).get("id")
        arm.store.set_references(record.id, [(nsg, "networkInterfaces")] if nsg else [])

    def render(self, arm, record):
        body = dict(record.body, properties=dict(record.body["properties"]))
        for source, backref in arm.store.referrers(record.id):
            if backref in ("virtualMachine", "privateEndpoint"):
                body["properties"][backref] = {"id": source}
        dns = body["properties"].get("dnsSettings") or {}
        body["properties"]["dnsSettings"] = dict(dns, appliedDnsServers=list(dns.get("dnsServers") or []))
        body["properties"]["ipConfigurations"] = [dict(c, etag=body.get("etag")) for c in body["properties"].get("ipConfigurations") or []]
        return body

    def check_delete(self, arm, record):
        for source, backref in arm.store.referrers(record.id):
            if backref == "virtualMachine":
                raise ArmError(400, "NicInUse",
                               f"Network Interface {record.id} is used by existing resource {source}. In order to delete the "
                               "network interface, it must be dissociated from the resource. To learn more, see aka.ms/deletenic.")
            if backref == "privateEndpoint":
                raise ArmError(400, "CannotDeleteNicUsedByPrivateEndpoint",
                               f"Network interface {record.id} is used by private endpoint {source} and cannot be deleted.")


class PrivateEndpointHandler(ResourceHandler):
    """A private endpoint in a subnet; like Azure, it creates its own NIC `{name}.nic.{guid}` holding the address."""

    type = PRIVATE_ENDPOINT
    long_running = True
    requires_location = True

    def validate(self, arm, body, existing):
        props = body["properties"]
        subnet = _require_subnet(arm, body["id"], props.get("subnet"))
        props["subnet"] = {"id": subnet.id}
        if existing:
            props["networkInterfaces"] = existing.body["properties"].get("networkInterfaces") or []
            props["customDnsConfigs"] = existing.body["properties"].get("customDnsConfigs") or props.get("customDnsConfigs") or []
        props.setdefault("privateLinkServiceConnections", [])
        props.setdefault("manualPrivateLinkServiceConnections", [])
        props.setdefault("customDnsConfigs", [])
        props["resourceGuid"] = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        return body

    def write(self, arm, record, existing):
        props = record.body["properties"]
        if not props.get("networkInterfaces"):
            rg_id = record.id.split("/providers/")[0]
            nic_id = f"{rg_id}/providers/{NIC}/{record.body['name']}.nic.{uuid.uuid4()}"
            nic = arm.create(nic_id, NIC, {"location": record.body["location"], "properties": {"ipConfigurations": [
                {"name": f"privateEndpointIpConfig.{uuid.uuid4()}", "properties": {"subnet": props["subnet"]}}]}})
            props["networkInterfaces"] = [{"id": nic.id}]
            address = nic.body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
            for config in props["customDnsConfigs"]:
                config.setdefault("ipAddresses", [address])
        arm.save(record)
        arm.store.set_references(record.id, [(props["subnet"]["id"], "privateEndpoints")] +
                                 [(n["id"], "privateEndpoint") for n in props["networkInterfaces"]])

    def on_delete(self, arm, record):
        for ref in record.body["properties"].get("networkInterfaces") or []:
            arm.store.set_references(record.id, [])
            nic = arm.get(ref["id"])
            if nic:
                arm.delete_tree(nic)


def endpoint_address(arm: Arm, endpoint: Record) -> str:
    """The private address of a private endpoint (through its NIC)."""
    for ref in endpoint.body["properties"].get("networkInterfaces") or []:
        nic = arm.get(ref["id"])
        if nic:
            return nic.body["properties"]["ipConfigurations"][0]["properties"]["privateIPAddress"]
    return ""


HANDLERS = [NetworkInterfaceHandler(), PrivateEndpointHandler()]
