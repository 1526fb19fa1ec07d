"""ARM resource dicts as they come off the wire: ids, types, inline children flattened into their own entries."""

from __future__ import annotations

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


def read_directory(path: str | Path) -> list[dict]:
    """Every resource in a folder of JSON files: one resource per file, a JSON list, or `{"value": [...]}`."""
    root = Path(path)
    if not root.is_dir():
        raise AksegressError(f"snapshot folder not found: {root}", hint="pass a folder of ARM JSON files")
    resources: list[dict] = []
    for file in sorted(root.rglob("*.json")):
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise AksegressError(f"{file}: not readable JSON ({exc})", hint="fix or remove the file") from exc
        if isinstance(doc, dict) and isinstance(doc.get("value"), list):
            resources.extend(doc["value"])
        elif isinstance(doc, list):
            resources.extend(doc)
        elif isinstance(doc, dict):
            resources.append(doc)
    return resources
