"""Apply lays its change over the resource as it is at the moment of writing, conditional on its etag, so what
another person or team changed after the plan was made is kept."""

from aksegress.connection import Connection
from aksegress.desired.common import ENV_TAG, vnet_id
from aksegress.runbook import Runbook


def _built_to_step_01(emulator, local_params, tmp_path) -> Runbook:
    runbook = Runbook(local_params, connection=Connection.read(tmp_path / "arm.json"))
    for key in ("00", "01"):
        step = runbook.step(key)
        step.apply(step.plan())
    return runbook


def test_a_subnet_added_while_a_plan_to_update_its_vnet_waited_survives_the_apply(emulator, local_params, tmp_path):
    runbook = _built_to_step_01(emulator, local_params, tmp_path)
    hub = local_params.hub
    network = runbook.clients(hub.subscription_id).network
    vnet = network.virtual_networks.get(hub.resource_group, hub.vnet.name)
    vnet.tags = {k: v for k, v in vnet.tags.items() if k != ENV_TAG}
    network.virtual_networks.begin_create_or_update(hub.resource_group, hub.vnet.name, vnet).result()
    step = runbook.step("01")
    plan = step.plan()
    assert [c.desired.id for c in plan.pending] == [vnet_id(hub)]
    network.subnets.begin_create_or_update(hub.resource_group, hub.vnet.name, "team-x", {"properties": {"addressPrefix": "10.0.250.0/24"}}).result()
    step.apply(plan)
    after = network.virtual_networks.get(hub.resource_group, hub.vnet.name)
    assert "team-x" in [s.name for s in after.subnets]
    assert after.tags[ENV_TAG] == local_params.environment
