"""The least-privilege roles for one environment: a custom role per subscription holding exactly the actions its steps
need there (no wildcard), and, for step 06's role assignments, Role Based Access Control Administrator under a
condition that lets it assign (and remove) Network Contributor only, as Azure's delegation conditions allow.
"""

from __future__ import annotations

import uuid

from aksegress import arm_ids
from aksegress.desired.network_role import NETWORK_CONTRIBUTOR
from aksegress.permissions import declared_needs

__all__ = ["ASSIGNMENT_ACTIONS", "RBAC_ADMINISTRATOR", "delegation_condition", "role_plan"]

RBAC_ADMINISTRATOR = "f58310d9-a9f6-439a-9e8d-f62e7b41a168"
ASSIGNMENT_ACTIONS = ("microsoft.authorization/roleassignments/write", "microsoft.authorization/roleassignments/delete")
_NAMESPACE = uuid.UUID("5d0c4b8e-2f0a-4d6b-9a57-3c1e8f7b2a90")


def delegation_condition(role: str = NETWORK_CONTRIBUTOR) -> str:
    """An ABAC condition (version 2.0) limiting role assignment writes and deletes to one role definition."""
    return (f"((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/write'}})) OR "
            f"(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{role}}})) AND "
            f"((!(ActionMatches{{'Microsoft.Authorization/roleAssignments/delete'}})) OR "
            f"(@Resource[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{role}}}))")


def role_plan(params, steps) -> dict:
    """{"roles": [role definition in `az role definition create` shape, with its GUID], "assignments": [...]}."""
    by_sub: dict[str, set[str]] = {}
    assigners: set[str] = set()
    for need in declared_needs(params, steps):
        sub = arm_ids.parse(need.scope).subscription.lower()
        if need.action.lower() in ASSIGNMENT_ACTIONS:
            assigners.add(sub)
        else:
            by_sub.setdefault(sub, set()).add(need.action)
    roles, assignments = [], []
    for sub in sorted(by_sub):
        scope = f"/subscriptions/{sub}"
        guid = str(uuid.uuid5(_NAMESPACE, f"{params.environment}|{sub}"))
        name = f"aksegress {params.environment} runbook ({sub})"
        roles.append({"id": guid, "Name": name, "IsCustom": True,
                      "Description": f"What the aksegress runbook of environment {params.environment} does in subscription {sub}.",
                      "Actions": sorted(by_sub[sub], key=str.lower), "NotActions": [], "DataActions": [], "NotDataActions": [],
                      "AssignableScopes": [scope]})
        assignments.append({"role": name, "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}",
                            "scope": scope, "condition": None})
    for sub in sorted(assigners):
        scope = f"/subscriptions/{sub}"
        assignments.append({"role": "Role Based Access Control Administrator",
                            "roleDefinitionId": f"{scope}/providers/Microsoft.Authorization/roleDefinitions/{RBAC_ADMINISTRATOR}",
                            "scope": scope, "condition": delegation_condition()})
    return {"roles": roles, "assignments": assignments}
