"""Step 00's preflight: ask ARM what the signed-in identity may do at every scope the run touches, before any write.

The answer is ARM's permissions API at each resource group (at the subscription where a group does not exist yet);
each declared need it does not allow is named with its scope and the step that needs it.
"""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.core.rest import HttpRequest

from aksegress import arm_ids
from aksegress.arm_json import to_arm
from aksegress.errors import PermissionsError
from aksegress.permissions import Need, declared_needs
from aksegress.rbac_actions import allows

__all__ = ["check_permissions", "missing_needs"]

_API_VERSION = "2022-04-01"


def _subscription_permissions(clients, sub_scope: str) -> list[dict] | None:
    """The answer at a subscription, or None where ARM does not give one (its REST reference documents only the
    resource-group and resource forms): those needs are then left to ARM itself."""
    request = HttpRequest("GET", f"{sub_scope}/providers/Microsoft.Authorization/permissions?api-version={_API_VERSION}")
    response = clients.resource.send_request(request)
    if response.status_code in (400, 404, 405):
        return None
    response.raise_for_status()
    return response.json().get("value") or []


def effective_permissions(clients, scope: str) -> list[dict] | None:
    """The caller's permission blocks at a resource group (or subscription) id, as ARM answers them."""
    rid = arm_ids.parse(scope)
    if rid.resource_group:
        try:
            return [to_arm(p) for p in clients.authorization.permissions.list_for_resource_group(rid.resource_group)]
        except ResourceNotFoundError:
            pass
    return _subscription_permissions(clients, f"/subscriptions/{rid.subscription}")


def missing_needs(clients_for, needs: list[Need]) -> list[Need]:
    """The needs the caller's permissions do not allow; one permissions call per scope."""
    answers: dict[str, list[dict] | None] = {}
    missing = []
    for need in needs:
        key = need.scope.lower()
        if key not in answers:
            answers[key] = effective_permissions(clients_for(arm_ids.parse(need.scope).subscription), need.scope)
        if answers[key] is not None and not allows(answers[key], need.action):
            missing.append(need)
    return missing


def check_permissions(runbook, steps, *, plan_only: bool = False) -> None:
    """Raise PermissionsError naming every missing action by step and scope (reads only for a plan-only run)."""
    needs = [n for n in declared_needs(runbook.params, steps) if not plan_only or n.action.lower().endswith("/read")]
    missing = missing_needs(runbook.clients, needs)
    if not missing:
        return
    by_place: dict[tuple[str, str], list[str]] = {}
    names = {s.number: s.key for s in steps}
    for need in missing:
        by_place.setdefault((names.get(need.step, need.step), need.scope), []).append(need.action)
    places = [f"step {step} at {scope}: {', '.join(sorted(set(actions)))}" for (step, scope), actions in sorted(by_place.items())]
    scopes = len({scope for _, scope in by_place})
    lines = [f"the signed-in identity lacks {len(missing)} action(s) this run needs at {scopes} scope(s); first: {places[0]}",
             *(f"  {place}" for place in places)]
    env = runbook.params.environment
    raise PermissionsError("\n".join(lines), hint=f"grant the least-privilege roles `aksegress permissions --env {env}` prints "
                                                   f"(`--grant-to OBJECT_ID` creates them, run by someone who may assign "
                                                   f"roles), or a role with these actions at these scopes; then re-run")
