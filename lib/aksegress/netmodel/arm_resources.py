"""ARM resource dicts as they come off the wire: ids, types, inline children flattened into their own entries."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aksegress.errors import AksegressError

_INLINE_CHILDREN = {
    "microsoft.network/virtualnetworks": (("subnets", "subnets"), ("virtualNetworkPeerings", "virtualNetworkPeerings")),
    "microsoft.network/routetables": (("routes", "routes"),),
    "microsoft.network/networksecuritygroups": (("securityRules", "securityRules"),),
    "microsoft.network/firewallpolicies": (),
}


def norm_id(resource_id: str | None) -> str:
    return (resource_id or "").strip().rstrip("/").lower()


def ref_id(value: Any) -> str:
    """The id inside a `{"id": ...}` sub-resource reference, normalised; '' when absent."""
    if isinstance(value, dict):
        return norm_id(value.get("id"))
    if isinstance(value, str):
        return norm_id(value)
    return ""


def type_from_id(resource_id: str) -> str:
    """`Namespace/type[/childType...]` from an ARM id (the last provider segment wins)."""
    parts = [p for p in resource_id.split("/") if p]
    lowered = [p.lower() for p in parts]
    if "providers" not in lowered:
        return ""
    start = len(lowered) - 1 - lowered[::-1].index("providers")
    rest = parts[start + 1 :]
    if not rest:
        return ""
    types = [rest[0]] + rest[1::2]
    return "/".join(types)


def props(resource: dict) -> dict:
    return resource.get("properties") or {}


def _as_wire_dict(item: Any) -> dict:
    if isinstance(item, dict):
        return item
    as_dict = getattr(item, "as_dict", None)
    if callable(as_dict):
        return as_dict()
    raise AksegressError(f"not an ARM resource: {type(item).__name__}", hint="pass dicts or Azure SDK model objects")


def flatten(resources: Iterable[Any]) -> dict[str, dict]:
    """All resources and their inline children, keyed by normalised id, each with a lower-case `_type`.

    A resource seen twice (inline and as its own entry) is merged, the standalone entry's properties winning.
    """
    out: dict[str, dict] = {}

    def add(resource: dict) -> None:
        rid = norm_id(resource.get("id"))
        if not rid:
            return
        rtype = (resource.get("type") or type_from_id(rid)).lower()
        entry = out.get(rid)
        if entry is None:
            entry = out[rid] = {"id": resource.get("id"), "name": resource.get("name") or rid.rsplit("/", 1)[-1],
                                "_type": rtype, "properties": {}}
        for key in ("location", "sku", "tags"):
            if key in resource:
                entry[key] = resource[key]
        entry["properties"].update(props(resource))
        for prop_key, child_segment in _INLINE_CHILDREN.get(rtype, ()):
            for child in props(resource).get(prop_key) or []:
                child = dict(child)
                if not child.get("id") and child.get("name"):
                    child["id"] = f"{resource['id'].rstrip('/')}/{child_segment}/{child['name']}"
                if child.get("id"):
                    child.setdefault("type", f"{type_from_id(resource['id'])}/{child_segment}")
                    add(child)

    for item in resources:
        add(_as_wire_dict(item))
    return out


_ENVELOPE = {"id", "name", "type", "location", "tags", "sku", "etag", "zones", "identity", "kind", "managedBy", "extendedLocation",
             "systemData", "resourceGroup", "subscriptionId", "tenantId", "plan"}
_SUBRESOURCE_LISTS = {"subnets", "ipConfigurations", "routes", "virtualNetworkPeerings", "securityRules"}
_ARM_SPELLING = {k.lower(): k for k in ("privateIPAddress", "privateFQDN", "vnetSubnetID", "enableIPForwarding", "privateIPAllocationMethod",
                                        "publicIPAddress", "podSubnetID", "privateIPAddressVersion")}
_SECRET_WORDS = ("secret", "password", "kubeconfig", "customdata", "token", "sharedkey", "privatekey", "primarykey", "secondarykey",
                 "credential", "connectionstring")


def _arm_spelled(value: Any) -> Any:
    """`az` prints SDK attribute names in camelCase (`privateIpAddress`); ARM spells a few differently (`privateIPAddress`)."""
    if isinstance(value, dict):
        return {_ARM_SPELLING.get(k.lower(), k): _arm_spelled(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_arm_spelled(v) for v in value]
    return value


def _wrapped(resource: dict, child: bool = False) -> dict:
    """An `az ... show` body (properties lifted to the top) put back in ARM's shape; an ARM body is returned as it is."""
    if "properties" in resource or not (child or "id" in resource):
        return resource
    out = {k: v for k, v in resource.items() if k in _ENVELOPE}
    out["properties"] = {k: ([_wrapped(c, True) if isinstance(c, dict) else c for c in v] if k in _SUBRESOURCE_LISTS and isinstance(v, list) else v)
                         for k, v in resource.items() if k not in _ENVELOPE}
    return out


def as_arm(resource: dict) -> dict:
    """One resource from any of the shapes the doctor reads (ARM GET body, Resource Graph row, `az ... show`) in ARM's shape."""
    return _wrapped(_arm_spelled(resource))


def _resources_in(doc: Any) -> list[dict]:
    if isinstance(doc, dict):
        for key in ("value", "data"):
            if isinstance(doc.get(key), list):
                return [r for r in doc[key] if isinstance(r, dict)]
        return [doc] if doc.get("id") else []
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, dict)]
    return []


def read_directory(path: str | Path) -> list[dict]:
    """Every resource in a folder of JSON files (or one file): one resource per file, a JSON list, `{"value": [...]}`
    (an ARM list), `{"data": [...]}` (an Azure Resource Graph query), in ARM's shape or as `az ... show` prints it."""
    root = Path(path)
    if not root.exists():
        raise AksegressError(f"snapshot folder not found: {root}", hint="pass a folder of ARM JSON files (see `aksegress snapshot`)")
    files = [root] if root.is_file() else sorted(root.rglob("*.json"))
    resources: list[dict] = []
    for file in files:
        try:
            doc = json.loads(file.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise AksegressError(f"{file}: not readable JSON ({exc})", hint="fix or remove the file") from exc
        resources += [as_arm(r) for r in _resources_in(doc)]
    if not resources:
        raise AksegressError(f"no ARM JSON found in {root} ({len(files)} .json file(s), none holding a resource with an id)",
                             hint="write one with `aksegress snapshot --env NAME DIR`, or save `az ... show` / `az graph query` output there")
    return resources


def without_secrets(value: Any) -> Any:
    """A copy with every property whose name speaks of a key, secret, password, token or kubeconfig left out."""
    if isinstance(value, dict):
        return {k: without_secrets(v) for k, v in value.items() if not any(w in k.lower().replace("_", "") for w in _SECRET_WORDS)}
    if isinstance(value, list):
        return [without_secrets(v) for v in value]
    return value


def write_directory(resources: Iterable[dict], path: str | Path) -> list[Path]:
    """Each resource's GET body, secrets left out, to its own file in ``path`` (named from its id); the files written."""
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    written = []
    for resource in resources:
        rid = norm_id(resource.get("id"))
        if not rid:
            continue
        parts = [p for p in rid.split("/") if p]
        name = "_".join(parts[3:4] + parts[5:]) if len(parts) > 5 else "_".join(parts)
        stem = f"{parts[1]}_{name}".replace(":", "_")
        if len(stem) > 180:
            stem = stem[:160] + "_" + hashlib.sha1(rid.encode()).hexdigest()[:12]
        file = root / f"{stem}.json"
        file.write_text(json.dumps(without_secrets(resource), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        written.append(file)
    return written
