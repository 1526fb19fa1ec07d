"""`aksegress permissions`: custom roles with no wildcard, assigned at the groups that exist (the rest at their subscription),
and a constrained delegation for step 06."""

from __future__ import annotations

import json

from aksegress.cli.permissions import permissions_main
from aksegress.least_privilege import role_plan
from aksegress.params import load_params
from aksegress.permissions import node_resource_group
from aksegress.steps import all_steps
from tests.runbook.conftest import REPO

PARAMS_FILE = REPO / "params" / "local.yaml"
OWNER, CONTRIBUTOR, UAA = ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c",
                           "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")


def _plan(capsys) -> dict:
    assert permissions_main(["--json"], lambda args: PARAMS_FILE) == 0
    return json.loads(capsys.readouterr().out)


def test_each_subscription_has_a_role_for_its_groups_and_one_for_the_subscription_both_assignable_there(capsys):
    roles = _plan(capsys)["roles"]
    subs = sorted(f"/subscriptions/{s}" for s in load_params(PARAMS_FILE).subscription_ids())
    assert sorted(r["AssignableScopes"][0] for r in roles) == sorted(subs * 2)
    assert all(r["IsCustom"] and r["Actions"] and not r["NotActions"] for r in roles)


def _scopes(plan: dict) -> set[tuple[str, str]]:
    return {(a["role"].split(" (")[0], a["scope"].lower()) for a in plan["assignments"]}


def _groups(params) -> set[str]:
    env = {f"/subscriptions/{s.subscription_id}/resourcegroups/{s.resource_group}".lower() for _, s in params.sites()}
    return env | {node_resource_group(params, spoke).lower() for _, spoke in params.spokes_with_cluster()}


def test_where_every_group_exists_roles_are_assigned_at_the_groups_and_only_the_group_list_at_the_subscription():
    params = load_params(PARAMS_FILE)
    plan = role_plan(params, all_steps(), _groups(params))
    wide = [r for r in plan["roles"] if "subscription-wide" in r["Name"]]
    assert {a for r in wide for a in r["Actions"]} == {"Microsoft.Resources/subscriptions/resourceGroups/read"}
    assert {scope for role, scope in _scopes(plan) if role == "aksegress local runbook"} == _groups(params)
    assert {scope for role, scope in _scopes(plan) if role.startswith("Role Based")} == {
        f"/subscriptions/{s.subscription_id}/resourcegroups/{s.resource_group}".lower() for s in params.spokes.values()}
    assert plan["unmade"] == []


def test_the_actions_in_a_group_that_does_not_exist_yet_are_granted_at_its_subscription_and_named():
    params = load_params(PARAMS_FILE)
    node_groups = {node_resource_group(params, spoke).lower() for _, spoke in params.spokes_with_cluster()}
    plan = role_plan(params, all_steps(), _groups(params) - node_groups)
    wide = {a for r in plan["roles"] if "subscription-wide" in r["Name"] for a in r["Actions"]}
    assert "Microsoft.Network/privateDnsZones/virtualNetworkLinks/write" in wide
    assert not {scope for _, scope in _scopes(plan)} & node_groups
    assert {g.lower() for g in plan["unmade"]} == node_groups


def test_no_role_holds_a_wildcard_or_the_right_to_assign_roles(capsys):
    actions = [a for r in _plan(capsys)["roles"] for a in r["Actions"]]
    assert not any("*" in a for a in actions)
    assert not any(a.lower().startswith("microsoft.authorization/roleassignments/write") for a in actions)


def test_no_assignment_is_owner_contributor_or_user_access_administrator(capsys):
    assigned = [a["roleDefinitionId"].rsplit("/", 1)[-1] for a in _plan(capsys)["assignments"]]
    assert not {OWNER, CONTRIBUTOR, UAA} & set(assigned)


def test_role_assignments_are_delegated_for_network_contributor_only(capsys):
    delegated = [a for a in _plan(capsys)["assignments"] if a["condition"]]
    assert delegated and all(a["role"] == "Role Based Access Control Administrator" for a in delegated)
    assert all("GuidEquals {4d97b98b-1d4f-4787-a291-c67834d212e7}" in a["condition"] for a in delegated)


def test_the_text_form_lists_every_role_and_assignment(capsys):
    assert permissions_main([], lambda args: PARAMS_FILE) == 0
    text = capsys.readouterr().out
    assert text.count("custom role aksegress local runbook (") == 3 and text.count("runbook, subscription-wide (") >= 3
    assert "assignments to make:" in text
