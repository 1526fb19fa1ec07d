"""What a resource provider implements: the request and response shapes, latency profiles and `ResourceHandler`.

The engine (`aksegress.emulator.engine.Arm`, passed to each hook as `arm`) does everything a handler does not override.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from aksegress.emulator.errors import ArmError
from aksegress.emulator.ids import ArmPath
from aksegress.emulator.store import Record


@dataclass
class ArmRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    base_url: str  # scheme://host:port, no trailing slash

    def json(self) -> dict:
        try:
            value = json.loads(self.body or b"{}")
        except ValueError:
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.") from None
        if not isinstance(value, dict):
            raise ArmError(400, "InvalidRequestFormat", "Cannot parse the request.")
        return value


@dataclass
class ArmResponse:
    status: int
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LatencyProfile:
    """How long async operations run: done after `polls` polls or `seconds`, whichever comes first.

    `retry_after` goes on poll responses (azure-core accepts fractions). Generated SDKs parse the initial
    response's Retry-After as an int, so that one is `initial_retry_after`, a whole number or absent.
    `overlapping` keeps each operation in flight for a few quick polls, so concurrent writes meet as they do in Azure.
    `principal_replication_seconds`: how long a new managed identity stays unknown to role assignments that do
    not name a principalType (Entra's replication delay; 0 turns it off).
    A profile with `azure_seconds` times each operation by its type instead (Azure seconds, lower-cased type,
    `default_azure_seconds` for the rest) and runs it `scale` times as fast; polls then never end it early.
    """

    name: str
    polls: int
    seconds: float
    retry_after: str
    initial_retry_after: str | None
    principal_replication_seconds: float = 0.0
    azure_seconds: Mapping[str, float] = field(default_factory=dict)
    default_azure_seconds: float = 0.0
    scale: float = 1.0

    def modelled_seconds(self, full_type: str) -> float | None:
        """The Azure seconds an operation on `full_type` takes in this profile; None when it is not timed by type."""
        if not self.azure_seconds:
            return None
        return self.azure_seconds.get(full_type.lower(), self.default_azure_seconds)


AZURE_TIME_SCALE = 1 / 600
"""The `azure-timed` profile's pace: one Azure minute passes in 0.1 s."""

AZURE_SECONDS = {
    "microsoft.network/virtualnetworks": 10,
    "microsoft.network/virtualnetworks/subnets": 10,
    "microsoft.network/virtualnetworks/virtualnetworkpeerings": 10,
    "microsoft.network/routetables": 10,
    "microsoft.network/routetables/routes": 10,
    "microsoft.network/publicipaddresses": 10,
    "microsoft.network/networkinterfaces": 10,
    "microsoft.network/firewallpolicies": 30,
    "microsoft.network/firewallpolicies/rulecollectiongroups": 60,
    "microsoft.network/azurefirewalls": 5 * 60,
    "microsoft.network/virtualnetworkgateways": 45 * 60,
    "microsoft.network/privatednszones": 20,
    "microsoft.network/privatednszones/virtualnetworklinks": 30,
    "microsoft.containerservice/managedclusters": 12 * 60,
    "microsoft.containerservice/managedclusters/commandresults": 30,
    "microsoft.compute/virtualmachines": 3 * 60,
    "microsoft.compute/virtualmachines/runcommands": 30,
}
"""Azure seconds per operation on each type, as Microsoft documents or a recording measured it
(docs/arm-wire-format.md §5.1 gives the source of each figure)."""

PROFILES = {
    "fast": LatencyProfile("fast", polls=1, seconds=0.0, retry_after="0.01", initial_retry_after=None),
    "overlapping": LatencyProfile("overlapping", polls=4, seconds=2.0, retry_after="0.05", initial_retry_after=None),
    "azure-like": LatencyProfile("azure-like", polls=3, seconds=6.0, retry_after="2", initial_retry_after="2",
                                 principal_replication_seconds=20.0),
    "azure-timed": LatencyProfile("azure-timed", polls=1, seconds=0.0, retry_after=f"{30 * AZURE_TIME_SCALE:.3f}",
                                  initial_retry_after=None, principal_replication_seconds=30 * AZURE_TIME_SCALE,
                                  azure_seconds=AZURE_SECONDS, default_azure_seconds=10, scale=AZURE_TIME_SCALE),
}


class ResourceHandler:
    """Behaviour of one resource type. Subclass, set `type`, override the hooks you need, register it.

    Hooks receive the `Arm` engine (store access and helpers) and raise `ArmError` to refuse.
    """

    type: str = ""                 # canonical full type, e.g. "Microsoft.Network/virtualNetworks/subnets"
    long_running: bool = False     # PUT/DELETE answer 201/202 with an async operation to poll
    slowness: int = 1              # operations last this many times the profile's polls and seconds (not in "fast")
    min_polls: int = 1             # an operation ends on its Nth poll at the soonest, in every profile (private DNS: 2)
    requires_location: bool = False
    etag_format: str | None = 'W/"{}"'  # None: the type has no etag
    tenant_level: bool = False     # also addressable without a subscription, as /providers/{namespace}/...
    read_only: tuple[str, ...] = ()  # properties ARM computes; whatever a client sends for them is dropped
    sync_delete: bool = False      # a long-running type whose DELETE still answers 200 at once (firewall policies)
    accepted_writes: bool = False  # PUT/PATCH answer 202 with no body and both async headers (private DNS)
    update_status: int = 200       # status of a PUT over an existing resource (role assignments: 201)
    delete_returns_body: bool = False  # a synchronous DELETE answers 200 with what it deleted (role assignments)
    group_operations: tuple[str, str] | None = None  # (status, result) poll segments under the resource group

    def serialised_under(self, resource_id: str) -> str | None:
        """The resource whose in-flight writes block a write to this one (ARM serialises per policy, per VNet)."""
        return None

    def busy(self, operation_url: str, operation: str) -> ArmError:
        """The 409 for a write that races an operation in progress (`operation`: Updating or Deleting)."""
        return ArmError(409, "AnotherOperationInProgress", "Another operation on this or dependent resource is in progress. "
                                                           f"To retrieve status of the operation use uri: {operation_url}.")

    def precondition_error(self, resource_id: str, existing: Record | None, header: str) -> ArmError | None:
        """This type's own 412 for a failed If-Match or If-None-Match (`header`); None: the engine's generic one."""
        return None

    def validate(self, arm, body: dict, existing: Record | None) -> dict:
        """Check and normalise a PUT body (id, name, type already set); raise ArmError for a synchronous 400."""
        return body

    def write(self, arm, record: Record, existing: Record | None) -> None:
        """Persist an accepted PUT (children, references, side effects)."""
        arm.save(record)

    def render(self, arm, record: Record) -> dict:
        """The body GET returns (inline children, back-references)."""
        return record.body

    def find(self, arm, arm_path: ArmPath) -> Record | None:
        """The resource a GET names; override for resources not kept in the store (built-ins) or for own 404s."""
        return arm.get(arm_path.id)

    def collection(self, arm, arm_path: ArmPath, request: ArmRequest) -> list[Record] | None:
        """What a collection GET lists; None means the engine's default (the parent's children of this type)."""
        return None

    def check_delete(self, arm, record: Record) -> None:
        """Raise ArmError if the resource may not be deleted now."""

    def on_delete(self, arm, record: Record) -> None:
        """Side effects of a deletion (called for the resource and each descendant, deepest first)."""

    def action(self, arm, record: Record, name: str, request: ArmRequest) -> ArmResponse:
        """POST {id}/{name}; default: ARM's answer for an unknown action."""
        raise ArmError(404, "NotFound", f"The action '{name}' is not supported on '{record.id}'.")

    def expand(self, arm, record: Record, body: dict, what: str) -> dict:
        """The GET body with `$expand=what` honoured; default: ignored, as ARM ignores what a type does not expand."""
        return body

    def read(self, arm, record: Record) -> ArmResponse:
        """The whole answer to a GET; override for resources polled as results (202 while running)."""
        return ArmResponse(200, self.render(arm, record))

    def complete(self, arm, record: Record) -> dict | None:
        """Called when a long-running PUT's operation finishes; return {"code", "message"} to make it end Failed."""
        return None
