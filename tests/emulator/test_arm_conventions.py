"""ARM wire conventions, observed through the real SDKs (and raw HTTPS where the SDK cannot show them)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from aksegress.emulator import start_emulator
from tests.emulator.conftest import OTHER_SUB, PAGE_SIZE, SUB, TENANT, raw_request

VNET_PATH = f"/subscriptions/{SUB}/resourceGroups/rg-test/providers/Microsoft.Network/virtualNetworks/vnet1"
API = "api-version=2026-03-01"


def _vnet(prefix: str = "10.0.0.0/16") -> dict:
    return {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [prefix]}}}


def test_request_without_token_is_refused_with_401(raw):
    response = raw("GET", f"/subscriptions/{SUB}/resourcegroups?{API}", token=None)
    assert response.status == 401
    assert response.body["error"]["code"] == "AuthenticationFailed"


def test_request_with_forged_token_is_refused_with_401(raw):
    response = raw("GET", f"/subscriptions/{SUB}/resourcegroups?{API}", token="eyJhbGciOiJub25lIn0.e30.")
    assert response.status == 401
    assert response.body["error"]["code"] == "InvalidAuthenticationToken"


def test_missing_api_version_is_a_400(raw):
    response = raw("GET", f"/subscriptions/{SUB}/resourcegroups")
    assert response.status == 400
    assert response.body["error"]["code"] == "MissingApiVersionParameter"


def test_unknown_subscription_is_subscription_not_found(raw):
    response = raw("GET", f"/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/x?{API}")
    assert response.status == 404
    assert response.body["error"]["code"] == "SubscriptionNotFound"


def test_unparsable_json_is_invalid_request_format(raw, rg):
    response = raw("PUT", f"{VNET_PATH}?{API}", body=b"{not json")
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidRequestFormat"


def test_subscriptions_list_shows_configured_subscriptions_with_tenant(clients):
    listed = {s.subscription_id: s for s in clients.subscriptions.subscriptions.list()}
    assert set(listed) == {SUB, OTHER_SUB}
    assert listed[SUB].tenant_id == TENANT
    assert listed[SUB].state == "Enabled"
    assert listed[SUB].display_name


def test_missing_resource_raises_resource_not_found(clients, rg):
    with pytest.raises(ResourceNotFoundError) as caught:
        clients.network.virtual_networks.get(rg, "nope")
    assert caught.value.error.code == "ResourceNotFound"


def test_missing_resource_group_is_resource_group_not_found(clients):
    with pytest.raises(ResourceNotFoundError) as caught:
        clients.network.virtual_networks.begin_create_or_update("no-such-rg", "v", _vnet()).result()
    assert caught.value.error.code == "ResourceGroupNotFound"


def test_put_creates_with_201_then_updates_with_200(raw, rg):
    assert raw("PUT", f"{VNET_PATH}?{API}", body=_vnet()).status == 201
    assert raw("PUT", f"{VNET_PATH}?{API}", body=_vnet()).status == 200


def test_put_answers_non_terminal_state_and_poll_completes_it(raw, rg):
    created = raw("PUT", f"{VNET_PATH}?{API}", body=_vnet())
    assert created.body["properties"]["provisioningState"] == "Updating"
    poll_url = urlsplit(created.headers["azure-asyncoperation"])
    poll = raw("GET", f"{poll_url.path}?{poll_url.query}")
    assert poll.body["status"] == "Succeeded"
    assert raw("GET", f"{VNET_PATH}?{API}").body["properties"]["provisioningState"] == "Succeeded"


def test_lro_create_and_delete_through_sdk(clients, rg):
    vnet = clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", _vnet()).result()
    assert vnet.provisioning_state == "Succeeded"
    clients.network.virtual_networks.begin_delete(rg, "vnet1").result()
    with pytest.raises(ResourceNotFoundError):
        clients.network.virtual_networks.get(rg, "vnet1")


def test_delete_of_missing_resource_succeeds(raw, rg):
    assert raw("DELETE", f"{VNET_PATH}?{API}").status == 204


def test_ids_match_case_insensitively_and_keep_canonical_casing(clients):
    clients.resource.resource_groups.create_or_update("Rg-Mixed", {"location": "eastus"})
    clients.network.virtual_networks.begin_create_or_update("RG-MIXED", "Vnet-A", _vnet()).result()
    vnet = clients.network.virtual_networks.get("rg-mixed", "VNET-a")
    assert vnet.id == f"/subscriptions/{SUB}/resourceGroups/Rg-Mixed/providers/Microsoft.Network/virtualNetworks/Vnet-A"
    assert clients.resource.resource_groups.get("rg-mixed").id == f"/subscriptions/{SUB}/resourceGroups/Rg-Mixed"


def test_every_write_mints_a_new_etag(clients, rg):
    first = clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", _vnet()).result()
    second = clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", _vnet()).result()
    assert first.etag and second.etag and first.etag != second.etag


def test_if_match_with_stale_etag_is_412(raw, rg):
    raw("PUT", f"{VNET_PATH}?{API}", body=_vnet())
    response = raw("PUT", f"{VNET_PATH}?{API}", body=_vnet(), headers={"If-Match": 'W/"stale"'})
    assert response.status == 412
    assert response.body["error"]["code"] == "PreconditionFailed"


def test_if_match_with_current_etag_succeeds(raw, rg):
    etag = raw("PUT", f"{VNET_PATH}?{API}", body=_vnet()).body["etag"]
    assert raw("PUT", f"{VNET_PATH}?{API}", body=_vnet(), headers={"If-Match": etag}).status == 200


def test_if_none_match_star_refuses_to_overwrite(raw, rg):
    raw("PUT", f"{VNET_PATH}?{API}", body=_vnet())
    assert raw("PUT", f"{VNET_PATH}?{API}", body=_vnet(), headers={"If-None-Match": "*"}).status == 412


def test_list_follows_next_link_across_pages(clients, rg, raw):
    names = [f"vnet{i}" for i in range(PAGE_SIZE * 2 + 1)]
    for i, name in enumerate(names):
        raw("PUT", f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/{name}?{API}",
            body=_vnet(f"10.{i}.0.0/16"))
    first_page = raw("GET", f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks?{API}")
    assert len(first_page.body["value"]) == PAGE_SIZE and first_page.body["nextLink"].startswith("https://")
    assert [v.name for v in clients.network.virtual_networks.list(rg)] == names
    assert sorted(v.name for v in clients.network.virtual_networks.list_all()) == sorted(names)


def test_list_by_subscription_spans_resource_groups(clients, rg):
    clients.resource.resource_groups.create_or_update("rg-two", {"location": "westeurope"})
    clients.network.virtual_networks.begin_create_or_update(rg, "a", _vnet("10.1.0.0/16")).result()
    clients.network.virtual_networks.begin_create_or_update("rg-two", "b", _vnet("10.2.0.0/16")).result()
    assert sorted(v.name for v in clients.network.virtual_networks.list_all()) == ["a", "b"]
    assert [v.name for v in clients.network.virtual_networks.list("rg-two")] == ["b"]


def test_resource_group_delete_cascades_to_its_resources(clients, rg):
    clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", _vnet()).result()
    clients.network.route_tables.begin_create_or_update(rg, "rt", {"location": "eastus"}).result()
    clients.resource.resource_groups.begin_delete(rg).result()
    assert not clients.resource.resource_groups.check_existence(rg)
    assert list(clients.network.virtual_networks.list_all()) == []
    assert list(clients.network.route_tables.list_all()) == []


def test_resource_group_exists_check(clients, rg):
    assert clients.resource.resource_groups.check_existence(rg)
    assert not clients.resource.resource_groups.check_existence("absent")


def test_failed_async_operation_surfaces_its_error_code(clients, rg, raw):
    raw("POST", "/_emulator/faults", body={"method": "PUT", "type": "Microsoft.Network/virtualNetworks",
                                           "code": "InternalServerError", "message": "boom"})
    with pytest.raises(HttpResponseError) as caught:
        clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", _vnet()).result()
    assert caught.value.error.code == "InternalServerError"
    assert clients.network.virtual_networks.get(rg, "vnet1").provisioning_state == "Failed"


def test_generic_resource_list_filters_by_type(clients, rg):
    clients.network.virtual_networks.begin_create_or_update(rg, "vnet1", _vnet()).result()
    clients.network.route_tables.begin_create_or_update(rg, "rt", {"location": "eastus"}).result()
    listed = clients.resource.resources.list(filter="resourceType eq 'Microsoft.Network/routeTables'")
    assert [r.name for r in listed] == ["rt"]


def test_concurrent_long_running_creates_all_succeed(clients, rg):
    def create(i: int):
        return clients.network.virtual_networks.begin_create_or_update(rg, f"v{i}", _vnet(f"10.{i}.0.0/16")).result()

    with ThreadPoolExecutor(max_workers=8) as pool:
        states = [v.provisioning_state for v in pool.map(create, range(8))]
    assert states == ["Succeeded"] * 8
    assert len(list(clients.network.virtual_networks.list(rg))) == 8


def test_azure_like_profile_keeps_operations_running_for_several_polls(tmp_path):
    with start_emulator(tmp_path / "slow.sqlite", TENANT, [SUB], latency_profile="azure-like") as slow:
        def call(method, path, **kw):
            return raw_request(slow.connection, method, path, **kw)

        call("PUT", f"/subscriptions/{SUB}/resourceGroups/rg-test?{API}", body={"location": "eastus"})
        created = call("PUT", f"{VNET_PATH}?{API}", body=_vnet())
        poll_url = urlsplit(created.headers["azure-asyncoperation"])
        assert call("GET", f"{VNET_PATH}?{API}").body["properties"]["provisioningState"] == "Updating"
        statuses = [call("GET", f"{poll_url.path}?{poll_url.query}").body["status"] for _ in range(3)]
        assert created.headers["retry-after"] == "2"
        assert statuses == ["InProgress", "InProgress", "Succeeded"]
        assert call("GET", f"{VNET_PATH}?{API}").body["properties"]["provisioningState"] == "Succeeded"
