"""Azure RBAC's rules for actions, shared by the emulator that enforces them and the runbook that declares its needs.

A role allows an action when one of a permission block's `actions` matches it and none of the same block's
`notActions` does; `*` matches any run of characters, case-insensitively. A write that names another resource (a
peering's remote VNet, a subnet's route table, a cluster's subnet, a NIC's subnet) also needs that resource's
`join` action there (`peer` for a remote VNet): ARM's linked authorization.
"""

from __future__ import annotations

import re
from functools import lru_cache

from aksegress import arm_ids

__all__ = ["allows", "linked_actions", "matches"]

_REFERENCE_KEYS = {"remotevirtualnetwork": "peer", "virtualnetwork": "join", "routetable": "join",
                   "networksecuritygroup": "join", "subnet": "join", "publicipaddress": "join", "firewallpolicy": "join",
                   "networkinterfaces": "join", "vnetsubnetid": "join", "podsubnetid": "join"}


@lru_cache(maxsize=1024)
def _pattern(action: str) -> re.Pattern:
    return re.compile(".*".join(re.escape(part) for part in action.split("*")), re.IGNORECASE)


def matches(pattern: str, action: str) -> bool:
    """Whether a role's action string (wildcards allowed) covers `action`."""
    return _pattern(pattern).fullmatch(action) is not None


def allows(blocks: list[dict], action: str) -> bool:
    """Whether any of these permission blocks allows `action`."""
    return any(any(matches(a, action) for a in block.get("actions") or []) and
               not any(matches(n, action) for n in block.get("notActions") or []) for block in blocks)


def linked_actions(body) -> list[tuple[str, str]]:
    """(action, resource id) for each resource a write body references: `join` on it, `peer` on a remote VNet."""
    found: list[tuple[str, str]] = []

    def add(resource_id: str, verb: str) -> None:
        try:
            kind = arm_ids.parse(resource_id).arm_type
        except ValueError:
            return
        entry = (f"{kind}/{verb}/action", resource_id)
        if entry not in found:
            found.append(entry)

    def visit(value, key: str = "") -> None:
        verb = _REFERENCE_KEYS.get(key.lower())
        if isinstance(value, dict):
            if verb and isinstance(value.get("id"), str):
                add(value["id"], verb)
            for child_key, child in value.items():
                visit(child, child_key)
        elif isinstance(value, list):
            for item in value:
                visit(item, key)
        elif verb and isinstance(value, str) and value.lower().startswith("/subscriptions/"):
            add(value, verb)

    visit(body.get("properties") if isinstance(body, dict) else None)
    return found
