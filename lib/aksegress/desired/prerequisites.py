"""Step 00: the resource groups every later step writes into."""

from __future__ import annotations

from aksegress import arm_ids
from aksegress.desired.common import tags_for
from aksegress.plan import Desired


def resource_groups(params, facts=None) -> list[Desired]:
    """One resource group per distinct (subscription, group) the hub and spokes name; an existing hub's is only read."""
    seen, out = set(), []
    for owner, site in params.sites():
        if owner == "hub" and params.hub.existing:
            continue
        rid = arm_ids.resource_group_id(site.subscription_id, site.resource_group)
        if rid.lower() not in seen:
            seen.add(rid.lower())
            out.append(Desired(rid, {"location": params.location, "tags": tags_for(params)}))
    return out
