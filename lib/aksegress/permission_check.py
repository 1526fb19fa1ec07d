"""Step 00's preflight: ask ARM what the signed-in identity may do at every scope the run touches, before any write.

The answer is ARM's permissions API at each resource group (its documented form), and at the subscription for a group
that does not exist yet (a form ARM answers though its REST reference leaves it out, docs/arm-wire-format.md#6-errors);
each declared need it does not allow is named with its scope and the step that needs it. Where ARM gives no answer at
a subscription, the needs there are said to be unchecked and left to ARM, which then refuses the first one it meets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from azure.core.exceptions import ResourceNotFoundError
from azure.core.rest import HttpRequest

from aksegress import arm_ids
from aksegress.arm_json import to_arm
from aksegress.errors import PermissionsError
from aksegress.permissions import Need, declared_needs
from aksegress.rbac_actions import allows

__all__ = ["Preflight", "check_permissions", "missing_needs"]

_API_VERSION = "2022-04-01"


def _subscription_permissions(clients, sub_scope: str) -> list[dict] | None:
    """The answer at a subscription, or None where ARM does not give one (its REST reference documents only the
    resource-group and resource forms): those needs are then left to ARM itself."""
    request = HttpRequest("GET", f"{sub_scope}/providers/Microsoft.Authorization/permissions?api-version={_API_VERSION}")
    response = clients.resource.send_request(request)
    if response.status_code in (400, 403, 404, 405):
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


@dataclass
class Preflight:
    """The declared needs the caller's permissions do not allow, and those no permissions answer covered."""

    missing: list[Need] = field(default_factory=list)
    unchecked: list[Need] = field(default_factory=list)

    def note(self) -> str | None:
        """A line for the user when some needs could not be checked, else None."""
        if not self.unchecked:
            return None
        scopes = sorted({n.scope for n in self.unchecked}, key=str.lower)
        return (f"not checked: {len(self.unchecked)} action(s) at {len(scopes)} resource group(s) not made yet "
                f"({', '.join(scopes)}): ARM gave no permissions answer at their subscription, so ARM itself "
                f"will refuse the first one this identity lacks, when a step sends it")


def missing_needs(clients_for, needs: list[Need]) -> Preflight:
    """The needs the caller's permissions do not allow, and those left unchecked; one permissions call per scope."""
    answers: dict[str, list[dict] | None] = {}
    found = Preflight()
    for need in needs:
        key = need.scope.lower()
        if key not in answers:
            answers[key] = effective_permissions(clients_for(arm_ids.parse(need.scope).subscription), need.scope)
        if answers[key] is None:
            found.unchecked.append(need)
        elif not allows(answers[key], need.action):
            found.missing.append(need)
    return found


def check_permissions(params, steps, clients_for, *, plan_only: bool = False) -> Preflight:
    """Raise PermissionsError naming every missing action by step and scope (reads only for a plan-only run); else
    the preflight, whose note names what could not be checked."""
    needs = [n for n in declared_needs(params, steps) if not plan_only or n.action.lower().endswith("/read")]
    found = missing_needs(clients_for, needs)
    missing = found.missing
    if not missing:
        return found
    by_place: dict[tuple[str, str], list[str]] = {}
    names = {s.number: s.key for s in steps}
    for need in missing:
        by_place.setdefault((names.get(need.step, need.step), need.scope), []).append(need.action)
    places = [f"step {step} at {scope}: {', '.join(sorted(set(actions)))}" for (step, scope), actions in sorted(by_place.items())]
    scopes = len({scope for _, scope in by_place})
    lines = [f"the signed-in identity lacks {len(missing)} action(s) this run needs at {scopes} scope(s); first: {places[0]}",
             *(f"  {place}" for place in places), *([found.note()] if found.unchecked else [])]
    env = params.environment
    raise PermissionsError("\n".join(lines), hint=f"grant the least-privilege roles `aksegress permissions --env {env}` prints "
                                                   f"(`--grant-to OBJECT_ID` creates them, run by someone who may assign "
                                                   f"roles), or a role with these actions at these scopes; then re-run")
