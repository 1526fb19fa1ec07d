"""The shapes an estate's owners can export, made from ARM GET bodies: `az ... show` output and Azure Resource Graph rows."""

from __future__ import annotations

import json
from pathlib import Path

_CLI_SPELLING = {"privateIPAddress": "privateIpAddress", "privateFQDN": "privateFqdn", "vnetSubnetID": "vnetSubnetId",
                 "enableIPForwarding": "enableIpForwarding", "privateIPAllocationMethod": "privateIpAllocationMethod"}
_LIFTED_CHILDREN = ("subnets", "ipConfigurations", "routes", "virtualNetworkPeerings", "securityRules")


def _cli_spelled(value):
    if isinstance(value, dict):
        return {_CLI_SPELLING.get(k, k): _cli_spelled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_cli_spelled(v) for v in value]
    return value


def _lifted(resource: dict) -> dict:
    out = {k: v for k, v in resource.items() if k != "properties"}
    for key, value in (resource.get("properties") or {}).items():
        out[key] = [_lifted(c) for c in value] if key in _LIFTED_CHILDREN and isinstance(value, list) else value
    return out


def az_show(resource: dict) -> dict:
    """What `az ... show` prints for an ARM resource: properties lifted to the top, SDK attribute names in camelCase."""
    return _cli_spelled(_lifted(resource))


def resource_graph(resources: list[dict]) -> dict:
    """What `az graph query -q "Resources | ..." --output json` prints: lower-case types, the row columns, under "data"."""
    rows = []
    for r in resources:
        parts = r["id"].split("/")
        rows.append({**r, "type": r.get("type", "").lower(), "subscriptionId": parts[2], "resourceGroup": parts[4].lower(),
                     "tenantId": "00000000-0000-0000-0000-00000000000a"})
    return {"count": len(rows), "data": rows, "skip_token": None, "total_records": len(rows)}


def write_each(resources: list[dict], folder: Path, shape=lambda r: r) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i, resource in enumerate(resources):
        (folder / f"{i:04}.json").write_text(json.dumps(shape(resource)))
    return folder
