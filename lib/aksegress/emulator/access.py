"""Azure RBAC for every ARM request: the action a request needs, the caller's grants at a scope, and ARM's 403s.

A grant is an assignment at the request's scope or above it (subscription, resource group, resource); how a role's
actions match and which references a write links to are `aksegress.rbac_actions`, shared with the runbook's own
declaration of what it needs.
The emulator's own principal holds Owner on every subscription, so runs that do not set up principals never see a 403.
"""

from __future__ import annotations

from aksegress.emulator.built_in_roles import OWNER
from aksegress.emulator.engine import Arm, ArmError, ArmPath
from aksegress.emulator.providers.authorization import ASSIGNMENT, role_permissions
from aksegress.rbac_actions import allows, linked_actions

PERMISSIONS = "permissions"
_VERBS = {"GET": "read", "HEAD": "read", "PUT": "write", "PATCH": "write", "DELETE": "delete"}


def _within(scope: str, assigned: str) -> bool:
    scope, assigned = scope.lower().rstrip("/"), assigned.lower().rstrip("/")
    return scope == assigned or scope.startswith(assigned + "/")


class Grants:
    """One principal's role assignments, read once per request: what it may do where."""

    def __init__(self, arm: Arm, principal: str, *, owner_everywhere: bool = False):
        self.principal = principal
        if owner_everywhere:
            subs = [f"/subscriptions/{s}" for s, _, _ in arm.store.subscriptions()]
            self.assigned = [(scope, role_permissions(arm, OWNER)) for scope in subs]
            return
        roles: dict[str, list[dict]] = {}
        self.assigned = []
        for record in arm.store.of_type(ASSIGNMENT):
            props = record.body["properties"]
            if props["principalId"].lower() == principal.lower():
                guid = props["roleDefinitionId"].rsplit("/", 1)[-1].lower()
                if guid not in roles:
                    roles[guid] = role_permissions(arm, guid)
                self.assigned.append((props["scope"], roles[guid]))

    def blocks(self, scope: str) -> list[dict]:
        """The permission blocks that apply at `scope` (one per role assigned at it or above)."""
        return [block for assigned, blocks in self.assigned if _within(scope, assigned) for block in blocks]

    def allows(self, action: str, scope: str) -> bool:
        return allows(self.blocks(scope), action)

    def sees_subscription(self, sub: str) -> bool:
        """Any assignment at, above or inside a subscription makes it visible (listed and readable)."""
        root = f"/subscriptions/{sub}".lower()
        return any(_within(root, s) or s.lower().startswith(root + "/") for s, _ in self.assigned)


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


def authorize(grants: Grants, arm_path: ArmPath, method: str, body) -> None:
    """Raise ARM's 403 unless the caller may send this request (and, for a write, use what it references)."""
    if arm_path.kind == "subscription" and not grants.sees_subscription(arm_path.sub):
        raise authorization_failed(grants.principal, "Microsoft.Resources/subscriptions/read", f"/subscriptions/{arm_path.sub}")
    needed = required_action(arm_path, method)
    if needed is None or is_permissions_query(arm_path):
        return
    action, scope = needed
    if not grants.allows(action, scope):
        raise authorization_failed(grants.principal, action, scope)
    if method in ("PUT", "PATCH"):
        missing = [(a, s) for a, s in linked_actions(body) if not grants.allows(a, s)]
        if missing:
            raise linked_authorization_failed(grants.principal, action, scope, missing)


def permissions_answer(grants: Grants, scope: str) -> dict:
    """The body of GET {scope}/providers/Microsoft.Authorization/permissions: one entry per applicable role."""
    return {"value": [{"actions": list(b["actions"]), "notActions": list(b["notActions"]),
                       "dataActions": list(b.get("dataActions", [])), "notDataActions": list(b.get("notDataActions", []))}
                      for b in grants.blocks(scope)]}
