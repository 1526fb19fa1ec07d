"""VM run-command returns a script's output only when the VM reaches Azure's public addresses on TCP 443 (the
AzureCloud tag); the test VM subnets route everything to the firewall, so step 08 allows that from them."""

from aksegress.connection import Connection
from aksegress.desired.cross_vnet_access import run_command_group_id
from aksegress.runbook import Runbook


def _echo(runbook, spoke) -> str:
    compute = runbook.clients(spoke.subscription_id).compute
    result = compute.virtual_machines.begin_run_command(spoke.resource_group, spoke.test_vm.name,
                                                        {"commandId": "RunShellScript", "script": ["echo probe-answer"]}).result()
    return result.value[0].message


def test_run_command_output_comes_back_through_the_firewall_only_while_step_08_allows_azurecloud(emulator, local_params, tmp_path):
    runbook = Runbook(local_params, connection=Connection.read(tmp_path / "arm.json"))
    for key in ("00", "01", "02", "03", "04", "05", "06", "08"):
        step = runbook.step(key)
        step.apply(step.plan())
    spoke = local_params.spokes["spoke2"]
    assert "probe-answer" in _echo(runbook, spoke)
    hub = local_params.hub
    groups = runbook.clients(hub.subscription_id).network.firewall_policy_rule_collection_groups
    groups.begin_delete(hub.resource_group, hub.firewall.policy, run_command_group_id(local_params).rsplit("/", 1)[1]).result()
    assert "probe-answer" not in _echo(runbook, spoke)
