"""In a landing-zone estate whose Deny-Subnet-Without-Nsg policy refuses subnets without an NSG, the runbook fails
with the policy's refusal unless the params give the spokes' subnets an NSG (`subnet_nsg: true`); with it the whole
runbook runs, every check passes, and teardown removes the NSGs."""

import pytest

from aksegress.connection import Connection
from aksegress.desired.hub_and_spokes import nsg_id
from aksegress.errors import ApplyError
from aksegress.kinds import NSG
from aksegress.runbook import Runbook
from aksegress.teardown import TeardownStep

STEPS = ("00", "01", "02", "03", "04", "05", "06", "07", "08", "09")


def _under_policy(emulator, params) -> None:
    for sub in params.subscription_ids():
        emulator.assign_policy("Deny-Subnet-Without-Nsg", f"/subscriptions/{sub}")


def _with_nsgs(params):
    return params.model_copy(update={"spokes": {k: s.model_copy(update={"subnet_nsg": True}) for k, s in params.spokes.items()}})


def _runbook(params, tmp_path) -> Runbook:
    return Runbook(params, connection=Connection.read(tmp_path / "arm.json"))


def test_without_subnet_nsg_step_01_stops_on_the_policys_refusal_and_says_which_params_field_fixes_it(emulator, local_params, tmp_path):
    _under_policy(emulator, local_params)
    runbook = _runbook(local_params, tmp_path)
    runbook.step("00").apply()
    with pytest.raises(ApplyError) as stopped:
        runbook.step("01").apply()
    assert stopped.value.cause.code == "RequestDisallowedByPolicy"
    assert "subnet_nsg: true" in stopped.value.hint


def test_with_subnet_nsg_every_step_runs_under_the_policy_and_its_checks_pass(emulator, local_params, tmp_path):
    _under_policy(emulator, local_params)
    runbook = _runbook(_with_nsgs(local_params), tmp_path)
    failed = {}
    for key in STEPS:
        step = runbook.step(key)
        step.apply(step.plan())
        report = step.verify()
        failed.update({f"{key}: {v.name}": v.detail for v in report.verdicts if not v.ok})
    assert failed == {}
    spoke = local_params.spokes["spoke1"]
    subnet = runbook.clients(spoke.subscription_id).network.subnets.get(spoke.resource_group, spoke.vnet.name, "aks")
    assert subnet.network_security_group.id.lower() == nsg_id(spoke).lower()


def test_teardown_removes_the_nsgs_it_made(emulator, local_params, tmp_path):
    params = _with_nsgs(local_params)
    runbook = _runbook(params, tmp_path)
    for key in ("00", "01"):
        runbook.step(key).apply()
    teardown = TeardownStep(runbook, yes=True)
    assert {c.desired.name for c in teardown.plan().pending} >= {f"nsg-{s.vnet.name}" for _, s in params.spokes.items()}
    teardown.apply()
    assert [s.vnet.name for _, s in params.spokes.items() if NSG.get(runbook.clients(s.subscription_id), nsg_id(s))] == []
