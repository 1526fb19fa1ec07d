"""Long-running operations as ARM runs them: async deletes with both poll URLs, status documents, run-command
output, and the writes ARM refuses while an operation is in flight (a delete, another write to a policy or VNet).

In-flight behaviour needs operations that outlast a request, so those tests run the `azure-like` latency
profile and drive ARM over raw HTTPS (the SDK would sleep through its Retry-After between polls).
"""

from __future__ import annotations

import pytest

from aksegress.emulator import start_emulator
from tests.emulator.conftest import SUB, TENANT, raw_request
from tests.emulator.topology import build_estate, create_vm

API = "api-version=2024-05-01"
GROUP = f"/subscriptions/{SUB}/resourceGroups/rg-slow"
NET = f"{GROUP}/providers/Microsoft.Network"
VNET_BODY = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
POLICY_BODY = {"location": "eastus", "properties": {"sku": {"tier": "Standard"}}}


def _path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def _group_body(priority: int) -> dict:
    rule = {"ruleType": "NetworkRule", "name": "ntp", "ipProtocols": ["UDP"], "sourceAddresses": ["10.1.0.0/16"],
            "destinationAddresses": ["*"], "destinationPorts": ["123"]}
    return {"properties": {"priority": priority, "ruleCollections": [{
        "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "egress", "priority": 100,
        "action": {"type": "Allow"}, "rules": [rule]}]}}


class SlowArm:
    """Raw requests to an emulator whose operations last several polls."""

    def __init__(self, connection):
        self.connection = connection

    def __call__(self, method: str, path: str, **kw):
        return raw_request(self.connection, method, path if "?" in path else f"{path}?{API}", **kw)

    def finish(self, response):
        """Poll an accepted write's status document until it is no longer InProgress; return the last document."""
        url = _path_of(response.headers["azure-asyncoperation"])
        for _ in range(50):
            status = raw_request(self.connection, "GET", url)
            if status.body["status"] != "InProgress":
                return status.body
        raise AssertionError(f"operation {url} never finished")

    def put(self, path: str, body: dict):
        accepted = self("PUT", path, body=body)
        assert accepted.status in (200, 201), accepted.body
        self.finish(accepted)
        return accepted


@pytest.fixture
def slow(tmp_path):
    with start_emulator(tmp_path / "slow.sqlite", TENANT, [SUB], latency_profile="azure-like") as running:
        arm = SlowArm(running.connection)
        assert arm("PUT", GROUP, body={"location": "eastus"}).status == 201
        yield arm


def test_an_async_delete_answers_202_with_a_status_url_and_a_result_url(raw, clients, rg):
    clients.network.route_tables.begin_create_or_update(rg, "rt", {"location": "eastus"}).result()
    deleted = raw("DELETE", f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/routeTables/rt?{API}")
    assert deleted.status == 202
    assert "/providers/Microsoft.Network/locations/eastus/operations/" in deleted.headers["azure-asyncoperation"]
    assert "/providers/Microsoft.Network/locations/eastus/operationResults/" in deleted.headers["location"]


def test_a_finished_operations_status_document_names_it_and_says_when_it_started_and_ended(raw, clients, rg):
    clients.network.route_tables.begin_create_or_update(rg, "rt", {"location": "eastus"}).result()
    deleted = raw("DELETE", f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/routeTables/rt?{API}")
    status = raw("GET", _path_of(deleted.headers["azure-asyncoperation"]))
    assert status.status == 200
    assert status.body["name"] == deleted.headers["azure-asyncoperation"].split("/operations/")[1].split("?")[0]
    assert status.body["status"] == "Succeeded"
    assert status.body["startTime"] <= status.body["endTime"]


def test_a_vm_run_command_status_document_carries_the_commands_output(raw, clients):
    estate = build_estate(clients, routes=False)
    vm, _ = create_vm(clients, estate.rg, "vm1", estate.vm_subnet_id)
    started = raw("POST", f"{vm.id}/runCommand?api-version=2024-07-01", body={"commandId": "RunShellScript", "script": ["echo hello"]})
    assert started.status == 202 and "location" in started.headers
    status = raw("GET", _path_of(started.headers["azure-asyncoperation"]))
    [line] = status.body["properties"]["output"]["value"]
    assert (line["code"], line["level"], line["displayStatus"]) == ("ProvisioningState/succeeded", "Info", "Provisioning succeeded")
    assert line["message"] == "Enable succeeded: \n[stdout]\nhello\n\n[stderr]\n"
    assert set(status.body) >= {"name", "status", "startTime", "endTime"}


def test_a_put_on_a_resource_whose_delete_is_in_progress_is_refused_with_409(slow):
    slow.put(f"{NET}/routeTables/rt", {"location": "eastus"})
    assert slow("DELETE", f"{NET}/routeTables/rt").status == 202
    refused = slow("PUT", f"{NET}/routeTables/rt", body={"location": "eastus"})
    assert refused.status == 409
    assert refused.body["error"]["code"] == "AnotherOperationInProgress"


def test_a_resource_written_after_its_delete_finished_survives_polls_of_that_delete(slow):
    slow.put(f"{NET}/routeTables/rt", {"location": "eastus"})
    deleted = slow("DELETE", f"{NET}/routeTables/rt")
    assert slow.finish(deleted)["status"] == "Succeeded"
    slow.put(f"{NET}/routeTables/rt", {"location": "eastus", "tags": {"run": "second"}})
    slow.finish(deleted)
    assert slow("GET", f"{NET}/routeTables/rt").body["tags"] == {"run": "second"}


def test_a_second_delete_of_a_resource_being_deleted_answers_with_the_same_operation(slow):
    slow.put(f"{NET}/routeTables/rt", {"location": "eastus"})
    first, second = slow("DELETE", f"{NET}/routeTables/rt"), slow("DELETE", f"{NET}/routeTables/rt")
    assert second.status == 202
    assert second.headers["azure-asyncoperation"] == first.headers["azure-asyncoperation"]


def test_a_write_into_a_resource_group_being_deleted_is_refused_as_resource_group_being_deleted(slow):
    assert slow("DELETE", GROUP, headers={}).status == 202
    refused = slow("PUT", f"{NET}/routeTables/rt", body={"location": "eastus"})
    assert refused.status == 409
    assert refused.body["error"]["code"] == "ResourceGroupBeingDeleted"
    again = slow("PUT", GROUP, body={"location": "eastus"})
    assert (again.status, again.body["error"]["code"]) == (409, "ResourceGroupBeingDeleted")


def test_two_concurrent_writes_to_one_policys_rule_collection_groups_get_409_another_operation_in_progress(slow):
    slow.put(f"{NET}/firewallPolicies/policy", POLICY_BODY)
    first = slow("PUT", f"{NET}/firewallPolicies/policy/ruleCollectionGroups/one", body=_group_body(200))
    second = slow("PUT", f"{NET}/firewallPolicies/policy/ruleCollectionGroups/two", body=_group_body(300))
    assert first.status == 201
    assert second.status == 409
    assert second.body["error"]["code"] == "AnotherOperationInProgress"
    assert _path_of(first.headers["azure-asyncoperation"]).split("?")[0] in second.body["error"]["message"]


def test_a_rule_collection_group_write_after_the_previous_one_finished_is_accepted(slow):
    slow.put(f"{NET}/firewallPolicies/policy", POLICY_BODY)
    slow.put(f"{NET}/firewallPolicies/policy/ruleCollectionGroups/one", _group_body(200))
    assert slow("PUT", f"{NET}/firewallPolicies/policy/ruleCollectionGroups/two", body=_group_body(300)).status == 201


def test_two_concurrent_subnet_writes_in_one_vnet_get_409_another_operation_in_progress(slow):
    slow.put(f"{NET}/virtualNetworks/hub", VNET_BODY)
    first = slow("PUT", f"{NET}/virtualNetworks/hub/subnets/a", body={"properties": {"addressPrefix": "10.0.1.0/24"}})
    second = slow("PUT", f"{NET}/virtualNetworks/hub/subnets/b", body={"properties": {"addressPrefix": "10.0.2.0/24"}})
    assert (first.status, second.status) == (201, 409)
    assert second.body["error"]["code"] == "AnotherOperationInProgress"


def test_two_concurrent_route_writes_in_one_route_table_get_409_another_operation_in_progress(slow):
    slow.put(f"{NET}/routeTables/rt", {"location": "eastus"})
    route = {"properties": {"addressPrefix": "10.9.0.0/16", "nextHopType": "VnetLocal"}}
    first = slow("PUT", f"{NET}/routeTables/rt/routes/a", body=route)
    second = slow("PUT", f"{NET}/routeTables/rt/routes/b", body=route)
    assert (first.status, second.status) == (201, 409)
    assert second.body["error"]["code"] == "AnotherOperationInProgress"


def test_writes_to_two_different_vnets_run_side_by_side(slow):
    first = slow("PUT", f"{NET}/virtualNetworks/hub", body=VNET_BODY)
    second = slow("PUT", f"{NET}/virtualNetworks/spoke", body=VNET_BODY)
    assert (first.status, second.status) == (201, 201)


def test_a_firewall_policy_delete_is_synchronous(raw, clients, rg):
    clients.network.firewall_policies.begin_create_or_update(rg, "policy", POLICY_BODY).result()
    deleted = raw("DELETE", f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/firewallPolicies/policy?{API}")
    assert deleted.status == 200
    assert "azure-asyncoperation" not in deleted.headers
    assert list(clients.network.firewall_policies.list(rg)) == []


def test_network_gets_carry_the_etag_header(raw, clients, rg):
    vnet = clients.network.virtual_networks.begin_create_or_update(rg, "hub", VNET_BODY).result()
    answer = raw("GET", f"{vnet.id}?{API}")
    assert answer.headers["etag"] == vnet.etag


def test_an_operation_started_before_a_restart_finishes_after_it_with_its_times(tmp_path):
    state = tmp_path / "state.sqlite"
    with start_emulator(state, TENANT, [SUB], latency_profile="azure-like") as running:
        arm = SlowArm(running.connection)
        arm("PUT", GROUP, body={"location": "eastus"})
        accepted = arm("PUT", f"{NET}/routeTables/rt", body={"location": "eastus"})
    with start_emulator(state, TENANT, [SUB], latency_profile="azure-like") as running:
        document = SlowArm(running.connection).finish(accepted)
    assert document["status"] == "Succeeded" and document["startTime"] <= document["endTime"]
