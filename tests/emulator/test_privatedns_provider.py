"""Private DNS zones, virtual network links and record sets as Azure treats them, through azure-mgmt-privatedns."""

from __future__ import annotations

import pytest
from azure.core import MatchConditions
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceModifiedError

from aksegress.connect import Clients
from tests.emulator.conftest import OTHER_SUB, SUB

ZONE = "privatelink.eastus.azmk8s.io"
API = "api-version=2024-06-01"


def _vnet(prefix: str) -> dict:
    return {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": [prefix]}}}


def _link(vnet_id: str, registration: bool = False) -> dict:
    return {"location": "global", "properties": {"virtualNetwork": {"id": vnet_id}, "registrationEnabled": registration}}


def _a_record(*addresses: str, ttl: int = 300) -> dict:
    return {"properties": {"ttl": ttl, "aRecords": [{"ipv4Address": a} for a in addresses]}}


def _path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def dns(clients):
    return clients.privatedns


@pytest.fixture
def zone(dns, rg):
    return dns.private_zones.begin_create_or_update(rg, ZONE, {"location": "global"}).result()


@pytest.fixture
def vnet(clients, rg):
    return clients.network.virtual_networks.begin_create_or_update(rg, "hub", _vnet("10.0.0.0/16")).result()


@pytest.fixture
def remote_vnet(emulator):
    other = Clients.for_emulator(emulator.connection, OTHER_SUB)
    other.resource.resource_groups.create_or_update("rg-other", {"location": "eastus"})
    return other.network.virtual_networks.begin_create_or_update("rg-other", "spoke", _vnet("10.1.0.0/16")).result()


def _error(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value


def test_zone_is_global_and_listed_by_group_and_subscription(dns, rg, zone):
    assert dns.private_zones.get(rg, ZONE).location == "global"
    assert [z.name for z in dns.private_zones.list_by_resource_group(rg)] == [ZONE]
    assert [z.name for z in dns.private_zones.list()] == [ZONE]


def test_new_zone_counts_its_soa_record_set_and_no_links(dns, rg, zone):
    assert (zone.number_of_record_sets, zone.number_of_virtual_network_links) == (1, 0)


def test_single_label_zone_name_is_refused(dns, rg):
    error = _error(lambda: dns.private_zones.begin_create_or_update(rg, "contoso", {"location": "global"}).result())
    assert error.error.code == "BadRequest"
    assert "does not have enough labels" in error.error.message


def test_link_to_a_vnet_in_another_subscription_completes(dns, rg, zone, remote_vnet):
    link = dns.virtual_network_links.begin_create_or_update(rg, ZONE, "to-spoke", _link(remote_vnet.id)).result()
    assert link.virtual_network.id == remote_vnet.id
    assert link.virtual_network_link_state == "Completed"


def test_link_put_is_accepted_with_no_body_and_both_async_headers_under_the_resource_group(raw, dns, rg, zone, vnet):
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}/virtualNetworkLinks/hub"
    accepted = raw("PUT", f"{path}?{API}", body=_link(vnet.id))
    assert (accepted.status, accepted.body) == (202, None)
    assert f"/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsOperationStatuses/" in accepted.headers["azure-asyncoperation"]
    assert f"/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsOperationResults/" in accepted.headers["location"]
    assert dns.virtual_network_links.get(rg, ZONE, "hub").virtual_network_link_state == "InProgress"  # until polled


def test_zone_put_is_accepted_with_no_body_and_its_second_status_poll_says_succeeded(raw, rg):
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}"
    accepted = raw("PUT", f"{path}?{API}", body={"location": "global"})
    assert (accepted.status, accepted.body) == (202, None)
    polls = [raw("GET", _path_of(accepted.headers["azure-asyncoperation"])) for _ in range(2)]
    assert [(p.status, p.body["status"]) for p in polls] == [(202, "InProgress"), (200, "Succeeded")]


def _status_polls(seen: list):
    """A raw_response_hook keeping (status, body status) of each private DNS operation status poll the SDK sends."""
    def hook(response):
        if "/privatednsoperationstatuses/" in response.http_request.url.lower():
            seen.append((response.http_response.status_code, response.http_response.json()["status"]))
    return hook


def test_sdk_zone_create_meets_one_in_progress_poll_before_succeeded(dns, rg):
    seen: list = []
    zone = dns.private_zones.begin_create_or_update(rg, ZONE, {"location": "global"}, raw_response_hook=_status_polls(seen)).result()
    assert seen == [(202, "InProgress"), (200, "Succeeded")]
    assert zone.provisioning_state == "Succeeded"


def test_sdk_link_create_meets_one_in_progress_poll_before_succeeded(dns, rg, zone, vnet):
    seen: list = []
    link = dns.virtual_network_links.begin_create_or_update(rg, ZONE, "hub", _link(vnet.id), raw_response_hook=_status_polls(seen)).result()
    assert seen == [(202, "InProgress"), (200, "Succeeded")]
    assert link.virtual_network_link_state == "Completed"


def test_link_patch_with_a_stale_if_match_is_accepted_then_fails_as_precondition_failed(raw, dns, rg, zone, vnet):
    link = dns.virtual_network_links.begin_create_or_update(rg, ZONE, "hub", _link(vnet.id)).result()
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}/virtualNetworkLinks/hub"
    accepted = raw("PATCH", f"{path}?{API}", body={"properties": {"registrationEnabled": True}}, headers={"If-Match": '"stale"'})
    assert accepted.status == 202
    status = [raw("GET", _path_of(accepted.headers["azure-asyncoperation"])) for _ in range(2)][-1]
    assert status.body["status"] == "Failed"
    assert status.body["error"]["code"] == "PreconditionFailed"
    assert dns.virtual_network_links.get(rg, ZONE, "hub").etag == link.etag


def test_link_to_a_missing_vnet_is_refused(dns, rg, zone):
    missing = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks/nowhere"
    error = _error(lambda: dns.virtual_network_links.begin_create_or_update(rg, ZONE, "l", _link(missing)).result())
    assert error.error.code == "BadRequest"
    assert error.error.message.startswith(f"Virtual network resource not found for '{missing}'")


def test_second_link_of_the_same_vnet_to_a_zone_is_refused(dns, rg, zone, vnet):
    dns.virtual_network_links.begin_create_or_update(rg, ZONE, "first", _link(vnet.id)).result()
    error = _error(lambda: dns.virtual_network_links.begin_create_or_update(rg, ZONE, "second", _link(vnet.id)).result())
    assert error.error.code == "Conflict"
    assert "is already linked to the virtual network" in error.error.message


def test_vnet_cannot_be_linked_to_two_zones_of_the_same_name(clients, dns, rg, zone, vnet):
    clients.resource.resource_groups.create_or_update("rg-copy", {"location": "eastus"})
    dns.private_zones.begin_create_or_update("rg-copy", ZONE, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(rg, ZONE, "hub", _link(vnet.id)).result()
    error = _error(lambda: dns.virtual_network_links.begin_create_or_update("rg-copy", ZONE, "hub", _link(vnet.id)).result())
    assert error.error.code == "BadRequest"
    assert "overlapping namespaces" in error.error.message


def test_vnet_has_at_most_one_registration_zone(dns, rg, vnet):
    for name in ("one.internal", "two.internal"):
        dns.private_zones.begin_create_or_update(rg, name, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(rg, "one.internal", "hub", _link(vnet.id, True)).result()
    error = _error(lambda: dns.virtual_network_links.begin_create_or_update(
        rg, "two.internal", "hub", _link(vnet.id, True)).result())
    assert error.error.code == "Conflict"
    assert "only be linked to 1 Private DNS zone(s) with auto-registration enabled" in error.error.message


def test_resolution_link_is_allowed_beside_a_registration_zone(dns, rg, vnet):
    for name in ("one.internal", "two.internal"):
        dns.private_zones.begin_create_or_update(rg, name, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(rg, "one.internal", "hub", _link(vnet.id, True)).result()
    link = dns.virtual_network_links.begin_create_or_update(rg, "two.internal", "hub", _link(vnet.id)).result()
    assert link.registration_enabled is False


def test_a_record_reads_back_with_its_fqdn(dns, rg, zone):
    dns.record_sets.create_or_update(rg, ZONE, "A", "api", _a_record("10.0.0.4"))
    record = dns.record_sets.get(rg, ZONE, "A", "api")
    assert record.fqdn == f"api.{ZONE}."
    assert [r.ipv4_address for r in record.a_records] == ["10.0.0.4"]
    assert (record.ttl, record.is_auto_registered) == (300, False)


def test_record_set_of_more_than_twenty_records_is_refused(dns, rg, zone):
    addresses = [f"10.0.0.{i}" for i in range(1, 22)]
    error = _error(lambda: dns.record_sets.create_or_update(rg, ZONE, "A", "many", _a_record(*addresses)))
    assert error.error.code == "BadRequest"


def test_record_sets_list_shows_the_zone_soa_beside_a_records(dns, rg, zone):
    dns.record_sets.create_or_update(rg, ZONE, "A", "api", _a_record("10.0.0.4"))
    assert [(r.type, r.name) for r in dns.record_sets.list(rg, ZONE)] == [
        ("Microsoft.Network/privateDnsZones/SOA", "@"), ("Microsoft.Network/privateDnsZones/A", "api")]
    assert [r.name for r in dns.record_sets.list_by_type(rg, ZONE, "A")] == ["api"]


def test_stale_if_match_is_refused_as_modified(dns, rg, zone):
    created = dns.record_sets.create_or_update(rg, ZONE, "A", "api", _a_record("10.0.0.4"))
    dns.record_sets.create_or_update(rg, ZONE, "A", "api", _a_record("10.0.0.5"))
    with pytest.raises(ResourceModifiedError):
        dns.record_sets.create_or_update(rg, ZONE, "A", "api", _a_record("10.0.0.6"), etag=created.etag,
                                         match_condition=MatchConditions.IfNotModified)


def test_if_none_match_on_an_existing_zone_is_accepted_then_the_operation_fails_as_precondition_failed(dns, rg, zone):
    poller = dns.private_zones.begin_create_or_update(rg, ZONE, {"location": "global"}, match_condition=MatchConditions.IfMissing)
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.error.code == "PreconditionFailed"
    assert caught.value.error.message == f"The Zone {ZONE} exists already and hence cannot be created again."
    assert dns.private_zones.get(rg, ZONE).etag == zone.etag


def test_if_none_match_on_an_existing_link_is_accepted_then_the_operation_fails_as_precondition_failed(dns, rg, zone, vnet):
    dns.virtual_network_links.begin_create_or_update(rg, ZONE, "hub", _link(vnet.id)).result()
    poller = dns.virtual_network_links.begin_create_or_update(rg, ZONE, "hub", _link(vnet.id),
                                                                 match_condition=MatchConditions.IfMissing)
    with pytest.raises(HttpResponseError) as caught:
        poller.result()
    assert caught.value.error.code == "PreconditionFailed"


def test_record_set_precondition_failure_has_a_flat_error_body_and_record_sets_carry_an_etag_header(raw, dns, rg, zone):
    path = f"/subscriptions/{SUB}/resourceGroups/{rg}/providers/Microsoft.Network/privateDnsZones/{ZONE}/A/api?{API}"
    created = raw("PUT", path, body=_a_record("10.0.0.4"))
    assert created.headers["etag"] == created.body["etag"]
    refused = raw("PUT", path, body=_a_record("10.0.0.5"), headers={"If-None-Match": "*"})
    assert refused.status == 412
    assert refused.body == {"code": "PreconditionFailed", "message": "The Record set api exists already and hence cannot be created again."}


def test_a_record_set_written_with_if_none_match_on_an_existing_one_raises_resource_exists(dns, rg, zone):
    dns.record_sets.create_or_update(rg, ZONE, "A", "api", _a_record("10.0.0.4"))
    with pytest.raises(ResourceExistsError):
        dns.record_sets.create_or_update(rg, ZONE, "A", "api", _a_record("10.0.0.5"), match_condition=MatchConditions.IfMissing)


def test_zone_with_links_cannot_be_deleted(dns, rg, zone, vnet):
    dns.virtual_network_links.begin_create_or_update(rg, ZONE, "hub", _link(vnet.id)).result()
    error = _error(lambda: dns.private_zones.begin_delete(rg, ZONE).result())
    assert error.error.code == "CannotDeleteResource"
    assert f"privateDnsZones/{ZONE}/virtualNetworkLinks/hub" in error.error.message


def test_deleting_a_vnet_removes_its_links(clients, dns, rg, zone, vnet):
    dns.virtual_network_links.begin_create_or_update(rg, ZONE, "hub", _link(vnet.id)).result()
    clients.network.virtual_networks.begin_delete(rg, "hub").result()
    assert list(dns.virtual_network_links.list(rg, ZONE)) == []
    assert dns.private_zones.get(rg, ZONE).number_of_virtual_network_links == 0
