"""Azure RBAC for every ARM request: the action a request needs, the caller's grants at a scope, and ARM's 403s.

A grant is an assignment at the request's scope or above it (subscription, resource group, resource); how a role's
actions match and which references a write links to are `aksegress.rbac_actions`, shared with the runbook's own
declaration of what it needs.
The emulator's own principal holds Owner on every subscription, so runs that do not set up principals never see a 403.
"""

from __future__ import annotations

import re

from aksegress.emulator.built_in_roles import OWNER
from aksegress.emulator.engine import Arm, ArmError, ArmPath
from aksegress.emulator.ids import type_of
from aksegress.emulator.providers.authorization import ASSIGNMENT, role_permissions
from aksegress.rbac_actions import allows, linked_actions

PERMISSIONS = "permissions"
_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}


_ASSIGNING = ("microsoft.authorization/roleassignments/write", "microsoft.authorization/roleassignments/delete")
_CONDITION_ROLES = re.compile(r"roleAssignments:RoleDefinitionId\]\s+ForAnyOfAnyValues:GuidEquals\s+\{([^}]*)\}", re.IGNORECASE)


def _delegable_roles(condition: str | None) -> set[str] | None:
    """The roles a delegation condition lets an assignment's holder assign; None when it sets no such limit.

    Only the shape Azure's portal writes for constrained delegation is read: `... roleAssignments:RoleDefinitionId]
    ForAnyOfAnyValues:GuidEquals {guid, ...}`; a condition naming other attributes limits nothing here.
    """
    found = _CONDITION_ROLES.findall(condition or "")
    return {g.strip().lower() for group in found for g in group.split(",")} if found else None


def _within(scope: str, assigned: str) -> bool:
    scope, assigned = scope.lower().rstrip("/"), assigned.lower().rstrip("/")
    return scope == assigned or scope.startswith(assigned + "/")


class Grants:
    """One principal's role assignments, read once per request: what it may do where."""

    def __init__(self, arm: Arm, principal: str, *, owner_everywhere: bool = False):
        self.principal, self.arm = principal, arm
        if owner_everywhere:
            subs = [f"/subscriptions/{s}" for s, _, _ in arm.store.subscriptions()]
            self.assigned = [(scope, role_permissions(arm, OWNER), None) for scope in subs]
            return
        roles: dict[str, list[dict]] = {}
        self.assigned = []
        for record in arm.store.of_type(ASSIGNMENT):
            props = record.body["properties"]
            if props["principalId"].lower() == principal.lower():
                guid = props["roleDefinitionId"].rsplit("/", 1)[-1].lower()
                if guid not in roles:
                    roles[guid] = role_permissions(arm, guid)
                self.assigned.append((props["scope"], roles[guid], _delegable_roles(props.get("condition"))))

    def blocks(self, scope: str, assigning: str | None = None) -> list[dict]:
        """The permission blocks that apply at `scope` (one per role assigned at it or above); with `assigning` (the
        role a role assignment write or delete names), only those whose assignment's condition lets it be assigned."""
        return [block for assigned, blocks, delegable in self.assigned if _within(scope, assigned)
                and (assigning is None or delegable is None or assigning.lower() in delegable) for block in blocks]

    def allows(self, action: str, scope: str, assigning: str | None = None) -> bool:
        return allows(self.blocks(scope, assigning if action.lower() in _ASSIGNING else None), action)

    def sees_subscription(self, sub: str) -> bool:
        """Any assignment at, above or inside a subscription makes it visible (listed and readable)."""
        root = f"/subscriptions/{sub}".lower()
        return any(_within(root, s) or s.lower().startswith(root + "/") for s, _, _ in self.assigned)


def required_action(arm_path: ArmPath, method: str) -> tuple[str, str] | None:
    """(action, scope) a request needs; None for what any signed-in caller may do (polls, tenant-level reads)."""
    verb = _VERBS.get(method)
    kind = arm_path.kind
    if kind in ("subscriptions", "subscription", "operation") or (not arm_path.sub and method in ("GET", "HEAD")):
        return None
    sub_scope = f"/subscriptions/{arm_path.sub}"
    if kind == "resourceGroups":
        return "Microsoft.Resources/subscriptions/resourceGroups/read", sub_scope
    if kind == "resourceGroup" and verb:
        return f"Microsoft.Resources/subscriptions/resourceGroups/{verb}", f"{sub_scope}/resourceGroups/{arm_path.rg}"
    if kind == "genericList":
        scope = f"{sub_scope}/resourceGroups/{arm_path.rg}" if arm_path.rg else sub_scope
        where = "resourceGroups/resources" if arm_path.rg else "resources"
        return f"Microsoft.Resources/subscriptions/{where}/read", scope
    if kind == "collection" and method == "POST":
        owner = "/".join((arm_path.namespace,) + arm_path.types[:-1])
        return f"{owner}/{arm_path.types[-1]}/action", arm_path.parent_id
    if kind == "collection" and method == "GET":
        return f"{arm_path.full_type}/read", arm_path.parent_id if len(arm_path.types) > 1 else arm_path.scope
    if kind == "resource" and verb:
        return f"{arm_path.full_type}/{verb}", arm_path.id
    return None


def is_permissions_query(arm_path: ArmPath) -> bool:
    return arm_path.kind == "collection" and arm_path.namespace.lower() == "microsoft.authorization" and \
        [t.lower() for t in arm_path.types] == [PERMISSIONS]


def authorization_failed(principal: str, action: str, scope: str) -> ArmError:
    return ArmError(403, "AuthorizationFailed",
                    f"The client '{principal}' with object id '{principal}' does not have authorization to perform "
                    f"action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, "
                    "please refresh your credentials.")


def linked_authorization_failed(principal: str, action: str, scope: str, missing: list[tuple[str, str]]) -> ArmError:
    actions, scopes = ",".join(a for a, _ in missing), ",".join(s for _, s in missing)
    return ArmError(403, "LinkedAuthorizationFailed",
                    f"The client '{principal}' with object id '{principal}' has permission to perform action "
                    f"'{action}' on scope '{scope}'; however, it does not have permission to perform action(s) "
                    f"'{actions}' on the linked scope(s) '{scopes}' (respectively) or the linked scope(s) are invalid.")


def _assigned_role(arm: Arm, arm_path: ArmPath, method: str, body) -> str | None:
    """The role a role assignment write (from its body) or delete (from the stored assignment) names."""
    if arm_path.full_type.lower() != "microsoft.authorization/roleassignments" or arm_path.kind != "resource":
        return None
    if method == "PUT":
        props = (body or {}).get("properties") if isinstance(body, dict) else None
    else:
        stored = arm.get(arm_path.id)
        props = stored.body.get("properties") if stored else None
    return str((props or {}).get("roleDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1] or None


def _tags_by_resource_write(arm_path: ArmPath, method: str) -> tuple[str, str] | None:
    """For a write of a scope's tags, the write on the resource itself, which also allows it (docs/arm-wire-format.md#91-the-tags-operation)."""
    if method == "GET" or arm_path.full_type.lower() != "microsoft.resources/tags" or arm_path.scope.count("/") < 4:
        return None
    parts = arm_path.scope.strip("/").split("/")
    if len(parts) == 4:
        return "Microsoft.Resources/subscriptions/resourceGroups/write", arm_path.scope
    return f"{type_of(arm_path.scope)}/write", arm_path.scope


def authorize(grants: Grants, arm_path: ArmPath, method: str, body) -> list[tuple[str, str]]:
    """The (action, scope) pairs this request needs, checked: ARM's 403 unless the caller may send it (and, for a
    write, use what it references)."""
    if arm_path.kind == "subscription" and not grants.sees_subscription(arm_path.sub):
        raise authorization_failed(grants.principal, "Microsoft.Resources/subscriptions/read", f"/subscriptions/{arm_path.sub}")
    needed = required_action(arm_path, method)
    if needed is None or is_permissions_query(arm_path):
        return []
    action, scope = needed
    if not grants.allows(action, scope, _assigned_role(grants.arm, arm_path, method, body)):
        fallback = _tags_by_resource_write(arm_path, method)
        if fallback is None or not grants.allows(*fallback):
            raise authorization_failed(grants.principal, action, scope)
        needed = fallback
    linked = linked_actions(body) if method in ("PUT", "PATCH") else []
    missing = [(a, s) for a, s in linked if not grants.allows(a, s)]
    if missing:
        raise linked_authorization_failed(grants.principal, action, scope, missing)
    return [needed, *linked]


def permissions_answer(grants: Grants, scope: str) -> dict:
    """The body of GET {scope}/providers/Microsoft.Authorization/permissions: one entry per applicable role."""
    return {"value": [{"actions": list(b["actions"]), "notActions": list(b["notActions"]),
                       "dataActions": list(b.get("dataActions", [])), "notDataActions": list(b.get("notDataActions", []))}
                      for b in grants.blocks(scope)]}
