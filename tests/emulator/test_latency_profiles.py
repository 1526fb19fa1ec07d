"""The `azure-timed` latency profile: each operation lasts its type's Azure time, scaled down, whatever the polls."""

from __future__ import annotations

import pytest

from aksegress.connect import Clients
from aksegress.emulator import start_emulator
from aksegress.emulator.handler import PROFILES
from tests.emulator.conftest import SUB, TENANT

TIMED = PROFILES["azure-timed"]


@pytest.fixture
def timed(tmp_path):
    with start_emulator(tmp_path / "timed.sqlite", TENANT, [SUB], latency_profile="azure-timed") as running:
        yield running


def _azure_seconds(emulator, resource_id: str) -> list[float]:
    return [round((op.ready_at - op.started) / TIMED.scale, 3) for op in emulator.store.operations()
            if op.resource_key == resource_id.lower()]


def test_each_write_lasts_its_types_azure_time_scaled(timed):
    clients = Clients.for_emulator(timed.connection, SUB)
    group = clients.resource.resource_groups.create_or_update("rg", {"location": "eastus"})
    vnet = clients.network.virtual_networks.begin_create_or_update(
        "rg", "hub", {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}).result()
    policy = clients.network.firewall_policies.begin_create_or_update("rg", "fwpol", {"location": "eastus"}).result()
    assert vnet.provisioning_state == policy.provisioning_state == "Succeeded"
    assert _azure_seconds(timed, vnet.id) == [10.0]
    assert _azure_seconds(timed, policy.id) == [30.0]
    assert group.properties.provisioning_state == "Succeeded"


def test_firewall_and_gateway_take_azure_minutes_and_unlisted_types_the_default():
    assert TIMED.modelled_seconds("Microsoft.Network/azureFirewalls") == 5 * 60
    assert TIMED.modelled_seconds("Microsoft.Network/virtualNetworkGateways") == 45 * 60
    assert TIMED.modelled_seconds("Microsoft.Unknown/things") == TIMED.default_azure_seconds
    assert PROFILES["fast"].modelled_seconds("Microsoft.Network/azureFirewalls") is None


def test_polls_do_not_end_a_timed_operation_early(timed):
    polls, seconds = timed.app.arm.operation_timing("Microsoft.Network/azureFirewalls")
    assert polls > 10 ** 6
    assert seconds == pytest.approx(5 * 60 * TIMED.scale)
