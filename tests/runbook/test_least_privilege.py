"""`aksegress permissions`: custom roles per subscription with no wildcard, and a constrained delegation for step 06."""

from __future__ import annotations

import json

from aksegress.cli.permissions import permissions_main
from aksegress.params import load_params
from tests.runbook.conftest import REPO

PARAMS_FILE = REPO / "params" / "local.yaml"
OWNER, CONTRIBUTOR, UAA = ("8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c",
                           "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9")


def _plan(capsys) -> dict:
    assert permissions_main(["--json"], lambda args: PARAMS_FILE) == 0
    return json.loads(capsys.readouterr().out)


def test_there_is_one_custom_role_per_subscription_assignable_there(capsys):
    roles = _plan(capsys)["roles"]
    assert sorted(r["AssignableScopes"][0] for r in roles) == sorted(f"/subscriptions/{s}" for s in load_params(PARAMS_FILE).subscription_ids())
    assert all(r["IsCustom"] and r["Actions"] and not r["NotActions"] for r in roles)


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
    assert text.count("custom role aksegress local runbook") == 3 and "assignments to make:" in text
