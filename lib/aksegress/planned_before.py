"""In a plan-only run, the estate as the run's earlier steps would leave it: the base a step's reachability impact is
measured from, so each step's flows read as they would in a real run (where the earlier steps have been applied)."""

from __future__ import annotations

import json
from pathlib import Path

from aksegress.facts import MissingFact
from aksegress.impact import planned_snapshot, touches_model
from aksegress.netmodel.arm_resources import norm_id, type_from_id
from aksegress.plan import merge

__all__ = ["planned_base"]


def planned_base(step, changes: list[tuple[str, str, dict | None]]):
    """(base snapshot, ``changes``) for ``step``'s impact. In a plan-only run the base has the pending changes of each
    earlier step of the run laid over it, and a change to a resource an earlier step plans is laid over that plan's
    body, as apply would lay it over what exists; elsewhere, the snapshot and ``changes`` as they are (a real run has
    applied the earlier steps, and Lab plans against what exists)."""
    snap = step.snapshot()
    if not (step.plan_only and step.run_dir):
        return snap, changes
    planned: dict[str, tuple[str, str, dict | None]] = {}
    for key in _earlier_with_changes(Path(step.run_dir) / "run.json", step.spec.key):
        try:
            plan = step.runbook.step(key, plan_only=True, reads=step.reads).plan(impact=False)
        except MissingFact:
            continue
        for c in plan.pending:
            if touches_model(c.desired.id):
                body = None if c.action == "delete" else _known_after_apply(step.params, c.desired.id, c.body_to_send())
                _lay(planned, (c.action, c.desired.id, body), c.desired.replace)
    earlier = list(planned.values())
    ours: dict[str, tuple[str, str, dict | None]] = {}
    for action, rid, body in changes:
        known = None if body is None else _known_after_apply(step.params, rid, body)
        ours[norm_id(rid)] = _over(planned.get(norm_id(rid)), (action, rid, known))
    return planned_snapshot(snap, earlier) or snap, list(ours.values())


def _lay(planned: dict, change: tuple[str, str, dict | None], replace: bool) -> None:
    rid = norm_id(change[1])
    planned[rid] = change if replace else _over(planned.get(rid), change)


def _over(earlier: tuple | None, change: tuple[str, str, dict | None]) -> tuple[str, str, dict | None]:
    """``change`` with its body laid over an earlier planned body of the same resource (a delete stays a delete)."""
    action, rid, body = change
    if earlier is None or earlier[2] is None or body is None:
        return change
    return action, rid, merge(earlier[2], body)


def _known_after_apply(params, resource_id: str, body: dict) -> dict:
    """A firewall the plan creates in the params' own hub, with the private address Azure will give it: the first it
    hands out in AzureFirewallSubnet (.4), which the planned route tables already name as their next hop."""
    if params.hub.existing or type_from_id(resource_id).lower() != "microsoft.network/azurefirewalls":
        return body
    configs = (body.get("properties") or {}).get("ipConfigurations") or []
    if not configs or (configs[0].get("properties") or {}).get("privateIPAddress"):
        return body
    first = {**configs[0], "properties": {**(configs[0].get("properties") or {}), "privateIPAddress": str(params.firewall_private_ip())}}
    return {**body, "properties": {**body["properties"], "ipConfigurations": [first, *configs[1:]]}}


def _earlier_with_changes(record_path: Path, key: str) -> list[str]:
    """The steps before ``key`` in the run's record that planned changes, in run order."""
    try:
        steps = json.loads(record_path.read_text()).get("steps", [])
    except (OSError, ValueError):
        return []
    names = [s.get("name") for s in steps]
    if key not in names:
        return []
    return [s["name"] for s in steps[:names.index(key)] if s.get("status") == "passed" and (s.get("changes") or {}).get("planned")]
