"""Faults on demand: what the emulator deals when chaos is on, and how the SDK's retry policy copes."""

import threading

import pytest
from azure.core.exceptions import HttpResponseError

from tests.emulator.conftest import raw_request


def _chaos(emulator, **settings):
    return raw_request(emulator.connection, "POST", "/_emulator/chaos", body=settings).body


def test_throttled_and_failing_reads_are_retried_by_the_sdk(emulator, clients, rg):
    from aksegress.connect import RequestTally

    tally = RequestTally()
    counted = clients.counted_by(tally)
    _chaos(emulator, rate=0.5, kinds=["throttle", "server_error", "reset"], seed=7)
    for _ in range(12):
        assert counted.resource.resource_groups.get(rg).name == rg
    dealt = _chaos(emulator, rate=0)["dealt"]
    assert sum(dealt.values()) > 0
    assert len(tally.retries) == sum(dealt.values())


def test_a_conflict_surfaces_as_another_operation_in_progress(emulator, clients, rg):
    _chaos(emulator, rate=1.0, kinds=["conflict"], seed=1)
    with pytest.raises(HttpResponseError) as caught:
        clients.network.virtual_networks.begin_create_or_update(rg, "v", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}).result()
    assert caught.value.status_code == 409 and caught.value.error.code == "AnotherOperationInProgress"


def test_a_failed_operation_ends_the_sdk_poller_with_arms_error(emulator, clients, rg):
    _chaos(emulator, rate=1.0, kinds=["lro_failed"], seed=1)
    with pytest.raises(HttpResponseError) as caught:
        clients.network.virtual_networks.begin_create_or_update(rg, "v", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}).result()
    assert caught.value.error.code == "InternalServerError"


def test_chaos_refuses_unknown_fault_kinds(emulator):
    answer = raw_request(emulator.connection, "POST", "/_emulator/chaos", body={"rate": 0.1, "kinds": ["meteor"]})
    assert answer.status == 400 and answer.body["error"]["code"] == "InvalidChaosSettings"


def test_a_held_write_stays_in_flight_until_released(emulator, clients, rg):
    raw_request(emulator.connection, "POST", "/_emulator/holds", body={"method": "PUT", "type": "Microsoft.Network/virtualNetworks", "seconds": 10})
    done = threading.Event()

    def create():
        clients.network.virtual_networks.begin_create_or_update(rg, "held", {"location": "eastus", "properties": {
            "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}).result()
        done.set()

    threading.Thread(target=create, daemon=True).start()
    for _ in range(200):
        holds = raw_request(emulator.connection, "GET", "/_emulator/chaos").body["holds"]
        if holds and holds[0]["holding"] == 1:
            break
        threading.Event().wait(0.02)
    assert holds[0]["holding"] == 1 and not done.is_set()
    raw_request(emulator.connection, "POST", "/_emulator/holds/release", body={})
    assert done.wait(10)
