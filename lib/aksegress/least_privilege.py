"""The least-privilege roles for one environment, assigned at the narrowest scope that works.

Per subscription, a custom role holds exactly the actions its steps need in resource groups (no wildcard) and is
assigned at each of those groups; a second holds what only the subscription can carry: its resource group list, and
every action in a group that does not exist yet (an assignment needs an existing scope, and creating the group needs
`resourceGroups/write` above it; the node resource groups AKS makes in step 05 are such groups until it has run).
Step 06's role assignments go through Role Based Access Control Administrator under a condition that lets it assign
(and remove) Network Contributor only, as Azure's delegation conditions allow.
"""

from __future__ import annotations

import uuid

from aksegress import arm_ids
from aksegress.desired.network_role import NETWORK_CONTRIBUTOR
from aksegress.permissions import declared_needs

__all__ = ["ASSIGNMENT_ACTIONS", "RBAC_ADMINISTRATOR", "delegation_condition", "existing_groups", "role_plan"]

RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
ASSIGNMENT_ACTIONS = ("microsoft.authorization/roleassignments/write", "microsoft.authorization/roleassignments/delete")
_NAMESPACE = uuid.UUID("5d0c4b8e-2f0a-4d6b-9a57-3c1e8f7b2a90")


def delegation_condition(role: str = NETWORK_CONTRIBUTOR) -> str:
    """An ABAC condition (version 2.0) limiting role assignment writes and deletes to one role definition."""
    return (f"((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR "
            f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{role}}})) AND "
            f"((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/delete'}})) OR "
            f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{role}}}))")


def existing_groups(clients_for, params) -> set[str]:
    """The ids (lower-case) of the resource groups that exist now in the params' subscriptions."""
    return {group.id.lower() for sub in params.subscription_ids() for group in clients_for(sub).resource.resource_groups.list()}


def _role(params, sub: str, actions: set[str], wide: bool) -> dict:
    scope = f"/subscriptions/{sub}"
    guid = str(uuid.uuid5(_NAMESPACE, f"{params.environment}|{sub}" + ("|subscription" if wide else "")))
    name = f"aksegress {params.environment} runbook{', subscription-wide' if wide else ''} ({sub})"
    where = "at the subscription itself or in resource groups not made yet" if wide else "in its resource groups"
    return {"id": guid, "Name": name, "IsCustom": True,
            "Description": f"What the aksegress runbook of environment {params.environment} does {where} in subscription {sub}.",
            "Actions": sorted(actions, key=str.lower), "NotActions": [], "DataActions": [], "NotDataActions": [],
            "AssignableScopes": [scope]}


def _place(need, existing: set[str] | None) -> str:
    """Where a need is granted: its resource group when that exists (or `existing` is None), else the subscription."""
    rid = arm_ids.parse(need.scope)
    if rid.resource_group and (existing is None or need.scope.lower() in existing):
        return need.scope
    return f"/subscriptions/{rid.subscription}"


def role_plan(params, steps, existing: set[str] | None = None) -> dict:
    """{"roles": [role definition in `az role definition create` shape, with its GUID], "assignments": [...],
    "unmade": [groups whose actions go to the subscription], "groups_checked": bool}; `existing` holds the resource group ids (lower-case)
    that exist, None to plan as if all did."""
    actions: dict[tuple[str, bool], set[str]] = {}
    places: dict[tuple[str, bool], set[str]] = {}
    delegated: set[str] = set()
    unmade: set[str] = set()
    for need in declared_needs(params, steps):
        place = _place(need, existing)
        wide = arm_ids.parse(place).resource_group is None
        if wide and arm_ids.parse(need.scope).resource_group:
            unmade.add(need.scope)
        if need.action.lower() in ASSIGNMENT_ACTIONS:
            delegated.add(place)
            continue
        key = (arm_ids.parse(place).subscription.lower(), wide)
        actions.setdefault(key, set()).add(need.action)
        places.setdefault(key, set()).add(place)
    roles, assignments = [], []
    for sub, wide in sorted(actions):
        role = _role(params, sub, actions[sub, wide], wide)
        roles.append(role)
        definition = f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role['id']}"
        assignments += [{"role": role["Name"], "roleDefinitionId": definition, "scope": scope, "condition": None}
                        for scope in sorted(places[sub, wide], key=str.lower)]
    for scope in sorted(delegated, key=str.lower):
        sub = arm_ids.parse(scope).subscription
        assignments.append({"role": "Role Based Access Control Administrator",
                            "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{RBAC_ADMINISTRATOR}",
                            "scope": scope, "condition": delegation_condition()})
    return {"roles": roles, "assignments": assignments, "unmade": sorted(unmade, key=str.lower), "groups_checked": existing is not None}
