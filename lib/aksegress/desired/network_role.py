"""Step 06: Network Contributor for each cluster's identity on its node subnet and its route table.

The article grants the role on the whole VNet. The narrowest scopes that work are the two resources the
cluster's identity acts on: the subnet its nodes and API endpoint join, and the route table it reads.
"""

from __future__ import annotations

import uuid

from aksegress import arm_ids
from aksegress.desired.common import subnet_id
from aksegress.desired.route_tables import route_table_id
from aksegress.plan import Desired

NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
_NAMESPACE = uuid.UUID("0f6d1c3a-3b52-4d55-9c38-6a2a8f2a0e51")


def role_assignment_id(scope: str, role: str, principal: str) -> str:
    """A stable GUID per (scope, role, principal), so a re-run finds the assignment it made."""
    name = uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{role}|{principal.lower()}")
    return f"{scope}/providers/Microsoft.Authorization/roleAssignments/{name}"


def role_scopes(spoke) -> list[str]:
    return [subnet_id(spoke, spoke.cluster.subnet), route_table_id(spoke)]


def network_roles(params, facts) -> list[Desired]:
    out = []
    for key, spoke in params.spokes_with_cluster():
        principal = facts.cluster(key).principal_id
        role = f"/subscriptions/{spoke.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{NETWORK_CONTRIBUTOR}"
        for scope in role_scopes(spoke):
            label = f"Network Contributor on {'/'.join(arm_ids.parse(scope).names)} for {spoke.cluster.name}'s identity"
            out.append(Desired(role_assignment_id(scope, NETWORK_CONTRIBUTOR, principal), {"properties": {
                "roleDefinitionId": role, "principalId": principal, "principalType": "ServicePrincipal"}}, label=label))
    return out
