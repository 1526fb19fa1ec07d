"""Microsoft.Authorization: role assignments at any scope and the built-in role definitions they refer to.

An assignment lives at `{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`, where the scope
is a subscription, a resource group or any resource (a subnet too). Listing honours ARM's `$filter`s:
`atScope()` gives the assignments at and above the scope, `principalId eq '...'` (or `assignedTo('...')`)
one principal's at, above and below it; with no filter, all three. `properties.scope` is the scope's id as
stored, which `az aks create` compares exactly. Built-in role definitions are served, not stored, at the
tenant (`/providers/...`) and under every subscription; custom ones are PUT at a subscription or resource group
scope and stored; both can be found by `roleName eq '...'` and `type eq 'BuiltInRole'|'CustomRole'`.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from aksegress.emulator.built_in_roles import BUILT_IN_ROLES
from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.store import Record

ASSIGNMENT = "Microsoft.Authorization/roleAssignments"
DEFINITION = "Microsoft.Authorization/roleDefinitions"

_BUILT_IN_DATE = "2015-02-02T21:55:09.8806423Z"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CLAUSE = re.compile(r"^(?:(atScope)\(\)|assignedTo\('([^']*)'\)|(\w+) eq '([^']*)')$", re.IGNORECASE)


def _filters(expression: str) -> dict[str, str]:
    """The clauses of a `$filter` joined by `and`: {"atscope": "", "principalid": "...", "rolename": "...", ...}."""
    found = {}
    for part in (p.strip() for p in re.split(r"\s+and\s+", expression or "", flags=re.IGNORECASE)):
        match = _CLAUSE.match(part) if part else None
        if part and match is None:
            raise ArmError(400, "InvalidFilterInQueryString", f"Invalid $filter '{expression}'.")
        if match and match.group(1):
            found["atscope"] = ""
        elif match and match.group(2) is not None:
            found["principalid"] = match.group(2)
        elif match:
            found[match.group(3).lower()] = match.group(4)
    return found


def _definition_id(sub: str, guid: str) -> str:
    prefix = f"/subscriptions/{sub}" if sub else ""
    return f"{prefix}/providers/{DEFINITION}/{guid}"


def built_in_definition(sub: str, guid: str) -> Record | None:
    """A built-in role definition as it appears under subscription `sub` ("" for the tenant), or None."""
    role = BUILT_IN_ROLES.get(guid.lower())
    if role is None:
        return None
    name, description, actions, not_actions = role
    body = {"id": _definition_id(sub, guid.lower()), "name": guid.lower(), "type": DEFINITION,
            "properties": {"roleName": name, "type": "BuiltInRole", "description": description, "assignableScopes": ["/"],
                           "permissions": [{"actions": list(actions), "notActions": list(not_actions),
                                            "dataActions": [], "notDataActions": []}],
                           "createdOn": _BUILT_IN_DATE, "updatedOn": _BUILT_IN_DATE, "createdBy": None, "updatedBy": None}}
    return Record(body["id"], DEFINITION, body)


def custom_definition(arm: Arm, guid: str) -> Record | None:
    """A custom role definition by its GUID, wherever in the tenant it was created."""
    for record in arm.store.of_type(DEFINITION):
        if record.body["name"].lower() == guid.lower():
            return record
    return None


def role_permissions(arm: Arm, guid: str) -> list[dict]:
    """The permission blocks of a built-in or custom role ([] for a role that no longer exists)."""
    found = built_in_definition("", guid) or custom_definition(arm, guid)
    return found.body["properties"]["permissions"] if found else []


def _permission(block) -> dict:
    if not isinstance(block, dict):
        raise ArmError(400, "InvalidRoleDefinition", "Each entry of the role definition's permissions must be an object.")
    lists = {}
    for key in ("actions", "notActions", "dataActions", "notDataActions"):
        value = block.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise ArmError(400, "InvalidActionOrNotAction", f"The role definition's '{key}' must be a list of action strings.")
        lists[key] = value
    return lists


class RoleDefinitionHandler(ResourceHandler):
    """Built-in roles are computed per request, never stored; custom roles are stored where they were PUT."""

    type = DEFINITION
    etag_format = None
    tenant_level = True
    update_status = 201
    delete_returns_body = True

    def validate(self, arm, body, existing):
        name, props = body["name"], body["properties"]
        if not _GUID.match(name):
            raise ArmError(400, "InvalidRoleDefinitionId",
                           f"The role definition ID '{name}' is not valid. The role definition ID must be a GUID.")
        if name.lower() in BUILT_IN_ROLES:
            raise ArmError(400, "RoleDefinitionUpdateNotPermitted", "Built-in role definitions cannot be changed.")
        role_name = str(props.get("roleName") or "").strip()
        if not role_name:
            raise ArmError(400, "RoleDefinitionNameNullOrEmpty", "The role definition name cannot be null or empty.")
        scopes = props.get("assignableScopes")
        if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and s.startswith("/") for s in scopes):
            raise ArmError(400, "InvalidAssignableScopes", "The role definition must have at least one assignable scope.")
        permissions = props.get("permissions")
        if not isinstance(permissions, list) or not permissions:
            raise ArmError(400, "InvalidPermissions", "The role definition must have at least one permission.")
        for other in arm.store.of_type(DEFINITION):
            if other.body["name"].lower() != name.lower() and \
                    other.body["properties"]["roleName"].lower() == role_name.lower():
                raise ArmError(409, "RoleDefinitionWithSameNameExists",
                               f"A custom role with the same name '{role_name}' already exists in this directory.")
        if any(role_name.lower() == role[0].lower() for role in BUILT_IN_ROLES.values()):
            raise ArmError(409, "RoleDefinitionWithSameNameExists",
                           f"A role with the same name '{role_name}' already exists in this directory.")
        now = _now()
        body["properties"] = {"roleName": role_name, "type": "CustomRole", "description": props.get("description"),
                              "assignableScopes": scopes, "permissions": [_permission(p) for p in permissions],
                              "createdOn": existing.body["properties"]["createdOn"] if existing else now,
                              "updatedOn": now, "createdBy": None, "updatedBy": None}
        return body

    def render(self, arm, record):
        properties = {k: v for k, v in record.body["properties"].items() if k != "provisioningState"}
        return dict(record.body, properties=properties)

    def find(self, arm, arm_path):
        guid = arm_path.names[-1]
        found = built_in_definition(arm_path.sub, guid) or custom_definition(arm, guid)
        if found is None:
            raise ArmError(404, "RoleDefinitionDoesNotExist",
                           f"The specified role definition with ID '{guid}' does not exist.")
        return found

    def collection(self, arm, arm_path, request):
        clauses = _filters(request.query.get("$filter", ""))
        kind = clauses.get("type", "").lower()
        role_name = clauses.get("rolename", "").lower()
        records = [built_in_definition(arm_path.sub, guid) for guid in BUILT_IN_ROLES] if kind in ("", "builtinrole") else []
        if kind in ("", "customrole"):
            records += arm.store.of_type(DEFINITION)
        return [r for r in records if role_name in ("", r.body["properties"]["roleName"].lower())]


def _scope_of(assignment_id: str) -> str:
    return assignment_id[:assignment_id.lower().rindex(f"/providers/{ASSIGNMENT.lower()}/")]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


class RoleAssignmentHandler(ResourceHandler):
    type = ASSIGNMENT
    etag_format = None
    update_status = 201
    delete_returns_body = True

    def validate(self, arm, body, existing):
        name, props = body["name"], body["properties"]
        if not _GUID.match(name):
            raise ArmError(400, "InvalidRoleAssignmentId",
                           f"The role assignment ID '{name}' is not valid. The role assignment ID must be a GUID.")
        principal = str(props.get("principalId") or "")
        if not _GUID.match(principal):
            raise ArmError(400, "InvalidPrincipalId", "A valid principal ID must be provided for role assignment.")
        if not props.get("principalType"):
            _check_replicated(arm, principal)
        role = str(props.get("roleDefinitionId") or "").rstrip("/").rsplit("/", 1)[-1]
        if built_in_definition("", role) is None and custom_definition(arm, role) is None:
            raise ArmError(400, "RoleDefinitionDoesNotExist",
                           f"The specified role definition with ID '{role}' does not exist.")
        scope = _scope_of(body["id"])
        _check_unique(arm, body["id"], scope, role.lower(), principal.lower())
        now = _now()
        created = existing.body["properties"].get("createdOn", now) if existing else now
        props.pop("provisioningState", None)
        role_id = _definition_id(body["id"].split("/")[2], role.lower()) if role.lower() in BUILT_IN_ROLES else \
            custom_definition(arm, role).id
        body["properties"] = {"roleDefinitionId": role_id,
                              "principalId": principal, "principalType": props.get("principalType") or "User",
                              "scope": scope, "condition": props.get("condition"),
                              "conditionVersion": props.get("conditionVersion"), "description": props.get("description"),
                              "createdOn": created, "updatedOn": now, "createdBy": None, "updatedBy": None,
                              "delegatedManagedIdentityResourceId": None}
        return body

    def render(self, arm, record):
        properties = {k: v for k, v in record.body["properties"].items() if k != "provisioningState"}
        return dict(record.body, properties=properties)

    def find(self, arm, arm_path):
        record = arm.get(arm_path.id)
        if record is None:
            raise ArmError(404, "RoleAssignmentNotFound", f"The role assignment '{arm_path.names[-1]}' is not found.")
        return record

    def collection(self, arm, arm_path, request):
        clauses = _filters(request.query.get("$filter", ""))
        scope = arm_path.scope.lower()
        principal = clauses.get("principalid", "").lower()
        found = []
        for record in arm.store.in_subscription(arm_path.sub, ASSIGNMENT):
            props = record.body["properties"]
            assigned = props["scope"].lower()
            above = assigned == scope or scope.startswith(assigned + "/")
            below = assigned.startswith(scope + "/")
            if (above or (below and "atscope" not in clauses)) and principal in ("", props["principalId"].lower()):
                found.append(record)
        return found


_CREATED = "principal-created:"


def note_new_principal(arm: Arm, principal_id: str) -> None:
    """Remember when a managed identity's service principal was made (for Entra's replication delay)."""
    arm.store.set_setting(_CREATED + principal_id.lower(), repr(time.time()))


def _check_replicated(arm: Arm, principal: str) -> None:
    """Entra replicates a new principal within seconds to minutes; until then ARM cannot find it, unless the
    assignment names its principalType (Microsoft's documented way around the delay)."""
    created = arm.store.setting(_CREATED + principal.lower())
    delay = arm.profile.principal_replication_seconds
    if created and time.time() - float(created) < delay:
        raise ArmError(400, "PrincipalNotFound",
                       f"Principal {principal.replace('-', '')} does not exist in the directory {arm.store.setting('tenant_id')}. "
                       "Check that you have the correct principal ID. If you are creating this principal and then immediately "
                       "assigning a role, this error might be related to a replication delay. In this case, set the role "
                       "assignment principalType property to a value, such as ServicePrincipal, User, or Group.  "
                       "See https://aka.ms/docs-principaltype")


def _check_unique(arm: Arm, assignment_id: str, scope: str, role: str, principal: str) -> None:
    """A GUID names one assignment in the tenant; one (scope, role, principal) has one assignment."""
    name = assignment_id.rsplit("/", 1)[-1].lower()
    for other in arm.store.of_type(ASSIGNMENT):
        props = other.body["properties"]
        same = (props["scope"].lower(), props["roleDefinitionId"].rsplit("/", 1)[-1].lower(),
                props["principalId"].lower()) == (scope.lower(), role, principal)
        if other.key == assignment_id.lower():
            if not same:
                raise ArmError(400, "RoleAssignmentUpdateNotPermitted",
                               "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
        elif other.body["name"].lower() == name:
            raise ArmError(400, "RoleAssignmentUpdateNotPermitted",
                           "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.")
        elif same:
            raise ArmError(409, "RoleAssignmentExists", "The role assignment already exists.")


HANDLERS = [RoleAssignmentHandler(), RoleDefinitionHandler()]
