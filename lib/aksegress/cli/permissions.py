"""`aksegress permissions`: the least-privilege roles the runbook needs for an environment, printed (as if its resource
groups existed), or created for a principal with `--grant-to` (through the SDK, as someone who may create roles and
assign them), each at the narrowest scope that exists now."""

from __future__ import annotations

import argparse
import json
import uuid

from aksegress.least_privilege import existing_groups, role_plan

_NAMESPACE = uuid.UUID("9b7e2c14-6a3f-4e0d-8c51-2f4d7a9e3b66")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aksegress permissions",
                                     description="Print the custom roles (per subscription) and the assignments the runbook's identity "
                                                 "needs; with --grant-to, create them for that principal.")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--env", help="environment name: reads params/<env>.yaml")
    where.add_argument("--params", help="path to a params file")
    parser.add_argument("--json", action="store_true", help="print one JSON document: roles (az role definition create shape) and assignments")
    parser.add_argument("--grant-to", metavar="OBJECT_ID", help="create the roles and assign them to this principal's object id")
    parser.add_argument("--connection-file", help="for the emulator: its connection file (else $AKSEGRESS_CONNECTION, else one is started)")
    return parser


def _text(plan: dict) -> str:
    lines = []
    for role in plan["roles"]:
        lines += [f"custom role {role['Name']} ({role['id']}), assignable at {', '.join(role['AssignableScopes'])}:",
                  *(f"  {action}" for action in role["Actions"])]
    lines.append("assignments to make:")
    for item in plan["assignments"]:
        condition = f"\n    condition: {item['condition']}" if item["condition"] else ""
        lines.append(f"  {item['role']} at {item['scope']}{condition}")
    if not plan["groups_checked"]:
        lines.append("(resource groups taken as existing: --grant-to looks, and grants a group not made yet at its subscription)")
    if plan["unmade"]:
        lines += ["granted at the subscription, since these resource groups do not exist yet (a role cannot be assigned at a "
                  "group before it exists); create them first (listing them under `adopt:`), or run --grant-to again once "
                  "the run has made them, to narrow these to the groups:", *(f"  {group}" for group in plan["unmade"])]
    return "\n".join(lines)


def _assignment_name(scope: str, role_definition_id: str, principal: str) -> str:
    """A stable GUID per (scope, role, principal): how a later --grant-to knows the assignments an earlier one made."""
    return str(uuid.uuid5(_NAMESPACE, f"{scope.lower()}|{role_definition_id.lower()}|{principal.lower()}"))


def _withdraw_stale(runbook, plan: dict, principal: str) -> list[str]:
    """Remove what an earlier --grant-to assigned to `principal` that this plan does not hold (actions of a group made
    since then move from its subscription to the group); assignments it did not make are left alone."""
    planned = {_assignment_name(a["scope"], a["roleDefinitionId"], principal) for a in plan["assignments"]}
    done = []
    for sub in runbook.params.subscription_ids():
        authorization = runbook.clients(sub).authorization
        for found in authorization.role_assignments.list_for_subscription(filter=f"principalId eq '{principal}'"):
            if found.name not in planned and found.name == _assignment_name(found.scope, found.role_definition_id, principal):
                authorization.role_assignments.delete(found.scope, found.name)
                done.append(f"assignment at {found.scope} withdrawn (no longer in the plan)")
    return done


def grant(runbook, plan: dict, principal: str) -> list[str]:
    """Create (or update) each role definition and assignment for `principal`, then withdraw the ones an earlier grant
    made that the plan no longer holds; returns what was done."""
    from azure.core.exceptions import ResourceExistsError
    from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters, RoleDefinition

    done = []
    for role in plan["roles"]:
        scope = role["AssignableScopes"][0]
        runbook.clients(scope.split("/")[2]).authorization.role_definitions.create_or_update(scope, role["id"], RoleDefinition(
            role_name=role["Name"], description=role["Description"], role_type="CustomRole", assignable_scopes=role["AssignableScopes"],
            permissions=[{"actions": role["Actions"], "not_actions": []}]))
        done.append(f"role {role['Name']} defined")
    for item in plan["assignments"]:
        name = _assignment_name(item["scope"], item["roleDefinitionId"], principal)
        params = RoleAssignmentCreateParameters(role_definition_id=item["roleDefinitionId"], principal_id=principal,
                                                principal_type="ServicePrincipal", condition=item["condition"],
                                                condition_version="2.0" if item["condition"] else None)
        try:
            runbook.clients(item["scope"].split("/")[2]).authorization.role_assignments.create(item["scope"], name, params)
            done.append(f"{item['role']} assigned at {item['scope']}")
        except ResourceExistsError:
            done.append(f"{item['role']} already assigned at {item['scope']}")
    return done + _withdraw_stale(runbook, plan, principal)


def permissions_main(args_list: list[str], params_file) -> int:
    from aksegress.params import load_params
    from aksegress.steps import all_steps, teardown_spec

    args = _parser().parse_args(args_list)
    params = load_params(params_file(args))
    runbook = None
    if args.grant_to:
        from aksegress.runbook import Runbook

        runbook = Runbook.open(params_file=str(params_file(args)), connection_file=args.connection_file)
    plan = role_plan(params, [*all_steps(), teardown_spec()], existing_groups(runbook.clients, params) if runbook else None)
    print(json.dumps(plan, indent=2) if args.json else _text(plan))
    if runbook:
        for line in grant(runbook, plan, args.grant_to):
            print(line)
    return 0
