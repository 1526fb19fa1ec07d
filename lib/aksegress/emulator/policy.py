"""Azure Policy deny assignments the emulator enforces, as a landing-zone estate assigns them: state and rules apart
from HTTP.

ARM evaluates a deny policy on the request of a PUT before the resource provider sees it and answers 403
`RequestDisallowedByPolicy`, naming the assignment and the definition (docs/network-behaviour.md#51-nsgs-the-runbook-creates).
Only the definitions below can be assigned; assignments are kept in the state file, so a restarted emulator keeps them.
"""

from __future__ import annotations

import json

from aksegress.emulator.errors import ArmError
from aksegress.emulator.ids import ArmPath
from aksegress.emulator.store import Store

__all__ = ["DENY_SUBNET_WITHOUT_NSG", "Policies"]

DENY_SUBNET_WITHOUT_NSG = "Deny-Subnet-Without-Nsg"
_DEFINITIONS = {DENY_SUBNET_WITHOUT_NSG.lower(): (DENY_SUBNET_WITHOUT_NSG, "Subnets should have a Network Security Group")}
_EXCLUDED_SUBNETS = frozenset({"gatewaysubnet", "azurefirewallsubnet", "azurefirewallmanagementsubnet"})
"""The definition's `excludedSubnets` default in the Azure landing zone reference."""
_SETTING = "policy-assignments"


def _subnets_without_nsg(arm_path: ArmPath, body: dict) -> list[str]:
    """Names of the subnets a PUT would leave without an NSG (outside the excluded ones), as the definition counts them."""
    full_type = arm_path.full_type.lower()
    props = body.get("properties") if isinstance(body.get("properties"), dict) else {}
    if full_type == "microsoft.network/virtualnetworks":
        subnets = [(s.get("name") or "", s.get("properties") or {}) for s in props.get("subnets") or [] if isinstance(s, dict)]
    elif full_type == "microsoft.network/virtualnetworks/subnets":
        subnets = [(arm_path.names[-1], props)]
    else:
        return []
    return [name for name, sub in subnets
            if name.lower() not in _EXCLUDED_SUBNETS and not ((sub.get("networkSecurityGroup") or {}).get("id"))]


class Policies:
    """The deny assignments in force, by scope."""

    def __init__(self, store: Store):
        self._store = store

    def assignments(self) -> list[dict]:
        return json.loads(self._store.setting(_SETTING) or "[]")

    def assign(self, definition: str, scope: str) -> dict:
        """Assign a modelled definition at a subscription or resource group scope; ARM's shape of the assignment."""
        known = _DEFINITIONS.get(definition.lower())
        if known is None:
            raise ArmError(400, "PolicyDefinitionNotFound", f"The policy definition '{definition}' could not be found; the emulator "
                                                            f"models: {', '.join(name for name, _ in _DEFINITIONS.values())}.")
        name, display = known
        scope = "/" + scope.strip("/")
        assignment = {"name": name, "displayName": display, "scope": scope,
                      "id": f"{scope}/providers/Microsoft.Authorization/policyAssignments/{name}",
                      "definitionId": f"{scope.split('/resourceGroups/')[0]}/providers/Microsoft.Authorization/policyDefinitions/{name}"}
        kept = [a for a in self.assignments() if a["id"].lower() != assignment["id"].lower()]
        self._store.set_setting(_SETTING, json.dumps(kept + [assignment]))
        return assignment

    def check(self, arm_path: ArmPath, method: str, body) -> None:
        """Refuse a PUT that an assignment covering its resource denies, with ARM's 403."""
        if method != "PUT" or arm_path.kind != "resource" or not isinstance(body, dict):
            return
        for assignment in self.assignments():
            scope = assignment["scope"].lower()
            if (arm_path.id.lower() + "/").startswith(scope + "/") and _subnets_without_nsg(arm_path, body):
                raise _disallowed(arm_path.names[-1], assignment)


def _disallowed(resource: str, assignment: dict) -> ArmError:
    _, display = _DEFINITIONS[assignment["name"].lower()]
    identifiers = json.dumps([{"policyAssignment": {"name": assignment["displayName"], "id": assignment["id"]},
                               "policyDefinition": {"name": display, "id": assignment["definitionId"]}}], separators=(",", ":"))
    info = {"policyDefinitionDisplayName": display, "policyDefinitionId": assignment["definitionId"],
            "policyDefinitionName": assignment["name"], "policyDefinitionEffect": "Deny", "policyAssignmentId": assignment["id"],
            "policyAssignmentName": assignment["name"], "policyAssignmentDisplayName": assignment["displayName"],
            "policyAssignmentScope": assignment["scope"], "policyAssignmentParameters": {}}
    return ArmError(403, "RequestDisallowedByPolicy", f"Resource '{resource}' was disallowed by policy. Policy identifiers: '{identifiers}'.",
                    target=resource, additional_info=[{"type": "PolicyViolation", "info": info}])
