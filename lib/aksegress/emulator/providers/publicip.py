"""Microsoft.Network/publicIPAddresses: SKU and allocation rules, a stable address per resource, in-use protection.

An address is derived from the resource id (20.x.y.z), so a re-created IP keeps its address and tests can
predict nothing but its shape. Appliances (firewalls, gateways) take an IP with `claim_public_ip`, which
records their ipConfiguration under the IP's `ipConfiguration`; an IP in use cannot be deleted or shared.
"""

from __future__ import annotations

import hashlib
import uuid

from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.store import Record

PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
USED_BY = "ipConfiguration"  # back-reference an IP shows for the ipConfiguration holding it
_SKUS = {"basic": "Basic", "standard": "Standard"}
_METHODS = {"static": "Static", "dynamic": "Dynamic"}


def _address(resource_id: str) -> str:
    digest = hashlib.sha256(resource_id.lower().encode()).digest()
    return f"20.{digest[0]}.{digest[1]}.{1 + digest[2] % 254}"


def _user(arm: Arm, record: Record) -> str | None:
    users = arm.store.referrers(record.id, USED_BY)
    return users[0][0] if users else None


def claim_public_ip(arm: Arm, config_id: str, owner_id: str, reference,
                    basic_refusal: tuple[str, str] | None) -> Record:
    """The public IP an appliance ipConfiguration names, checked: it exists, is free (or ours), and is not Basic.

    `basic_refusal` is the (code, message) the appliance's RP answers for a Basic SKU IP, or None to allow it.
    """
    ip_id = reference.get("id") if isinstance(reference, dict) else None
    record = arm.get(ip_id) if ip_id else None
    if record is None or record.type != PUBLIC_IP.lower():
        raise ArmError(400, "InvalidResourceReference",
                       f"Resource {ip_id} referenced by resource {owner_id} was not found. Please make sure that the "
                       "referenced resource exists, and that both resources are in the same region.")
    holder = _user(arm, record)
    if holder and holder.lower() != config_id.lower():
        raise ArmError(400, "PublicIPAddressInUse",
                       f"Resource {config_id} is referencing public IP address {record.id} that is already allocated "
                       f"to resource {holder}.")
    if basic_refusal and record.body.get("sku", {}).get("name") == "Basic":
        raise ArmError(400, *basic_refusal)
    return record


class PublicIpAddressHandler(ResourceHandler):
    type = PUBLIC_IP
    long_running = True
    requires_location = True

    def validate(self, arm, body, existing):
        props = body["properties"]
        props.pop(USED_BY, None)
        sku = dict(body.get("sku") or {})
        name = _SKUS.get(str(sku.get("name", "Basic")).lower())
        if name is None:
            raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: unknown public IP SKU '{sku.get('name')}'.")
        tier = {"regional": "Regional", "global": "Global"}.get(str(sku.get("tier") or "Regional").lower())
        if tier is None:
            raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: unknown public IP SKU tier '{sku.get('tier')}'.")
        if name == "Basic" and tier == "Global":
            raise ArmError(400, "GlobalPublicIPAddressNotSupportedForBasicPublicIpAddress",
                           "Global publicIP addresses are only supported for standard SKU public IP addresses. "
                           f"Public IP address {body['id']} is not standard SKU.", details=[])
        body["sku"] = {"name": name, "tier": tier}
        default_method = "Static" if name == "Standard" else "Dynamic"
        method = _METHODS.get(str(props.get("publicIPAllocationMethod") or default_method).lower())
        if method is None:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: publicIPAllocationMethod must be Static "
                                                        "or Dynamic.")
        if name == "Standard" and method != "Static":
            raise ArmError(400, "StandardSkuPublicIPAddressesMustBeStatic",
                           f"Standard sku publicIp {body['id']} must have AllocationMethod set to Static.")
        props["publicIPAllocationMethod"] = method
        props.setdefault("publicIPAddressVersion", "IPv4")
        props.setdefault("idleTimeoutInMinutes", 4)
        props.setdefault("ipTags", [])
        props.setdefault("ddosSettings", {"protectionMode": "VirtualNetworkInherited"})
        label = (props.get("dnsSettings") or {}).get("domainNameLabel")
        if label:
            props["dnsSettings"] = {**props["dnsSettings"], "fqdn": f"{label}.{body['location']}.cloudapp.azure.com"}
        props.pop("ipAddress", None)
        if method == "Static":
            props["ipAddress"] = (existing.body["properties"].get("ipAddress") if existing else None) or _address(body["id"])
        props["resourceGuid"] = existing.body["properties"].get("resourceGuid") if existing else str(uuid.uuid4())
        return body

    def render(self, arm, record):
        body = dict(record.body, properties=dict(record.body["properties"]))
        holder = _user(arm, record)
        if holder:
            body["properties"][USED_BY] = {"id": holder}
            body["properties"].setdefault("ipAddress", _address(record.id))
        return body

    def check_delete(self, arm, record):
        holder = _user(arm, record)
        if holder:
            raise ArmError(400, "PublicIPAddressCannotBeDeleted",
                           f"Public IP address {record.id} can not be deleted since it is still allocated to resource "
                           f"{holder}. In order to delete the public IP, disassociate/detach the Public IP address from "
                           "the resource.  To learn how to do this, see aka.ms/deletepublicip.")


HANDLERS = [PublicIpAddressHandler()]
