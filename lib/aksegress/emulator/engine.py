"""Generic ARM resource semantics, independent of HTTP: ids, PUT/GET/PATCH/DELETE/list, etags, LROs, errors.

`Arm` answers an `ArmRequest` with an `ArmResponse`. Resource types add behaviour through a
`ResourceHandler` registered in `aksegress.emulator.providers`; everything a handler does not override
(create-or-update, case-insensitive ids with canonical casing, paging, preconditions, async operations)
is done here the way ARM does it.
"""

from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlencode

from aksegress.emulator.errors import ArmError
from aksegress.emulator.handler import PROFILES, ArmRequest, ArmResponse, LatencyProfile, ResourceHandler
from aksegress.emulator.ids import Target, parse_path
from aksegress.emulator.store import Operation, Record, Store

__all__ = ["Arm", "ArmError", "ArmRequest", "ArmResponse", "LatencyProfile", "PROFILES", "ResourceHandler", "Target",
           "parse_path"]


class Arm:
    """The ARM engine: routes parsed requests to handlers over one `Store`."""

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
        target = parse_path(record.id)
        self.store.put(record, parent=target.parent_id, rg=_rg_id(target), sub=target.sub)

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

    def canonical_id(self, target: Target) -> str:
        """The id a new resource gets: its parent's stored casing plus registered type casing plus the name as sent."""
        handler = self.handler(target.full_type)
        canon_types = handler.type.split("/") if handler else [target.namespace, *target.types]
        parent = self.get(target.parent_id)
        parent_id = parent.id if parent else target.parent_id
        if len(target.types) == 1:
            return f"{parent_id}/providers/{canon_types[0]}/{canon_types[1]}/{target.names[-1]}"
        return f"{parent_id}/{canon_types[-1]}/{target.names[-1]}"

    def delete_tree(self, record: Record) -> None:
        """Delete a resource and everything under it, running each type's on_delete hook, deepest first."""
        with self.store.transaction():
            doomed = sorted(self.store.descendants(record.id), key=lambda r: -r.id.count("/")) + [record]
            for item in doomed:
                handler = self.handler(item.type)
                if handler and self.get(item.id):
                    handler.on_delete(self, item)
                self.store.delete(item.id)

    def inject_fault(self, method: str, full_type: str, code: str, message: str, times: int = 1) -> None:
        """Make the next `times` matching async operations end Failed with this error."""
        self._faults.append({"method": method.upper(), "type": full_type.lower(), "code": code,
                             "message": message, "times": times})

    # checks shared by routes

    def require_subscription(self, sub: str) -> None:
        if not any(s == sub.lower() for s, _, _ in self.store.subscriptions()):
            raise ArmError(404, "SubscriptionNotFound", f"The subscription '{sub}' could not be found.")

    def require_resource_group(self, sub: str, rg: str) -> Record:
        record = self.get(f"/subscriptions/{sub}/resourceGroups/{rg}")
        if record is None:
            raise ArmError(404, "ResourceGroupNotFound", f"Resource group '{rg}' could not be found.")
        return record

    def type_handler(self, target: Target, request: ArmRequest) -> ResourceHandler:
        handler = self.handler(target.full_type)
        if handler:
            return handler
        if not any(k.split("/")[0] == target.namespace.lower() for k in self.handlers):
            raise ArmError(400, "NoRegisteredProviderFound",
                           f"No registered resource provider found for API version '{request.query.get('api-version')}' "
                           f"and type '{target.full_type}'.")
        raise ArmError(400, "InvalidResourceType",
                       f"The resource type '{'/'.join(target.types)}' could not be found in the namespace "
                       f"'{target.namespace}' for api version '{request.query.get('api-version')}'.")

    def _missing(self, target: Target) -> ArmError:
        """ARM's 404 for a resource (or its closest missing ancestor)."""
        for depth in range(1, len(target.types) + 1):
            partial = Target("resource", sub=target.sub, rg=target.rg, scope=target.scope, namespace=target.namespace,
                             types=target.types[:depth], names=target.names[:depth])
            if self.get(partial.id) is None:
                break
        if depth == 1:
            where = f"under resource group '{target.rg}' " if target.rg else ""
            return ArmError(404, "ResourceNotFound",
                            f"The Resource '{target.namespace}/{target.types[0]}/{target.names[0]}' {where}was not found. "
                            "For more details please go to https://aka.ms/ARMResourceNotFoundFix")
        return ArmError(404, "NotFound", f"Resource {partial.id} not found.")

    def check_scope(self, target: Target) -> None:
        if not target.sub:
            handler = self.handler(target.full_type)
            if handler is None or not handler.tenant_level:
                raise ArmError(404, "NotFound", f"No route for '{target.id}'.")
            return
        self.require_subscription(target.sub)
        if target.rg is not None:
            self.require_resource_group(target.sub, target.rg)

    # resource routes

    def get_resource(self, target: Target) -> ArmResponse:
        self.check_scope(target)
        handler = self.handler(target.full_type)
        record = handler.find(self, target) if handler else self.get(target.id)
        if record is None:
            raise self._missing(target)
        handler = self.handler(record.type)
        return handler.read(self, record) if handler else ArmResponse(200, record.body)

    def put_resource(self, target: Target, request: ArmRequest, handler: ResourceHandler) -> ArmResponse:
        self.check_scope(target)
        body = request.json()
        if len(target.types) > 1 or target.scope.lower().count("/providers/"):
            if self.get(target.parent_id) is None:
                kind = "/".join(target.types)
                raise ArmError(404, "ParentResourceNotFound",
                               f"Failed to perform 'write' on resource(s) of type '{kind}', because the parent resource "
                               f"'{target.parent_id}' could not be found.")
        existing = self.get(target.id)
        _check_preconditions(request, existing)
        rid = existing.id if existing else self.canonical_id(target)
        body = self._base_fields(body, rid, handler, existing)
        body = handler.validate(self, body, existing)
        fault = self._take_fault("PUT", handler.type) if handler.long_running else None
        body["properties"]["provisioningState"] = "Updating" if handler.long_running else "Succeeded"
        if handler.etag_format:
            body["etag"] = handler.etag_format.format(uuid.uuid4())
        record = Record(rid, handler.type, body)
        with self.store.transaction():
            handler.write(self, record, existing)
            response = ArmResponse(200 if existing else 201, self.render(record))
            if handler.long_running:
                op = self.start_operation("put", record, fault)
                response.headers.update(self.async_headers(request, target.sub, target.namespace, body.get("location"),
                                                            op, "operations", "Azure-AsyncOperation"))
        return response

    def patch_resource(self, target: Target, request: ArmRequest, handler: ResourceHandler) -> ArmResponse:
        self.check_scope(target)
        existing = self.get(target.id)
        if existing is None:
            raise self._missing(target)
        _check_preconditions(request, existing)
        patch = request.json()
        body = _merge(json.loads(json.dumps(self.render(existing))), patch)
        body = handler.validate(self, self._base_fields(body, existing.id, handler, existing), existing)
        if handler.etag_format:
            body["etag"] = handler.etag_format.format(uuid.uuid4())
        record = Record(existing.id, handler.type, body)
        with self.store.transaction():
            handler.write(self, record, existing)
        return ArmResponse(200, self.render(record))

    def delete_resource(self, target: Target, request: ArmRequest, handler: ResourceHandler) -> ArmResponse:
        self.check_scope(target)
        existing = self.get(target.id)
        if existing is None:
            return ArmResponse(204)
        _check_preconditions(request, existing)
        handler.check_delete(self, existing)
        if not handler.long_running:
            self.delete_tree(existing)
            return ArmResponse(200)
        fault = self._take_fault("DELETE", handler.type)
        with self.store.transaction():
            existing.body.setdefault("properties", {})["provisioningState"] = "Deleting"
            self.store.update_body(existing)
            op = self.start_operation("delete", existing, fault)
        return ArmResponse(202, None, self.async_headers(request, target.sub, target.namespace, existing.body.get("location"),
                                                         op, "operationResults", "Location"))

    def list_collection(self, target: Target, request: ArmRequest) -> ArmResponse:
        self.check_scope(target)
        handler = self.type_handler(target, request)
        if len(target.types) > 1 and self.get(target.parent_id) is None:
            parent = Target("resource", sub=target.sub, rg=target.rg, scope=target.scope,
                            namespace=target.namespace, types=target.types[:-1], names=target.names)
            raise self._missing(parent)
        records = handler.collection(self, target, request)
        if records is None and len(target.types) == 1 and target.rg is None and \
                target.scope.lower() == f"/subscriptions/{target.sub.lower()}":
            records = self.store.in_subscription(target.sub, target.full_type)
        elif records is None:
            records = self.store.children(target.parent_id, target.full_type)
        return self.page([self.render(r) for r in records], request)

    def post_action(self, target: Target, request: ArmRequest) -> ArmResponse:
        owner = Target("resource", sub=target.sub, rg=target.rg, scope=target.scope, namespace=target.namespace,
                       types=target.types[:-1], names=target.names)
        self.check_scope(owner)
        record = self.get(owner.id)
        if record is None:
            raise self._missing(owner)
        return self.type_handler(owner, request).action(self, record, target.types[-1], request)

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

    # async operations

    def start_operation(self, kind: str, record: Record, fault: dict | None) -> Operation:
        error = {"code": fault["code"], "message": fault["message"]} if fault else None
        handler = self.handler(record.type)
        factor = handler.slowness if handler and self.profile.polls > 1 else 1
        op = Operation(str(uuid.uuid4()), kind, record.key, "InProgress", self.profile.polls * factor,
                       time.time() + self.profile.seconds * factor, error)
        self.store.add_operation(op)
        return op

    def async_headers(self, request: ArmRequest, sub: str, namespace: str, location: str | None, op: Operation,
                      segment: str, header: str) -> dict:
        """Initial-response headers pointing at an operation's poll URL (`segment`: operations or operationResults)."""
        url = (f"{request.base_url}/subscriptions/{sub}/providers/{namespace}/locations/{location or 'global'}/"
               f"{segment}/{op.id}?api-version={request.query.get('api-version', '')}")
        retry_after = self.profile.initial_retry_after
        return {header: url, **({"Retry-After": retry_after} if retry_after else {})}

    def _take_fault(self, method: str, full_type: str) -> dict | None:
        for fault in self._faults:
            if fault["method"] == method and fault["type"] == full_type.lower():
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def settle(self) -> None:
        """Finish every operation whose time has come."""
        for op in self.store.due_operations():
            self._finish(op)

    def _finish(self, op: Operation) -> None:
        with self.store.transaction():
            current = self.store.get_operation(op.id)
            if current is None or current.status != "InProgress":
                return
            record = self.get(op.resource_key)
            if record is not None and op.kind == "put" and not op.error:
                handler = self.handler(record.type)
                op.error = handler.complete(self, record) if handler else None
            op.status = "Failed" if op.error else "Succeeded"
            op.polls_left = 0
            self.store.save_operation(op)
            if record is None:
                return
            if op.kind == "delete" and not op.error:
                self.delete_tree(record)
            else:
                state = "Failed" if op.kind == "put" and op.error else "Succeeded"
                record.body.setdefault("properties", {})["provisioningState"] = state
                self.store.update_body(record)

    def poll(self, target: Target, request: ArmRequest) -> ArmResponse:
        """Answer an Azure-AsyncOperation (status body) or Location (202 until done) poll."""
        op = self.store.get_operation(target.op_id)
        if op is None:
            raise ArmError(404, "NotFound", f"Operation '{target.op_id}' was not found.")
        if op.status == "InProgress":
            op.polls_left -= 1
            self.store.save_operation(op)
            if op.polls_left <= 0:
                self._finish(op)
            op = self.store.get_operation(op.id)
        status_style = "/operations/" in request.path.lower() or "/asyncoperations/" in request.path.lower()
        if status_style:
            body: dict = {"id": f"{request.base_url}{request.path}", "name": op.id, "status": op.status}
            if op.error and op.status == "Failed":
                body["error"] = op.error
            headers = {"Retry-After": self.profile.retry_after} if op.status == "InProgress" else {}
            return ArmResponse(200, body, headers)
        if op.status == "InProgress":
            return ArmResponse(202, None, {"Location": f"{request.base_url}{request.path}?{urlencode(request.query)}",
                                           "Retry-After": self.profile.retry_after})
        if op.status == "Failed":
            return ArmResponse(400, {"error": op.error})
        return ArmResponse(204)

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


def _rg_id(target: Target) -> str | None:
    return f"/subscriptions/{target.sub}/resourceGroups/{target.rg}" if target.rg else None


def _check_preconditions(request: ArmRequest, existing: Record | None) -> None:
    if_match = request.headers.get("if-match")
    if_none_match = request.headers.get("if-none-match")
    current = existing.body.get("etag") if existing else None
    if if_match is not None:
        wanted = [t.strip() for t in if_match.split(",")]
        if existing is None or ("*" not in wanted and current not in wanted):
            raise ArmError(412, "PreconditionFailed",
                           "The condition in the If-Match header does not match the current etag of the resource.")
    if if_none_match is not None and existing is not None:
        wanted = [t.strip() for t in if_none_match.split(",")]
        if "*" in wanted or current in wanted:
            raise ArmError(412, "PreconditionFailed",
                           "The resource already exists and the If-None-Match header forbids overwriting it.")


def _merge(base: dict, patch: dict) -> dict:
    for key, value in patch.items():
        if key == "tags" or not isinstance(value, dict) or not isinstance(base.get(key), dict):
            base[key] = value
        else:
            base[key] = _merge(base[key], value)
    return base
