"""Teardown: remove what this environment created, dependants first, and nothing else.

Only resources the environment created (``aksegress.ownership``: its local record, or a created-by tag naming the
resource itself) are deleted. A resource that existed before (adopted or not) is kept; a parent of the
environment's that holds children it did not create (a user's subnet, peering, route, rule collection group, or
a resource in its group) is kept, with the environment's own children removed from it, and the plan says why.
The plan is recomputed from the live state each time, so an interrupted teardown completes when run again, and a
second teardown finds nothing to do. In an existing hub, what its owners made for the environment (a change request's
resources) is kept and listed for them to remove, as a removal request beside the run's record.
"""

from __future__ import annotations

from aksegress import arm_ids
from aksegress.errors import TeardownNotConfirmed
from aksegress.facts import MissingFact
from aksegress.kinds import FIREWALL_POLICY, NSG, RESOURCE_GROUP, ROUTE_TABLE, SUBNET, VIRTUAL_NETWORK, kind_of
from aksegress.observe import observe
from aksegress.plan import DELETE, UNCHANGED, UPDATE, Change, Desired, Plan, differences
from aksegress.steps import all_steps

STAGES = [
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    "Microsoft.Compute/virtualMachines",
    "Microsoft.Network/networkInterfaces",
    "Microsoft.Authorization/roleAssignments",
    "Microsoft.ContainerService/managedClusters",
    "detach-route-tables",
    "Microsoft.Network/routeTables",
    "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
    "Microsoft.Network/azureFirewalls",
    "Microsoft.Network/virtualNetworkGateways",
    "Microsoft.Network/publicIPAddresses",
    "Microsoft.Network/firewallPolicies",
    "Microsoft.Network/virtualNetworks/subnets",
    "route-tables-of-deleted-subnets",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
    "Microsoft.Network/virtualNetworks",
    "Microsoft.Network/networkSecurityGroups",
]


def owned_resources(runbook) -> list[Desired]:
    """Everything any step declares or has retired, as far as the facts it needs still exist (what teardown may consider)."""
    out: dict[str, Desired] = {}
    for spec in all_steps():
        try:
            retired = [Desired(rid, {}) for rid in (spec.retired(runbook.params, runbook.facts) if spec.retired else [])]
            for d in spec.desired(runbook.params, runbook.facts) + retired:
                out.setdefault(d.id.lower(), d)
        except MissingFact:
            continue
    return list(out.values())


def teardown_plan(runbook, ownership=None) -> Plan:
    """Deletes (and route-table detaches, and routes taken out of kept tables) in dependency order; resource groups last."""
    from aksegress.ownership import Ownership

    ownership = ownership or Ownership.of(runbook.params, runbook.clients)
    declared = owned_resources(runbook)
    seen = observe([d.id for d in declared], runbook.clients)
    present = [(d, seen[d.id.lower()]) for d in declared if seen.get(d.id.lower())]
    notes: list[str] = []
    ours = []
    for d, body in present:
        if ownership.owns(d.id, body):
            ours.append((d, body))
        else:
            adopted = " (adopted)" if ownership.adopted(d.id) else ""
            notes.append(f"kept: {d.kind.label} {d.name} was not created here{adopted}")
    ours_ids = {d.id.lower() for d, _ in ours}
    kept: dict[str, list[str]] = {}
    for d, body in ours:
        others = _foreign_children(d, body, ours_ids, ownership)
        if others:
            kept[d.id.lower()] = others
            notes.append(f"kept: {d.kind.label} {d.name} holds {', '.join(others)}, not created here")
    deleted_parents = {key for key in ours_ids if key not in kept}
    lone_subnets = {d.id.lower() for d, _ in ours if d.kind is SUBNET and _parent_key(d.id) not in deleted_parents}
    late_tables = {d.id.lower() for d, body in ours if d.kind is ROUTE_TABLE
                   and any((ref.get("id") or "").lower() in lone_subnets for ref in (body.get("properties") or {}).get("subnets") or [])}
    stages: list[list[Change]] = []
    for arm_type in STAGES:
        if arm_type == "detach-route-tables":
            stage = [_detach(d, body) for d, body in ours if d.kind is SUBNET and d.id.lower() not in lone_subnets
                     and (body.get("properties") or {}).get("routeTable")]
        else:
            late = arm_type == "route-tables-of-deleted-subnets"
            stage = []
            for d, body in ours:
                if d.kind is RESOURCE_GROUP or d.kind.arm_type != (ROUTE_TABLE.arm_type if late else arm_type):
                    continue
                if d.kind is ROUTE_TABLE and (d.id.lower() in late_tables) != late:
                    continue
                if d.id.lower() in kept:
                    trimmed = _trim_routes(d, body) if d.kind is ROUTE_TABLE else None
                    stage += [trimmed] if trimmed and trimmed.pending else []
                elif d.kind is not SUBNET or d.id.lower() in lone_subnets:
                    stage.append(Change(DELETE, Desired(d.id, {}), body))
        if stage:
            stages.append(stage)
    deleting = {c.desired.id.lower() for stage in stages for c in stage if c.action == DELETE}
    deleting |= {disk for stage in stages for c in stage if c.action == DELETE for disk in _deleted_with(c)}
    groups = []
    for d, body in ours:
        if d.kind is RESOURCE_GROUP:
            others = _group_holds(runbook, d.id, deleting, ownership)
            if others:
                notes.append(f"kept: resource group {d.name} holds {', '.join(others[:5])}{' and more' if len(others) > 5 else ''}, "
                             "not deleted by this teardown")
            else:
                groups.append(Change(DELETE, Desired(d.id, {}), body))
    if groups:
        stages.append(groups)
    changes = []
    previous: tuple[str, ...] = ()
    for stage in stages:
        for change in stage:
            change.desired = Desired(change.desired.id, change.desired.body, depends_on=previous, replace=change.desired.replace,
                                     exclusive=change.desired.exclusive)
            changes.append(change)
        previous = tuple(c.desired.id for c in stage)
    return Plan("99-teardown", changes, notes)


def _deleted_with(change: Change) -> list[str]:
    """The OS disk Azure deletes together with a VM whose disk has ``deleteOption: Delete``."""
    os_disk = ((change.observed or {}).get("properties", {}).get("storageProfile") or {}).get("osDisk") or {}
    disk_id = (os_disk.get("managedDisk") or {}).get("id")
    return [disk_id.lower()] if disk_id and os_disk.get("deleteOption") == "Delete" else []


def _parent_key(resource_id: str) -> str:
    return str(arm_ids.parse(resource_id).parent()).lower()


def _foreign_children(desired: Desired, body: dict, ours: set[str], ownership) -> list[str]:
    """Children inside one of the environment's resources that it did not create (they keep their parent alive)."""
    props = body.get("properties") or {}
    out = []
    if desired.kind is VIRTUAL_NETWORK:
        for label, key in (("subnet", "subnets"), ("peering", "virtualNetworkPeerings")):
            out += [f"{label} {_name(ref)}" for ref in props.get(key) or [] if not _ours(ref, ours, ownership)]
    elif desired.kind is ROUTE_TABLE:
        declared = {r["name"].lower() for r in (desired.body.get("properties") or {}).get("routes") or []}
        out += [f"route {r.get('name')}" for r in props.get("routes") or [] if (r.get("name") or "").lower() not in declared]
        out += [f"subnet {_name(ref)} (associated)" for ref in props.get("subnets") or [] if not _ours(ref, ours, ownership)]
    elif desired.kind is NSG:
        out += [f"{label} {_name(ref)} (using it)" for label, key in (("subnet", "subnets"), ("network interface", "networkInterfaces"))
                for ref in props.get(key) or [] if not _ours(ref, ours, ownership)]
    elif desired.kind is FIREWALL_POLICY:
        out += [f"rule collection group {_name(ref)}" for ref in props.get("ruleCollectionGroups") or [] if not _ours(ref, ours, ownership)]
        out += [f"firewall {_name(ref)} (using it)" for ref in props.get("firewalls") or [] if not _ours(ref, ours, ownership)]
    return out


def _ours(ref: dict, ours: set[str], ownership) -> bool:
    rid = (ref.get("id") or "").lower()
    return rid in ours or rid in ownership.created


def _name(ref: dict) -> str:
    return ref.get("name") or (ref.get("id") or "").rstrip("/").rsplit("/", 1)[-1]


def _trim_routes(desired: Desired, observed: dict) -> Change:
    """The environment's routes taken out of a route table kept for the routes others added to it."""
    declared = {r["name"].lower() for r in (desired.body.get("properties") or {}).get("routes") or []}
    routes = [r for r in (observed.get("properties") or {}).get("routes") or [] if (r.get("name") or "").lower() not in declared]
    wanted = Desired(desired.id, {"properties": {"routes": [{"name": r["name"], "properties": _route_fields(r)} for r in routes]}},
                     exclusive=True)
    diffs = differences({"properties": {"routes": [r.get("name") for r in routes]}},
                        {"properties": {"routes": [r.get("name") for r in (observed.get("properties") or {}).get("routes") or []]}})
    return Change(UPDATE if diffs else UNCHANGED, wanted, observed, diffs)


def _route_fields(route: dict) -> dict:
    return {k: v for k, v in (route.get("properties") or {}).items() if k in ("addressPrefix", "nextHopType", "nextHopIpAddress")}


def _detach(desired: Desired, observed: dict) -> Change:
    props = {k: v for k, v in (observed.get("properties") or {}).items()
             if k in ("addressPrefix", "addressPrefixes", "networkSecurityGroup", "serviceEndpoints", "delegations")}
    return Change(UPDATE, Desired(desired.id, {"properties": props}, replace=True), observed)


def _group_holds(runbook, group_id: str, deleting: set[str], ownership) -> list[str]:
    """What a group holds that this teardown does not delete: others' resources and the environment's kept ones."""
    rid = arm_ids.parse(group_id)
    clients = runbook.clients(rid.subscription)
    out = []
    for item in clients.resource.resources.list_by_resource_group(rid.resource_group):
        if item.id.lower() in deleting:
            continue
        try:
            label = kind_of(item.id).label
        except KeyError:
            label = item.type
        mine = ownership.owns(item.id, {"tags": item.tags or {}}) if _known(item.id) else False
        out.append(f"{label} {item.name}" + (" (kept)" if mine else ""))
    return out


def _known(resource_id: str) -> bool:
    try:
        kind_of(resource_id)
    except KeyError:
        return False
    return True


def hub_leftovers(runbook, ownership) -> list[Change]:
    """The existing hub's resources its owners made at the environment's request: for them to remove, never deleted here."""
    from aksegress.existing_hub import requested

    wanted = [d for d in owned_resources(runbook) if requested(runbook.params, d)]
    seen = observe([d.id for d in wanted], runbook.clients)
    return [Change(DELETE, d, seen[d.id.lower()]) for d in wanted
            if seen.get(d.id.lower()) and not ownership.owns(d.id, seen[d.id.lower()])]


def confirmed(params, yes: bool) -> bool:
    return yes or params.confirm_teardown == params.environment


class TeardownStep:
    """The teardown notebook's handle: a plan of deletes, applied only when confirmed."""

    def __init__(self, runbook, *, yes: bool = False, plan_only: bool = False, run_dir: str | None = None):
        from aksegress.runbook import Step
        from aksegress.steps import teardown_spec

        self.runbook = runbook
        self.params = runbook.params
        self.confirmed = confirmed(runbook.params, yes)
        self._step = Step(runbook, teardown_spec(), plan_only=plan_only, run_dir=run_dir)

    def plan(self) -> Plan:
        self._step.last_plan = teardown_plan(self.runbook, self._step.ownership())
        if self.params.hub.existing:
            self._hand_back(self._step.last_plan)
        return self._step.last_plan

    def _hand_back(self, plan: Plan) -> None:
        """List what the hub's owners made for this environment, and write their removal request with the run."""
        from aksegress.change_request import MD_FILE, removal_request, write_change_request
        from aksegress.layout import environment_outputs

        leftovers = hub_leftovers(self.runbook, self._step.ownership())
        if not leftovers:
            return
        path = write_change_request(self._step.run_dir or environment_outputs(self.params.environment),
                                    removal_request(self.runbook, leftovers))
        self._step.change_request = str(path)
        plan.notes += [f"for the hub owners to remove: {c.desired.kind.label} {c.desired.readable_name} (made at this environment's "
                       f"request; listed in {MD_FILE})" for c in leftovers]

    def apply(self, plan: Plan | None = None):
        from aksegress.apply import ApplyResult, apply_plan

        plan = plan or self._step.last_plan or self.plan()
        if self._step.plan_only:
            self._step.last_apply = ApplyResult(plan.step, skipped=True)
            return self._step.last_apply
        if plan.pending and not self.confirmed:
            from aksegress.checks import CheckReport

            self._step.record(CheckReport("99-teardown", [], skipped_reason="not confirmed: nothing was deleted"))
            raise TeardownNotConfirmed(self.params.environment)
        self._step.last_apply = apply_plan(plan, self.runbook.clients, ownership=self._step.ownership())
        return self._step.last_apply

    def check(self) -> None:
        """After a confirmed teardown, nothing this environment owns is left (kept groups excepted)."""
        from aksegress.checks import CheckReport, Verdict

        if self._step.plan_only:
            report = CheckReport("99-teardown", [], skipped_reason="plan-only run: nothing was deleted")
        else:
            remaining = teardown_plan(self.runbook, self._step.ownership())
            names = [f"{c.desired.kind.label} {c.desired.name}" for c in remaining.pending]
            report = CheckReport("99-teardown", [Verdict("nothing this environment created is left", not names,
                                                         ", ".join(names) or "; ".join(remaining.notes) or "all gone")])
        from aksegress.runbook import _show

        _show(report)
        self._step.record(report)
        report.raise_if_failed()
