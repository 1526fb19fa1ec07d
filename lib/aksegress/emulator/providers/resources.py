"""Microsoft.Resources: subscriptions, resource groups (cascading async delete), the generic resource list, and the
tags of a resource or group (`{scope}/providers/Microsoft.Resources/tags/default`)."""

from __future__ import annotations

from aksegress.emulator.engine import Arm, ArmError, ArmPath, ArmRequest, ArmResponse, ResourceHandler
from aksegress.emulator.request_checks import check_tags
from aksegress.emulator.store import Record

GROUP_TYPE = "Microsoft.Resources/resourceGroups"
TAGS_TYPE = "Microsoft.Resources/tags"
_TAG_OPERATIONS = ("merge", "replace", "delete")


class ResourceGroupHandler(ResourceHandler):
    type = GROUP_TYPE
    long_running = True
    requires_location = True
    etag_format = None


HANDLERS = [ResourceGroupHandler()]


def _subscription_body(sub: str, tenant_id: str, display_name: str) -> dict:
    return {
        "id": f"/subscriptions/{sub}",
        "subscriptionId": sub,
        "tenantId": tenant_id,
        "displayName": display_name,
        "state": "Enabled",
        "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                 "spendingLimit": "Off"},
        "authorizationSource": "RoleBased",
        "managedByTenants": [],
        "tags": {},
    }


def list_subscriptions(arm: Arm, request: ArmRequest) -> ArmResponse:
    return arm.page([_subscription_body(*row) for row in arm.store.subscriptions()], request)


def get_subscription(arm: Arm, sub: str) -> ArmResponse:
    for row in arm.store.subscriptions():
        if row[0] == sub.lower():
            return ArmResponse(200, _subscription_body(*row))
    raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")


def _group_view(record: Record) -> dict:
    body = dict(record.body)
    body.pop("etag", None)
    return body


def list_groups(arm: Arm, sub: str, request: ArmRequest) -> ArmResponse:
    arm.require_subscription(sub)
    groups = arm.store.children(f"/subscriptions/{sub}", GROUP_TYPE)
    return arm.page([_group_view(g) for g in groups], request)


def get_group(arm: Arm, sub: str, rg: str, request: ArmRequest) -> ArmResponse:
    arm.require_subscription(sub)
    record = arm.require_resource_group(sub, rg)
    if request.method == "HEAD":
        return ArmResponse(204)
    return ArmResponse(200, _group_view(record))


def put_group(arm: Arm, sub: str, rg: str, request: ArmRequest) -> ArmResponse:
    """Resource groups are created and updated synchronously (no async operation), as ARM does."""
    arm.require_subscription(sub)
    body = request.json()
    location = str(body.get("location") or "").replace(" ", "").lower()
    if not location:
        raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
    existing = arm.get(f"/subscriptions/{sub}/resourceGroups/{rg}")
    if existing and existing.body["properties"].get("provisioningState") == "Deleting":
        raise ArmError(409, "ResourceGroupBeingDeleted",
                       f"The resource group '{existing.id.rsplit('/', 1)[-1]}' is in deprovisioning state and cannot perform this operation.")
    if existing and existing.body["location"] != location:
        raise ArmError(409, "InvalidResourceGroupLocation",
                       f"Invalid resource group location '{location}'. The Resource group already exists in location "
                       f"'{existing.body['location']}'.")
    rid = existing.id if existing else f"/subscriptions/{sub.lower()}/resourceGroups/{rg}"
    view = {"id": rid, "name": rid.rsplit("/", 1)[-1], "type": GROUP_TYPE, "location": location,
            "tags": body.get("tags") or {}, "properties": {"provisioningState": "Succeeded"}}
    if body.get("managedBy"):
        view["managedBy"] = body["managedBy"]
    arm.store.put(Record(rid, GROUP_TYPE, view), parent=f"/subscriptions/{sub}", rg=rid, sub=sub)
    return ArmResponse(200 if existing else 201, view)


def patch_group(arm: Arm, sub: str, rg: str, request: ArmRequest) -> ArmResponse:
    arm.require_subscription(sub)
    record = arm.require_resource_group(sub, rg)
    patch = request.json()
    if "tags" in patch:
        record.body["tags"] = patch["tags"] or {}
    if "managedBy" in patch:
        record.body["managedBy"] = patch["managedBy"]
    arm.store.update_body(record)
    return ArmResponse(200, _group_view(record))


def delete_group(arm: Arm, sub: str, rg: str, request: ArmRequest) -> ArmResponse:
    """Async delete of the group and everything in it; a missing group is ARM's 404, not a silent 204."""
    arm.require_subscription(sub)
    record = arm.require_resource_group(sub, rg)
    with arm.store.transaction():
        record.body["properties"]["provisioningState"] = "Deleting"
        arm.store.update_body(record)
        op = arm.start_operation("delete", record, None)
    headers = arm.async_headers(request, sub, "Microsoft.Resources", record.body["location"], op,
                                "operationResults", "Location")
    return ArmResponse(202, None, headers)


def _matches(record: Record, clauses: list[tuple[str, str]]) -> bool:
    fields = {"resourcetype": record.body.get("type", ""), "name": record.body.get("name", ""),
              "location": record.body.get("location", ""),
              "resourcegroup": record.id.split("/")[4] if record.id.lower().count("/resourcegroups/") else ""}
    return all(str(fields.get(k, "")).lower() == v.lower() for k, v in clauses)


def _filter_clauses(expression: str) -> list[tuple[str, str]]:
    """The `field eq 'value'` clauses of a $filter joined by `and` (the subset az and our code send)."""
    clauses = []
    for part in [p.strip() for p in expression.replace(" AND ", " and ").split(" and ") if p.strip()]:
        name, _, value = part.partition(" eq ")
        if not value:
            raise ArmError(400, "InvalidFilterInQueryString", f"Invalid $filter '{expression}'.")
        clauses.append((name.strip().lower(), value.strip().strip("'")))
    return clauses


def generic_list(arm: Arm, sub: str, rg: str | None, request: ArmRequest) -> ArmResponse:
    """GET .../resources: every top-level resource (not groups, not children, not extension resources such
    as role assignments, which ARM's resource list leaves out too), optionally filtered."""
    arm.require_subscription(sub)
    if rg is not None:
        arm.require_resource_group(sub, rg)
    clauses = _filter_clauses(request.query.get("$filter", ""))
    records = [r for r in arm.store.in_subscription(sub)
               if r.type.count("/") == 1 and r.type != GROUP_TYPE.lower() and "/providers/microsoft.authorization/" not in r.key]
    if rg is not None:
        prefix = f"/subscriptions/{sub}/resourcegroups/{rg}/".lower()
        records = [r for r in records if r.key.startswith(prefix)]
    keep = ("id", "name", "type", "location", "tags", "kind", "sku", "identity", "managedBy")
    items = [{k: r.body[k] for k in keep if k in r.body} for r in records if _matches(r, clauses)]
    return arm.page(items, request)


def is_tags_path(arm_path: ArmPath) -> bool:
    """A request for the tags of the resource or group at `arm_path.scope`."""
    return arm_path.kind == "resource" and arm_path.full_type.lower() == TAGS_TYPE.lower()


def tags_at_scope(arm: Arm, arm_path: ArmPath, request: ArmRequest) -> ArmResponse:
    """GET, PUT (replace all), PATCH (`operation` Merge, Replace or Delete) and DELETE of a scope's tags, answered at once
    with the tags resource (docs/arm-wire-format.md#91-the-tags-operation); the resource itself is otherwise untouched."""
    record = arm.get(arm_path.scope)
    if record is None or arm_path.names[0].lower() != "default":
        raise ArmError(404, "ResourceNotFound", f"The Resource '{arm_path.scope}' was not found. "
                                                "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
    tags = dict(record.body.get("tags") or {})
    if request.method == "PUT":
        tags = _given_tags(request.json())
    elif request.method == "PATCH":
        body = request.json()
        operation, given = str(body.get("operation") or "").lower(), _given_tags(body)
        if operation not in _TAG_OPERATIONS:
            raise ArmError(400, "InvalidRequestFormat", "The tags operation must be one of Merge, Replace or Delete.")
        if operation == "merge":
            tags = {**{k: v for k, v in tags.items() if k.lower() not in {g.lower() for g in given}}, **given}
        elif operation == "replace":
            tags = given
        else:
            tags = {k: v for k, v in tags.items()
                    if not any(k.lower() == g.lower() and (value in ("", None) or value == v) for g, value in given.items())}
    elif request.method == "DELETE":
        tags = {}
    if request.method != "GET":
        check_tags(tags)
        record.body["tags"] = tags
        arm.store.update_body(record)
        arm.touch(record)
    return ArmResponse(200, {"id": f"{record.id}/providers/{TAGS_TYPE}/default", "name": "default", "type": TAGS_TYPE,
                             "properties": {"tags": tags}})


def _given_tags(body: dict) -> dict:
    tags = (body.get("properties") or {}).get("tags") if isinstance(body.get("properties"), dict) else None
    if not isinstance(tags, dict):
        raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request: properties.tags is required.")
    return {str(k): "" if v is None else str(v) for k, v in tags.items()}
