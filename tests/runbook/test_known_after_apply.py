"""Which missing facts a plan-only run may call "known after apply": only a resource an earlier step of the same
plan creates by name; a resource in a bad state is a fault the plan must fail on."""

from aksegress.runner import _created_by_this_plan

STEP_05 = {"name": "05-private-aks", "status": "passed",
           "changes": {"plan": [{"action": "create", "name": "privateaksspoke2"}, {"action": "update", "name": "privateaksspoke1"}]}}


def _error(evalue: str) -> dict:
    return {"evalue": evalue, "next": "Next: run step 05-private-aks first"}


def test_a_cluster_the_plan_creates_is_known_after_apply():
    assert _created_by_this_plan([STEP_05], _error("cluster privateaksspoke2 in spoke2 is absent"))


def test_a_failed_cluster_fails_the_plan_even_when_its_step_plans_other_changes():
    assert not _created_by_this_plan([STEP_05], _error("cluster privateaksspoke1 in spoke1 is Failed"))


def test_an_absent_cluster_its_step_does_not_create_fails_the_plan():
    assert not _created_by_this_plan([STEP_05], _error("cluster privateaksspoke3 in spoke3 is absent"))


def test_a_step_outside_the_run_makes_nothing_known_after_apply():
    assert not _created_by_this_plan([], _error("cluster privateaksspoke2 in spoke2 is absent"))
