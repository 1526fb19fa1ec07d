"""Shared by the hub appliances (firewall, VPN gateway): ipConfigurations bound to a subnet and a public IP."""

from __future__ import annotations

import ipaddress

from aksegress.emulator.engine import Arm, ArmError
from aksegress.emulator.providers.publicip import USED_BY
from aksegress.emulator.store import Record

SUBNET = "Microsoft.Network/virtualNetworks/subnets"


def pick(value, allowed: dict[str, str], what: str) -> str:
    found = allowed.get(str(value).lower())
    if found is None:
        raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: {what} '{value}' is not one of "
                                                    f"{', '.join(allowed.values())}.")
    return found


def ipv4_prefixes(subnet: Record) -> list[ipaddress.IPv4Network]:
    props = subnet.body.get("properties") or {}
    texts = props.get("addressPrefixes") or ([props["addressPrefix"]] if props.get("addressPrefix") else [])
    return [n for n in (ipaddress.ip_network(t, strict=False) for t in texts) if n.version == 4]


def subnet_of(arm: Arm, owner_id: str, path: str, cprops: dict) -> Record:
    ref = cprops.get("subnet")
    subnet_id = ref.get("id") if isinstance(ref, dict) else None
    if not subnet_id:
        raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request. Value for reference id is missing. "
                                                    f"Path {path}.properties.subnet.")
    subnet = arm.get(subnet_id)
    if subnet is None or subnet.type != SUBNET.lower():
        raise ArmError(400, "InvalidResourceReference",
                       f"Resource {subnet_id} referenced by resource {owner_id} was not found. Please make sure that the "
                       "referenced resource exists, and that both resources are in the same region.")
    return subnet


def to_config(owner_id: str, owner_type: str, segment: str, name: str, cprops: dict) -> dict:
    cprops["provisioningState"] = "Succeeded"
    return {"id": f"{owner_id}/{segment}/{name}", "name": name, "type": f"{owner_type}/{segment}", "properties": cprops}


def save_appliance(arm: Arm, record: Record, existing: Record | None, configs: list[dict],
                    extra: list[tuple[str, str]]) -> None:
    """Store an appliance and point each ipConfiguration at its subnet and public IP (dropping removed ones)."""
    arm.save(record)
    kept = {c["id"].lower() for c in configs}
    for old in configs_of(existing.body["properties"]) if existing else []:
        if old["id"].lower() not in kept:
            arm.store.set_references(old["id"], [])
    for config in configs:
        cprops = config["properties"]
        refs = [(cprops["subnet"]["id"], "ipConfigurations")] if cprops.get("subnet") else []
        refs += [(cprops["publicIPAddress"]["id"], USED_BY)] if cprops.get("publicIPAddress") else []
        arm.store.set_references(config["id"], refs)
    arm.store.set_references(record.id, extra)


def configs_of(props: dict) -> list[dict]:
    management = props.get("managementIpConfiguration")
    with_management = isinstance(management, dict) and management.get("id")
    return list(props.get("ipConfigurations") or []) + ([management] if with_management else [])
