"""Long-running operations as ARM runs them: start, poll (status document or result URL), finish, and refuse
writes that would race one (a delete in progress, another write to the same firewall policy or VNet).

`LongRunningOperations` is a mixin of `aksegress.emulator.engine.Arm`; it needs the engine's `store`,
`profile`, `handler()`, `get()` and `delete_tree()`.
"""

from __future__ import annotations

import re
import time
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

from aksegress.emulator.errors import ArmError
from aksegress.emulator.handler import ArmRequest, ArmResponse, ResourceHandler
from aksegress.emulator.ids import ArmPath, parse_path
from aksegress.emulator.store import Operation, Record

# path segments whose polls answer with a status document ({name, status, startTime, endTime, error})
_STATUS_SEGMENTS = ("/operations/", "/asyncoperations/", "/privatednsoperationstatuses/")
_GROUP_TYPE = "microsoft.resources/resourcegroups"
_RESULTS = re.compile("/privateDnsOperationStatuses/", re.IGNORECASE)
_NEVER_BY_POLLS = 2 ** 31 - 1  # more polls than any client sends
_NEVER_BY_TIME = 10.0 ** 9    # seconds


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


class LongRunningOperations:
    """Async operations of the ARM engine (mixed into `Arm`)."""

    def start_operation(self, kind: str, record: Record, fault: dict | None, output: dict | None = None,
                        timed_as: str | None = None, at_once: bool = False) -> Operation:
        """Start an operation on `record`: 'put', 'delete', 'action' (a POST whose result is `output`) or 'refused'
        (a write accepted with 202 that fails without touching the resource, as private DNS does with preconditions).
        It lasts as long as an operation on `timed_as` (default: the record's type), or ends on the next request."""
        error = {"code": fault["code"], "message": fault["message"]} if fault else None
        polls, seconds = (1, 0.0) if at_once else self.operation_timing(timed_as or record.type)
        now = time.time()
        op = Operation(str(uuid.uuid4()), kind, record.key, "InProgress", polls, now + seconds, error, started=now, output=output)
        self.store.add_operation(op)
        return op

    def operation_timing(self, full_type: str) -> tuple[int, float]:
        """(polls, wall seconds) an operation on `full_type` runs for, whichever ends first: by type in a timed
        profile (time alone), else the profile's polls and seconds times the type's slowness; a type that needs
        more polls than that (`min_polls`) ends on its polls alone."""
        handler = self.handler(full_type)
        modelled = self.profile.modelled_seconds(full_type)
        if modelled is not None:
            return _NEVER_BY_POLLS, modelled * self.profile.scale
        factor = handler.slowness if handler and self.profile.polls > 1 else 1
        if handler and handler.min_polls > self.profile.polls * factor:
            return handler.min_polls, _NEVER_BY_TIME
        return self.profile.polls * factor, self.profile.seconds * factor

    def async_headers(self, request: ArmRequest, sub: str, namespace: str, location: str | None, op: Operation,
                      segment: str, header: str) -> dict:
        """Initial-response headers pointing at an operation's poll URL (`segment`: operations or operationResults)."""
        url = (f"{request.base_url}/subscriptions/{sub}/providers/{namespace}/locations/{location or 'global'}/"
               f"{segment}/{op.id}?api-version={request.query.get('api-version', '')}")
        retry_after = self.profile.initial_retry_after
        return {header: url, **({"Retry-After": retry_after} if retry_after else {})}

    def operation_headers(self, request: ArmRequest, record: Record, op: Operation, *, result: bool = True) -> dict:
        """`Azure-AsyncOperation` (status document) and, with `result`, `Location` (result URL) for an operation.

        Most namespaces poll under the resource's location; private DNS polls under its resource group.
        """
        arm_path = parse_path(record.id)
        handler = self.handler(record.type)
        version = request.query.get("api-version", "")
        if handler is not None and handler.group_operations:
            base = f"{request.base_url}/subscriptions/{arm_path.sub}/resourceGroups/{arm_path.rg}/providers/{arm_path.namespace}"
            status_segment, result_segment = handler.group_operations
        else:
            location = record.body.get("location") or "global"
            base = f"{request.base_url}/subscriptions/{arm_path.sub}/providers/{arm_path.namespace}/locations/{location}"
            status_segment, result_segment = "operations", "operationResults"
        headers = {"Azure-AsyncOperation": f"{base}/{status_segment}/{op.id}?api-version={version}"}
        if result:
            headers["Location"] = f"{base}/{result_segment}/{op.id}?api-version={version}"
        if self.profile.initial_retry_after:
            headers["Retry-After"] = self.profile.initial_retry_after
        return headers

    def inject_fault(self, method: str, full_type: str, code: str, message: str, times: int = 1) -> None:
        """Make the next `times` matching async operations end Failed with this error."""
        self._faults.append({"method": method.upper(), "type": full_type.lower(), "code": code,
                             "message": message, "times": times})

    def _take_fault(self, method: str, full_type: str) -> dict | None:
        for fault in self._faults:
            if fault["method"] == method and fault["type"] == full_type.lower():
                fault["times"] -= 1
                if fault["times"] <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def check_not_busy(self, resource_id: str, handler: ResourceHandler, request: ArmRequest) -> None:
        """Refuse a write to a resource being deleted (or under one), or one racing another write that its type
        serialises (one write at a time per firewall policy, per VNet), with ARM's 409. An operation whose time
        is up counts as finished even before a poll or `settle` has recorded it."""
        now = time.time()
        for op in self.store.deletes_in_progress_over(resource_id):
            owner = self.get(op.resource_key)
            if owner is None or op.ready_at <= now:
                continue
            if owner.type == _GROUP_TYPE:
                raise ArmError(409, "ResourceGroupBeingDeleted", f"The resource group '{owner.id.rsplit('/', 1)[-1]}' is in "
                                                                 "deprovisioning state and cannot perform this operation.")
            raise handler.busy(self.operation_headers(request, owner, op, result=False)["Azure-AsyncOperation"], "Deleting")
        scope = handler.serialised_under(resource_id)
        for op in self.store.operations_in_progress(scope) if scope else ():
            owner = self.get(op.resource_key)
            if owner is not None and op.kind in ("put", "delete") and op.ready_at > now:
                raise handler.busy(self.operation_headers(request, owner, op, result=False)["Azure-AsyncOperation"],
                                   "Updating" if op.kind == "put" else "Deleting")

    def settle(self) -> None:
        """Finish every operation whose time has come."""
        for op in self.store.due_operations():
            self._finish(op)

    def _finish(self, op: Operation) -> None:
        with self.store.transaction():
            current = self.store.get_operation(op.id)
            if current is None or current.status != "InProgress":
                return
            op = current
            record = self.get(op.resource_key)
            if record is not None and op.kind == "put" and not op.error:
                handler = self.handler(record.type)
                op.error = handler.complete(self, record) if handler else None
            op.status = "Failed" if op.error else "Succeeded"
            op.polls_left, op.ended = 0, time.time()
            self.store.save_operation(op)
            if record is None or op.kind in ("action", "refused"):
                return
            if op.kind == "delete":
                state = record.body.get("properties", {}).get("provisioningState")
                if not op.error and state == "Deleting":  # a resource written since is not this delete's to remove
                    self.delete_tree(record)
                elif op.error and state == "Deleting":
                    record.body["properties"]["provisioningState"] = "Succeeded"
                    self.store.update_body(record)
                return
            record.body.setdefault("properties", {})["provisioningState"] = "Failed" if op.error else "Succeeded"
            self.store.update_body(record)

    def poll(self, arm_path: ArmPath, request: ArmRequest) -> ArmResponse:
        """Answer a poll: a status document on status URLs, else 202 until done, then the result (or 204)."""
        op = self.store.get_operation(arm_path.op_id)
        if op is None:
            raise ArmError(404, "NotFound", f"Operation '{arm_path.op_id}' was not found.")
        if op.status == "InProgress":
            op.polls_left -= 1
            self.store.save_operation(op)
            if op.polls_left <= 0:
                self._finish(op)
            op = self.store.get_operation(op.id)
        path = request.path.lower()
        here = f"{request.base_url}{request.path}?{urlencode(request.query)}"
        running = op.status == "InProgress"
        if any(segment in path for segment in _STATUS_SEGMENTS):
            body: dict = {"id": f"{request.base_url}{request.path}", "name": op.id, "status": op.status,
                          "startTime": _timestamp(op.started or time.time())}
            if op.ended:
                body["endTime"] = _timestamp(op.ended)
            if op.error and op.status == "Failed":
                body["error"] = op.error
            if op.output is not None and op.status == "Succeeded":
                body["properties"] = {"output": op.output}
            if running and "/privatednsoperationstatuses/" in path:
                return ArmResponse(202, body, {"Azure-AsyncOperation": here, "Retry-After": self.profile.retry_after,
                                               "Location": _RESULTS.sub("/privateDnsOperationResults/", here)})
            return ArmResponse(200, body, {"Retry-After": self.profile.retry_after} if running else {})
        if running:
            return ArmResponse(202, None, {"Location": here, "Retry-After": self.profile.retry_after})
        if op.status == "Failed":
            return ArmResponse(400, {"error": op.error})
        return ArmResponse(200, op.output) if op.output is not None else ArmResponse(204)
