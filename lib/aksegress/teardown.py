"""Teardown: remove what this environment created, dependants first, and nothing else.

Only resources carrying the environment's tag (or children of such resources, and the runbook's own
links, rules and role assignments) are deleted; a resource group goes only when nothing but the
runbook's resources was in it. The plan is recomputed from the live state each time, so an interrupted
teardown completes when run again, and a second teardown finds nothing to do.
"""

from __future__ import annotations

from aksegress import arm_ids
from aksegress.desired.common import ENV_TAG
from aksegress.errors import TeardownNotConfirmed
from aksegress.facts import MissingFact
from aksegress.kinds import RESOURCE_GROUP, SUBNET
from aksegress.observe import observe
from aksegress.plan import DELETE, UPDATE, Change, Desired, Plan
from aksegress.steps import all_steps

STAGES = [
    ("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "access"),
    ("Microsoft.Compute/virtualMachines", None),
    ("Microsoft.Network/networkInterfaces", None),
    ("Microsoft.Authorization/roleAssignments", None),
    ("Microsoft.ContainerService/managedClusters", None),
    ("detach-route-tables", None),
    ("Microsoft.Network/routeTables", None),
    ("Microsoft.Network/firewallPolicies/ruleCollectionGroups", None),
    ("Microsoft.Network/azureFirewalls", None),
    ("Microsoft.Network/virtualNetworkGateways", None),
    ("Microsoft.Network/publicIPAddresses", None),
    ("Microsoft.Network/firewallPolicies", None),
    ("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", None),
    ("Microsoft.Network/virtualNetworks", None),
]


def owned_resources(runbook) -> list[Desired]:
    """Everything any step declares, as far as the facts it needs still exist."""
    out: dict[str, Desired] = {}
    for spec in all_steps():
        try:
            for d in spec.desired(runbook.params, runbook.facts):
                out.setdefault(d.id.lower(), d)
        except MissingFact:
            continue
    return list(out.values())


def _ours(desired: Desired, observed: dict, env: str) -> bool:
    if not desired.kind.tagged:
        return True
    return (observed.get("tags") or {}).get(ENV_TAG) == env


def teardown_plan(runbook) -> Plan:
    """Deletes (and route-table detaches) in dependency order; resource groups last."""
    env = runbook.params.environment
    owned = owned_resources(runbook)
    seen = observe([d.id for d in owned], runbook.clients)
    present = [(d, seen[d.id.lower()]) for d in owned if seen.get(d.id.lower()) and _ours(d, seen[d.id.lower()], env)]
    stages: list[list[Change]] = []
    for arm_type, _ in STAGES:
        if arm_type == "detach-route-tables":
            stage = [_detach(d, body) for d, body in present if d.kind is SUBNET and (body.get("properties") or {}).get("routeTable")]
        else:
            stage = [Change(DELETE, Desired(d.id, {}), body) for d, body in present if d.kind.arm_type == arm_type]
        if stage:
            stages.append(stage)
    groups, notes = [], []
    for d, body in present:
        if d.kind is RESOURCE_GROUP:
            foreign = foreign_resources(runbook, d.id)
            if foreign:
                notes.append(f"resource group {arm_ids.parse(d.id).resource_group} is kept: it holds {len(foreign)} resource(s) "
                             f"this environment did not create ({', '.join(arm_ids.parse(f).name for f in foreign[:5])})")
            else:
                groups.append(Change(DELETE, Desired(d.id, {}), body))
    if groups:
        stages.append(groups)
    changes = []
    previous: tuple[str, ...] = ()
    for stage in stages:
        for change in stage:
            change.desired = Desired(change.desired.id, change.desired.body, depends_on=previous, replace=change.desired.replace)
            changes.append(change)
        previous = tuple(c.desired.id for c in stage)
    return Plan("99-teardown", changes, notes)


def _detach(desired: Desired, observed: dict) -> Change:
    props = {k: v for k, v in (observed.get("properties") or {}).items()
             if k in ("addressPrefix", "addressPrefixes", "networkSecurityGroup", "serviceEndpoints", "delegations")}
    return Change(UPDATE, Desired(desired.id, {"properties": props}, replace=True), observed)


def foreign_resources(runbook, group_id: str) -> list[str]:
    """Resources in a group that the runbook did not create (a group holding any is kept)."""
    rid = arm_ids.parse(group_id)
    clients = runbook.clients(rid.subscription)
    env = runbook.params.environment
    items = clients.resource.resources.list_by_resource_group(rid.resource_group)
    return [item.id for item in items if ((item.tags or {}).get(ENV_TAG) != env)]


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
        self._step.last_plan = teardown_plan(self.runbook)
        return self._step.last_plan

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
        self._step.last_apply = apply_plan(plan, self.runbook.clients)
        return self._step.last_apply

    def check(self) -> None:
        """After a confirmed teardown, nothing this environment owns is left (kept groups excepted)."""
        from aksegress.checks import CheckReport, Verdict

        if self._step.plan_only:
            report = CheckReport("99-teardown", [], skipped_reason="plan-only run: nothing was deleted")
        else:
            remaining = teardown_plan(self.runbook)
            names = [f"{c.desired.kind.label} {c.desired.name}" for c in remaining.pending]
            report = CheckReport("99-teardown", [Verdict("nothing this environment created is left", not names,
                                                         ", ".join(names) or "; ".join(remaining.notes) or "all gone")])
        from aksegress.runbook import _show

        _show(report)
        self._step.record(report)
        report.raise_if_failed()
