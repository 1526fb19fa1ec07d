"""Microsoft.Compute: virtual machines on existing NICs, their implicit OS disks, and their run command answered by
the simulated shell. Deleting a VM honours `deleteOption` on its OS disk and NICs (Delete removes them, Detach keeps).

A VM marks each NIC it uses (`virtualMachine` on the NIC), so the NIC cannot be deleted under it and, through
the NIC, the subnet neither. `POST .../runCommand` (RunShellScript) answers 202 with Azure-AsyncOperation (a
status document carrying `properties.output`) and Location (202 until the command is done, then 200 with Azure's
RunCommandResult): the Linux extension's one status, always "succeeded" whatever the script's exit code (as Azure
reports it), with stdout and stderr in its message. `CommandResultHandler` is the polled-result machinery of AKS's
commandResults, which Azure answers with Location only.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import UTC, datetime

from aksegress.emulator.engine import Arm, ArmError, ArmRequest, ArmResponse, ResourceHandler
from aksegress.emulator.providers.nic import NIC
from aksegress.emulator.shell import run_script, snapshot_of
from aksegress.emulator.store import Record
from aksegress.netmodel import trace
from aksegress.netmodel.addresses import int_to_ip

VM = "Microsoft.Compute/virtualMachines"
DISK = "Microsoft.Compute/disks"


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _missing(parameter: str) -> ArmError:
    return ArmError(400, "InvalidParameter", f"Required parameter '{parameter}' is missing (null).")


class CommandResultHandler(ResourceHandler):
    """A command's result, stored under its owner and polled through Location: 202 while running, then 200.

    Subclasses say how the running and final bodies look; the record keeps the finished body from the start
    (the command runs at once) and reveals it after the latency profile's polls or seconds.
    """

    etag_format = None

    def validate(self, arm, body, existing):
        raise ArmError(405, "MethodNotAllowed", "The requested resource does not support http method 'PUT'.")

    @staticmethod
    def start(arm: Arm, owner: Record, segment: str, full_type: str, result: dict, request: ArmRequest) -> ArmResponse:
        """Store a finished result under `owner` and answer the action with 202 + Location."""
        run_id = uuid.uuid4().hex
        rid = f"{owner.id}/{segment}/{run_id}"
        url = f"{request.base_url}{rid}?api-version={request.query.get('api-version', '')}"
        polls, seconds = arm.operation_timing(full_type)
        body = {"id": rid, "name": run_id, "type": full_type, "properties": {}, "_result": result, "_location": url,
                "_pollsLeft": polls, "_readyAt": time.time() + seconds}
        arm.save(Record(rid, full_type, body))
        headers = {"Location": url}
        if arm.profile.initial_retry_after:
            headers["Retry-After"] = arm.profile.initial_retry_after
        return ArmResponse(202, None, headers)

    def read(self, arm, record):
        body = record.body
        if body["_pollsLeft"] > 0:
            body["_pollsLeft"] -= 1
            arm.store.update_body(record)
        if body["_pollsLeft"] > 0 and time.time() < body["_readyAt"]:
            return ArmResponse(202, self.running_view(record), {"Location": body["_location"],
                                                                 "Retry-After": arm.profile.retry_after})
        return ArmResponse(200, self.finished_view(record))

    def running_view(self, record: Record) -> dict | None:
        return None

    def finished_view(self, record: Record) -> dict:
        return record.body["_result"]

    def render(self, arm, record):
        return self.finished_view(record)


class VirtualMachineHandler(ResourceHandler):
    type = VM
    long_running = True
    requires_location = True
    etag_format = '"{}"'

    def validate(self, arm, body, existing):
        props = body["properties"]
        if not (props.get("hardwareProfile") or {}).get("vmSize"):
            raise _missing("hardwareProfile.vmSize")
        nics = (props.get("networkProfile") or {}).get("networkInterfaces") or []
        if not nics:
            raise _missing("networkProfile")
        for ref in nics:
            nic = arm.get(ref.get("id") or "")
            if nic is None or nic.type != NIC.lower():
                raise ArmError(404, "NotFound", f"Resource {ref.get('id')} not found.")
            for user, backref in arm.store.referrers(nic.id):
                if backref == "virtualMachine" and user.lower() != body["id"].lower():
                    raise ArmError(400, "NicInUse", f"Network interface {nic.id} is used by existing virtual machine {user}.")
            ref["id"] = nic.id
        os_profile = dict(props.get("osProfile") or {})
        os_profile.pop("adminPassword", None)
        os_profile.setdefault("computerName", body["name"])
        props["osProfile"] = os_profile
        props["vmId"] = existing.body["properties"].get("vmId") if existing else str(uuid.uuid4())
        props["timeCreated"] = existing.body["properties"].get("timeCreated") if existing else _now()
        storage = props.setdefault("storageProfile", {})
        disk_name = f"{body['name']}_OsDisk_1_{hashlib.sha256(body['id'].lower().encode()).hexdigest()[:32]}"
        os_disk = storage.setdefault("osDisk", {})
        for key, value in (("osType", "Linux"), ("name", disk_name), ("createOption", "FromImage"), ("caching", "ReadWrite"),
                           ("deleteOption", "Detach"), ("diskSizeGB", 30)):
            os_disk.setdefault(key, value)
        os_disk.setdefault("managedDisk", {"storageAccountType": "Premium_LRS"})
        os_disk["managedDisk"]["id"] = f"{body['id'].split('/providers/')[0]}/providers/Microsoft.Compute/disks/{os_disk['name']}"
        return body

    def expand(self, arm, record, body, what):
        if what.lower() != "instanceview":
            return body
        props = body["properties"]
        created = props.get("timeCreated")
        succeeded = {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded", "time": created}
        props["instanceView"] = {
            "computerName": props["osProfile"]["computerName"], "osName": "ubuntu", "osVersion": "24.04", "hyperVGeneration": "V2",
            "vmAgent": {"vmAgentVersion": "2.9.1.1", "extensionHandlers": [], "statuses": [
                {"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Ready", "message": "Guest Agent is running", "time": created}]},
            "disks": [{"name": props["storageProfile"]["osDisk"]["name"], "statuses": [succeeded]}],
            "statuses": [succeeded, {"code": "PowerState/running", "level": "Info", "displayStatus": "VM running"}]}
        return body

    def write(self, arm, record, existing):
        arm.save(record)
        nics = record.body["properties"]["networkProfile"]["networkInterfaces"]
        arm.store.set_references(record.id, [(n["id"], "virtualMachine") for n in nics])
        _attach_os_disk(arm, record)

    def on_delete(self, arm, record):
        """Azure's `deleteOption` on the OS disk and each NIC: Delete removes it with the VM, Detach (the default) keeps it."""
        props = record.body["properties"]
        arm.store.set_references(record.id, [])
        os_disk = props["storageProfile"]["osDisk"]
        disk = arm.get(os_disk["managedDisk"]["id"])
        if disk is not None and os_disk.get("deleteOption") == "Delete":
            arm.delete_tree(disk)
        elif disk is not None:
            disk.body.pop("managedBy", None)
            disk.body["properties"]["diskState"] = "Unattached"
            arm.store.update_body(disk)
        for ref in props["networkProfile"]["networkInterfaces"]:
            nic = arm.get(ref["id"])
            if nic is not None and (ref.get("properties") or {}).get("deleteOption") == "Delete":
                arm.delete_tree(nic)

    def action(self, arm, record, name, request):
        if name.lower() != "runcommand":
            return super().action(arm, record, name, request)
        command = request.json()
        if str(command.get("commandId", "")).lower() != "runshellscript":
            raise ArmError(400, "InvalidParameter",
                           f"The value '{command.get('commandId')}' of parameter 'commandId' is not supported here; use RunShellScript.")
        snap = snapshot_of(arm)
        hostname = record.body["properties"]["osProfile"]["computerName"]
        result = run_script(snap, record.id, list(command.get("script") or []), hostname)
        if _reaches_azure(snap, record):
            message = f"Enable succeeded: \n[stdout]\n{result.stdout}\n[stderr]\n{result.stderr}"
        else:
            message = "Enable succeeded: \n[stdout]\n\n[stderr]\n"
        value = {"value": [{"code": "ProvisioningState/succeeded", "level": "Info", "displayStatus": "Provisioning succeeded",
                            "message": message}]}
        op = arm.start_operation("action", record, None, output=value, timed_as=f"{VM}/runCommands")
        return ArmResponse(202, None, arm.operation_headers(request, record, op))


def _attach_os_disk(arm: Arm, vm: Record) -> None:
    """The implicit managed disk Azure creates from the image for a VM's OS disk, in the VM's resource group."""
    os_disk = vm.body["properties"]["storageProfile"]["osDisk"]
    disk_id = os_disk["managedDisk"]["id"]
    if arm.get(disk_id) is not None:
        return
    image = vm.body["properties"]["storageProfile"].get("imageReference") or {}
    arm.save(Record(disk_id, DISK.lower(), {
        "id": disk_id, "name": os_disk["name"], "type": DISK, "location": vm.body["location"], "managedBy": vm.id,
        "sku": {"name": os_disk["managedDisk"]["storageAccountType"], "tier": "Standard"},
        "properties": {"osType": os_disk["osType"], "diskSizeGB": os_disk["diskSizeGB"], "diskState": "Attached",
                       "creationData": {"createOption": "FromImage", "imageReference": dict(image)},
                       "timeCreated": _now(), "provisioningState": "Succeeded"}}))


class DiskHandler(ResourceHandler):
    """A managed disk; an attached one cannot be deleted (Azure answers 409 OperationNotAllowed)."""

    type = DISK
    long_running = True
    requires_location = True
    etag_format = None

    def check_delete(self, arm, record):
        if record.body.get("managedBy"):
            raise ArmError(409, "OperationNotAllowed", f"Disk {record.body['name']} is attached to VM {record.body['managedBy']}.")



def _reaches_azure(snap, record: Record) -> bool:
    """Whether the VM reaches Azure's public addresses (the AzureCloud tag) on TCP 443: without that the run-command
    extension runs the script but cannot return its output (docs/network-behaviour.md, "Run command")."""
    prefixes = snap.service_tags.expand(f"AzureCloud.{record.body.get('location', '')}") or snap.service_tags.expand("AzureCloud") or ()
    return not prefixes or trace(snap, record.id, int_to_ip(prefixes[0].network + 4), 443, "TCP").delivered



HANDLERS = [VirtualMachineHandler(), DiskHandler()]
