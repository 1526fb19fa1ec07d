"""When only a resource's tags differ from the params, the plan says so and apply merges them with ARM's tags
operation: no PUT of the whole resource, and tags someone else added stay."""

from aksegress.connection import Connection
from aksegress.ownership import CREATED_BY_TAG
from aksegress.runbook import Runbook


def _built(params, tmp_path) -> Runbook:
    runbook = Runbook(params, connection=Connection.read(tmp_path / "arm.json"))
    for key in ("00", "01"):
        step = runbook.step(key)
        step.apply(step.plan())
    return runbook


def _retag_hub_vnet(runbook, params) -> None:
    """Someone changes the hub VNet's `owner` tag and adds one of their own, with the VNet's own tags PATCH."""
    hub = params.hub
    vnets = runbook.clients(hub.subscription_id).network.virtual_networks
    tags = dict(vnets.get(hub.resource_group, hub.vnet.name).tags)
    vnets.update_tags(hub.resource_group, hub.vnet.name, {"tags": {**tags, "owner": "someone-else", "costcentre": "42"}})


def _writes(emulator, arm_type: str) -> int:
    return emulator.counters()["by_type"].get(arm_type, {}).get("writes", 0)


def test_a_plan_whose_only_difference_is_tags_says_apply_uses_the_tags_operation(emulator, local_params, tmp_path):
    runbook = _built(local_params, tmp_path)
    _retag_hub_vnet(runbook, local_params)
    plan = runbook.step("01").plan()
    [change] = plan.pending
    assert (change.desired.readable_name, change.operation, [str(d) for d in change.diffs]) == (
        "vnet-hub", "tags", ["tags.owner: someone-else -> platform"])
    assert plan.to_frame()["action"].tolist().count("~ update (tags only)") == 1
    assert change.to_dict("01-hub-and-spokes")["operation"] == "tags"


def test_apply_of_a_tags_only_change_sends_no_put_and_keeps_others_tags(emulator, local_params, tmp_path):
    runbook = _built(local_params, tmp_path)
    _retag_hub_vnet(runbook, local_params)
    step = runbook.step("01")
    vnet_writes, tag_writes = _writes(emulator, "Microsoft.Network/virtualNetworks"), _writes(emulator, "Microsoft.Resources/tags")
    step.apply(step.plan())
    assert _writes(emulator, "Microsoft.Network/virtualNetworks") == vnet_writes
    assert _writes(emulator, "Microsoft.Resources/tags") == tag_writes + 1
    hub = local_params.hub
    tags = runbook.clients(hub.subscription_id).network.virtual_networks.get(hub.resource_group, hub.vnet.name).tags
    assert (tags["owner"], tags["costcentre"]) == ("platform", "42") and CREATED_BY_TAG in tags
    assert not runbook.step("01").plan().pending
