"""Generic ARM resource semantics, independent of HTTP: ids, PUT/GET/PATCH/DELETE/list, etags, LROs, errors.

`Arm` answers an `ArmRequest` with an `ArmResponse`. Resource types add behaviour through a
`ResourceHandler` registered in `aksegress.emulator.providers`; everything a handler does not override
(create-or-update, case-insensitive ids with canonical casing, paging, preconditions, async operations)
is done here the way ARM does it.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

from aksegress.emulator.errors import ArmError
from aksegress.emulator.handler import PROFILES, ArmRequest, ArmResponse, LatencyProfile, ResourceHandler
from aksegress.emulator.ids import ArmPath, parse_path
from aksegress.emulator.operations import LongRunningOperations
from aksegress.emulator.store import Record, Store

__all__ = ["Arm", "ArmError", "ArmRequest", "ArmResponse", "LatencyProfile", "PROFILES", "ResourceHandler", "ArmPath",
           "parse_path"]


class Arm(LongRunningOperations):
    """The ARM engine: routes parsed requests to handlers over one `Store` (async operations: `LongRunningOperations`)."""

    def __init__(self, store: Store, handlers: dict[str, ResourceHandler], *, page_size: int = 100,
                 profile: LatencyProfile = PROFILES["fast"]):
        self.store, self.handlers, self.page_size, self.profile = store, handlers, page_size, profile
        self._faults: list[dict] = []

    # helpers for handlers

    def handler(self, full_type: str) -> ResourceHandler | None:
        return self.handlers.get(full_type.lower())

    def get(self, resource_id: str) -> Record | None:
        return self.store.get(resource_id)

    def save(self, record: Record) -> None:
        """Store a resource, deriving its parent, resource group and subscription from the id."""
        arm_path = parse_path(record.id)
        self.store.put(record, parent=arm_path.parent_id, rg=_rg_id(arm_path), sub=arm_path.sub)

    def touch(self, record: Record) -> None:
        """Mint a new etag for a resource whose rendered view changed (e.g. a child was written)."""
        handler = self.handler(record.type)
        if handler and handler.etag_format:
            record.body["etag"] = handler.etag_format.format(uuid.uuid4())
            self.store.update_body(record)

    def render(self, record: Record) -> dict:
        handler = self.handler(record.type)
        return handler.render(self, record) if handler else record.body

    def create(self, resource_id: str, full_type: str, body: dict) -> Record:
        """Create or replace a resource on a provider's behalf (no HTTP), through its type's validate and write.

        For resources one RP makes in another's namespace (AKS making a private DNS zone); the result is
        provisioned at once (Succeeded). Raises ArmError as the type's own PUT would.
        """
        handler = self.handler(full_type)
        existing = self.get(resource_id)
        if handler is None:
            record = Record(existing.id if existing else resource_id, full_type, dict(body))
            self.save(record)
            return record
        body = self._base_fields(body, existing.id if existing else resource_id, handler, existing)
        body = handler.validate(self, body, existing)
        body["properties"]["provisioningState"] = "Succeeded"
        if handler.etag_format:
            body["etag"] = handler.etag_format.format(uuid.uuid4())
        record = Record(body["id"], handler.type, body)
        with self.store.transaction():
            handler.write(self, record, existing)
        return record

    def with_references(self, record: Record) -> dict:
        """A copy of the body with each incoming reference listed under properties[back-reference]."""
        body = json.loads(json.dumps(record.body))
        found: dict[str, list] = {}
        for source_id, backref in self.store.referrers(record.id):
            found.setdefault(backref, []).append({"id": source_id})
        body.setdefault("properties", {}).update(found)
        return body

    def canonical_id(self, arm_path: ArmPath) -> str:
        """The id a new resource gets: its parent's stored casing plus registered type casing plus the name as sent."""
        handler = self.handler(arm_path.full_type)
        canon_types = handler.type.split("/") if handler else [arm_path.namespace, *arm_path.types]
        parent = self.get(arm_path.parent_id)
        parent_id = parent.id if parent else arm_path.parent_id
        if len(arm_path.types) == 1:
            return f"{parent_id}/providers/{canon_types[0]}/{canon_types[1]}/{arm_path.names[-1]}"
        return f"{parent_id}/{canon_types[-1]}/{arm_path.names[-1]}"

    def delete_tree(self, record: Record) -> None:
        """Delete a resource and everything under it, running each type's on_delete hook, deepest first."""
        with self.store.transaction():
            doomed = sorted(self.store.descendants(record.id), key=lambda r: -r.id.count("/")) + [record]
            for item in doomed:
                handler = self.handler(item.type)
                if handler and self.get(item.id):
                    handler.on_delete(self, item)
                self.store.delete(item.id)

    # checks shared by routes

    def require_subscription(self, sub: str) -> None:
        if not any(s == sub.lower() for s, _, _ in self.store.subscriptions()):
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")

    def require_resource_group(self, sub: str, rg: str) -> Record:
        record = self.get(f"/subscriptions/{sub}/resourceGroups/{rg}")
        if record is None:
            raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        return record

    def type_handler(self, arm_path: ArmPath, request: ArmRequest) -> ResourceHandler:
        handler = self.handler(arm_path.full_type)
        if handler:
            return handler
        if not any(k.split("/")[0] == arm_path.namespace.lower() for k in self.handlers):
            raise ArmError(400, "NoRegisteredProviderFound",
                           f"No registered resource provider found for API version '{request.query.get('api-version')}' "
                           f"and type '{arm_path.full_type}'.")
        raise ArmError(400, "InvalidResourceType",
                       f"The resource type '{'/'.join(arm_path.types)}' could not be found in the namespace "
                       f"'{arm_path.namespace}' for api version '{request.query.get('api-version')}'.")

    def _missing(self, arm_path: ArmPath) -> ArmError:
        """ARM's 404 for a resource (or its closest missing ancestor)."""
        for depth in range(1, len(arm_path.types) + 1):
            partial = ArmPath("resource", sub=arm_path.sub, rg=arm_path.rg, scope=arm_path.scope, namespace=arm_path.namespace,
                             types=arm_path.types[:depth], names=arm_path.names[:depth])
            if self.get(partial.id) is None:
                break
        if depth == 1:
            where = f"under resource group '{arm_path.rg}' " if arm_path.rg else ""
            return ArmError(404, "ResourceNotFound",
                            f"The Resource '{arm_path.namespace}/{arm_path.types[0]}/{arm_path.names[0]}' {where}was not found. "
                            "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        return ArmError(404, "NotFound", f"Resource {partial.id} not found.")

    def check_scope(self, arm_path: ArmPath) -> None:
        if not arm_path.sub:
            handler = self.handler(arm_path.full_type)
            if handler is None or not handler.tenant_level:
                raise ArmError(404, "NotFound", f"No route for '{arm_path.id}'.")
            return
        self.require_subscription(arm_path.sub)
        if arm_path.rg is not None:
            self.require_resource_group(arm_path.sub, arm_path.rg)

    # resource routes

    def get_resource(self, arm_path: ArmPath, request: ArmRequest | None = None) -> ArmResponse:
        self.check_scope(arm_path)
        handler = self.handler(arm_path.full_type)
        record = handler.find(self, arm_path) if handler else self.get(arm_path.id)
        if record is None:
            raise self._missing(arm_path)
        handler = self.handler(record.type)
        if handler is None:
            return ArmResponse(200, record.body)
        response = handler.read(self, record)
        expand = request.query.get("$expand") if request else None
        if expand and response.status == 200 and isinstance(response.body, dict):
            response.body = handler.expand(self, record, json.loads(json.dumps(response.body)), expand)
        return response

    def put_resource(self, arm_path: ArmPath, request: ArmRequest, handler: ResourceHandler) -> ArmResponse:
        self.check_scope(arm_path)
        body = request.json()
        if len(arm_path.types) > 1 or arm_path.scope.lower().count("/providers/"):
            if self.get(arm_path.parent_id) is None:  # ARM's wording, the same for the SQL, compute and storage RPs
                raise ArmError(404, "ParentResourceNotFound", "Can not perform requested operation on nested resource. "
                                                              f"Parent resource '{arm_path.parent_id.rsplit('/', 1)[-1]}' not found.")
        with self.store.transaction():  # one write decides on what it reads before another may change it
            existing = self.get(arm_path.id)
            rid = existing.id if existing else self.canonical_id(arm_path)
            self.check_not_busy(rid, handler, request)
            refused = self._precondition(request, rid, existing, handler)
            if refused is not None:
                return refused
            body = self._base_fields(body, rid, handler, existing)
            body = handler.validate(self, body, existing)
            return self._write(request, handler, Record(rid, handler.type, body), existing,
                               handler.update_status if existing else 201)

    def patch_resource(self, arm_path: ArmPath, request: ArmRequest, handler: ResourceHandler) -> ArmResponse:
        self.check_scope(arm_path)
        patch = request.json()
        with self.store.transaction():  # as for a PUT: decide on what was read before another write may change it
            existing = self.get(arm_path.id)
            if existing is None:
                raise self._missing(arm_path)
            self.check_not_busy(existing.id, handler, request)
            refused = self._precondition(request, existing.id, existing, handler)
            if refused is not None:
                return refused
            body = _merge(json.loads(json.dumps(self.render(existing))), patch)
            body = handler.validate(self, self._base_fields(body, existing.id, handler, existing), existing)
            if not handler.accepted_writes:
                if handler.etag_format:
                    body["etag"] = handler.etag_format.format(uuid.uuid4())
                record = Record(existing.id, handler.type, body)
                handler.write(self, record, existing)
                return ArmResponse(200, self.render(record))
            return self._write(request, handler, Record(existing.id, handler.type, body), existing, 200)

    def _write(self, request: ArmRequest, handler: ResourceHandler, record: Record, existing: Record | None,
               status: int) -> ArmResponse:
        """Store an accepted write; a long-running type gets an operation, answered as the type answers writes."""
        fault = self._take_fault(request.method, handler.type) if handler.long_running else None
        record.body["properties"]["provisioningState"] = "Updating" if handler.long_running else "Succeeded"
        if handler.etag_format:
            record.body["etag"] = handler.etag_format.format(uuid.uuid4())
        with self.store.transaction():
            handler.write(self, record, existing)
            if not handler.long_running:
                return ArmResponse(status, self.render(record))
            op = self.start_operation("put", record, fault)
            if handler.accepted_writes:
                return ArmResponse(202, None, self.operation_headers(request, record, op))
            return ArmResponse(status, self.render(record), self.operation_headers(request, record, op, result=False))

    def _precondition(self, request: ArmRequest, rid: str, existing: Record | None, handler: ResourceHandler) -> ArmResponse | None:
        """None when If-Match / If-None-Match hold; else ARM's refusal: a 412, or for types that accept writes
        first (private DNS zones and links) a 202 whose operation then fails with PreconditionFailed."""
        header = _failed_precondition(request, existing)
        if header is None:
            return None
        error = handler.precondition_error(rid, existing, header) or _generic_precondition(header)
        if not (handler.accepted_writes and existing is not None):
            raise error
        op = self.start_operation("refused", existing, {"code": error.code, "message": error.message},
                                  at_once=header == "if-match")  # recorded: an If-Match refusal fails on the first poll
        return ArmResponse(202, None, self.operation_headers(request, existing, op))

    def delete_resource(self, arm_path: ArmPath, request: ArmRequest, handler: ResourceHandler) -> ArmResponse:
        self.check_scope(arm_path)
        existing = self.get(arm_path.id)
        if existing is None:
            return ArmResponse(204)
        running = [op for op in self.store.deletes_in_progress_over(existing.id) if op.resource_key == existing.key]
        if running:
            return ArmResponse(202, None, self.operation_headers(request, existing, running[0]))
        self.check_not_busy(existing.id, handler, request)
        header = _failed_precondition(request, existing)
        if header is not None:
            raise handler.precondition_error(existing.id, existing, header) or _generic_precondition(header)
        handler.check_delete(self, existing)
        if not handler.long_running or handler.sync_delete:
            gone = self.render(existing) if handler.delete_returns_body else None
            self.delete_tree(existing)
            return ArmResponse(200, gone)
        fault = self._take_fault("DELETE", handler.type)
        with self.store.transaction():
            existing.body.setdefault("properties", {})["provisioningState"] = "Deleting"
            self.store.update_body(existing)
            op = self.start_operation("delete", existing, fault)
        return ArmResponse(202, None, self.operation_headers(request, existing, op))

    def list_collection(self, arm_path: ArmPath, request: ArmRequest) -> ArmResponse:
        self.check_scope(arm_path)
        handler = self.type_handler(arm_path, request)
        if len(arm_path.types) > 1 and self.get(arm_path.parent_id) is None:
            parent = ArmPath("resource", sub=arm_path.sub, rg=arm_path.rg, scope=arm_path.scope,
                            namespace=arm_path.namespace, types=arm_path.types[:-1], names=arm_path.names)
            raise self._missing(parent)
        records = handler.collection(self, arm_path, request)
        if records is None and len(arm_path.types) == 1 and arm_path.rg is None and \
                arm_path.scope.lower() == f"/subscriptions/{arm_path.sub.lower()}":
            records = self.store.in_subscription(arm_path.sub, arm_path.full_type)
        elif records is None:
            records = self.store.children(arm_path.parent_id, arm_path.full_type)
        return self.page([self.render(r) for r in records], request)

    def post_action(self, arm_path: ArmPath, request: ArmRequest) -> ArmResponse:
        owner = ArmPath("resource", sub=arm_path.sub, rg=arm_path.rg, scope=arm_path.scope, namespace=arm_path.namespace,
                       types=arm_path.types[:-1], names=arm_path.names)
        self.check_scope(owner)
        record = self.get(owner.id)
        if record is None:
            raise self._missing(owner)
        return self.type_handler(owner, request).action(self, record, arm_path.types[-1], request)

    def page(self, items: list[dict], request: ArmRequest) -> ArmResponse:
        """One page of `items`, with an absolute nextLink when more remain."""
        try:
            start = max(0, int(request.query.get("$skiptoken", "0")))
        except ValueError:
            start = 0
        body: dict = {"value": items[start:start + self.page_size]}
        if start + self.page_size < len(items):
            query = dict(request.query, **{"$skiptoken": str(start + self.page_size)})
            body["nextLink"] = f"{request.base_url}{request.path}?{urlencode(query)}"
        return ArmResponse(200, body)

    def _base_fields(self, body: dict, rid: str, handler: ResourceHandler, existing: Record | None) -> dict:
        body = dict(body)
        body["id"], body["name"], body["type"] = rid, rid.rsplit("/", 1)[-1], handler.type
        if handler.requires_location:
            location = body.get("location") or (existing.body.get("location") if existing else None)
            if not location:
                raise ArmError(400, "LocationRequired", "The location property is required for this definition.")
            body["location"] = str(location).replace(" ", "").lower()
        properties = body.get("properties")
        body["properties"] = {k: v for k, v in properties.items() if k not in handler.read_only} if isinstance(properties, dict) else {}
        body.pop("etag", None)
        return body


def _rg_id(arm_path: ArmPath) -> str | None:
    return f"/subscriptions/{arm_path.sub}/resourceGroups/{arm_path.rg}" if arm_path.rg else None


def _generic_precondition(header: str) -> ArmError:
    if header == "if-match":
        return ArmError(412, "PreconditionFailed", "The condition in the If-Match header does not match the current etag of the resource.")
    return ArmError(412, "PreconditionFailed", "The resource already exists and the If-None-Match header forbids overwriting it.")


def _failed_precondition(request: ArmRequest, existing: Record | None) -> str | None:
    """The conditional header (if-match / if-none-match) the request fails on, if any."""
    if_match = request.headers.get("if-match")
    if_none_match = request.headers.get("if-none-match")
    current = existing.body.get("etag") if existing else None
    if if_match is not None:
        wanted = [t.strip() for t in if_match.split(",")]
        if existing is None or ("*" not in wanted and current not in wanted):
            return "if-match"
    if if_none_match is not None and existing is not None:
        wanted = [t.strip() for t in if_none_match.split(",")]
        if "*" in wanted or current in wanted:
            return "if-none-match"
    return None


def _merge(base: dict, patch: dict) -> dict:
    for key, value in patch.items():
        if key == "tags" or not isinstance(value, dict) or not isinstance(base.get(key), dict):
            base[key] = value
        else:
            base[key] = _merge(base[key], value)
    return base
