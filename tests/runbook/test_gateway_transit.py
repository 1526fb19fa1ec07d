"""With a VPN gateway, step 03 waits for it and sets gateway transit on the peerings, so on-premises reaches the
spokes; Azure refuses a spoke's use of the hub's gateway before the gateway exists."""

import pytest
from azure.core.exceptions import HttpResponseError

from aksegress.connection import Connection
from aksegress.desired.hub_and_spokes import peering_name
from aksegress.runbook import Runbook


def _built(local_params, tmp_path, *keys) -> Runbook:
    runbook = Runbook(local_params, connection=Connection.read(tmp_path / "arm.json"))
    for key in keys:
        step = runbook.step(key)
        step.apply(step.plan())
    return runbook


def test_step_03_offers_the_hubs_gateway_to_every_spoke_once_it_exists(emulator, local_params, tmp_path):
    runbook = _built(local_params, tmp_path, "00", "01", "02", "03")
    hub = local_params.hub
    hub_network = runbook.clients(hub.subscription_id).network
    for _, spoke in local_params.spokes.items():
        offer = hub_network.virtual_network_peerings.get(hub.resource_group, hub.vnet.name, peering_name(hub, spoke))
        use = runbook.clients(spoke.subscription_id).network.virtual_network_peerings.get(
            spoke.resource_group, spoke.vnet.name, peering_name(spoke, hub))
        assert offer.allow_gateway_transit and use.use_remote_gateways
    assert not runbook.step("01", plan_only=True).plan().pending


def test_a_spoke_cannot_use_the_hubs_gateway_before_the_gateway_exists(emulator, local_params, tmp_path):
    runbook = _built(local_params, tmp_path, "00", "01")
    hub, spoke = local_params.hub, local_params.spokes["spoke1"]
    peerings = runbook.clients(spoke.subscription_id).network.virtual_network_peerings
    current = peerings.get(spoke.resource_group, spoke.vnet.name, peering_name(spoke, hub))
    current.use_remote_gateways = True
    with pytest.raises(HttpResponseError) as refused:
        peerings.begin_create_or_update(spoke.resource_group, spoke.vnet.name, current.name, current).result()
    assert refused.value.error.code == "RemoteVnetHasNoGateways"
