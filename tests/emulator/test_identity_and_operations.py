"""Token service, cloud metadata, operational endpoints and the connection file."""

from __future__ import annotations

import stat

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from aksegress.connect import Clients
from aksegress.emulator import Connection
from tests.emulator.conftest import SUB, TENANT

API = "api-version=2025-04-01"


def test_token_endpoint_issues_tokens_arm_accepts(emulator, raw):
    c = emulator.connection
    credential = ClientSecretCredential(c.tenant_id, c.client_id, c.client_secret, authority=c.endpoint,
                                        disable_instance_discovery=True, connection_verify=c.ca_cert)
    token = credential.get_token("https://management.azure.com/.default").token
    assert raw("GET", f"/subscriptions/{SUB}/resourcegroups?{API}", token=token).status == 200


def test_wrong_client_secret_is_refused_by_the_token_endpoint(emulator):
    c = emulator.connection
    credential = ClientSecretCredential(c.tenant_id, c.client_id, "wrong", authority=c.endpoint,
                                        disable_instance_discovery=True, connection_verify=c.ca_cert)
    with pytest.raises(ClientAuthenticationError):
        credential.get_token("https://management.azure.com/.default")


def test_openid_configuration_points_at_the_token_endpoint(emulator, raw):
    document = raw("GET", f"/{TENANT}/v2.0/.well-known/openid-configuration", token=None).body
    assert document["token_endpoint"] == f"{emulator.connection.endpoint}/{TENANT}/oauth2/v2.0/token"


def test_cloud_metadata_names_the_emulator_as_resource_manager(emulator, raw):
    document = raw("GET", "/metadata/endpoints?api-version=2022-09-01", token=None).body
    assert document["resourceManager"] == emulator.connection.endpoint + "/"
    assert document["authentication"]["loginEndpoint"] == emulator.connection.endpoint + "/"
    assert "suffixes" in document and document["authentication"]["audiences"]


def test_health_reports_tenant_and_subscriptions(raw):
    health = raw("GET", "/_emulator/health").body
    assert health["status"] == "ok" and health["tenantId"] == TENANT and SUB in health["subscriptions"]


def test_operational_endpoints_require_the_token(raw):
    assert raw("GET", "/_emulator/health", token=None).status == 401


def test_counters_split_reads_writes_and_polls_and_reset(clients, raw):
    raw("POST", "/_emulator/counters/reset")
    clients.resource.resource_groups.create_or_update("rg-count", {"location": "eastus"})
    clients.network.virtual_networks.begin_create_or_update(
        "rg-count", "v", {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}
    ).result()
    clients.network.virtual_networks.get("rg-count", "v")
    counts = raw("GET", "/_emulator/counters").body
    assert counts["writes"] == 2 and counts["polls"] == 1
    assert counts["by_type"]["Microsoft.Network/virtualNetworks"] == {"reads": 2, "writes": 1, "actions": 0, "polls": 0}
    assert raw("POST", "/_emulator/counters/reset").body["reads"] == 0
    assert raw("GET", "/_emulator/counters").body == {"reads": 0, "writes": 0, "actions": 0, "polls": 0, "by_type": {}, "refused": {}}


def test_connection_file_round_trips_and_is_private(emulator, tmp_path):
    path = emulator.connection.write(tmp_path / "conn.json")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Connection.read(path) == emulator.connection


def test_clients_built_from_a_connection_file_work(emulator, tmp_path):
    connection = Connection.read(emulator.connection.write(tmp_path / "conn.json"))
    names = [s.subscription_id for s in Clients.for_emulator(connection, SUB).subscriptions.subscriptions.list()]
    assert SUB in names


def test_post_actions_are_counted_apart_from_writes(clients, raw, emulator):
    raw("POST", "/_emulator/counters/reset")
    answer = raw("POST", f"/subscriptions/{clients.subscription_id}/resourceGroups/none/providers/Microsoft.ContainerService/"
                         "managedClusters/none/listClusterUserCredential?api-version=2026-08-01")
    counts = raw("GET", "/_emulator/counters").body
    assert answer.status == 404
    assert counts["actions"] == 1 and counts["writes"] == 0


def test_a_token_accepted_before_is_refused_once_it_has_expired(emulator, raw):
    import time

    token = emulator.app.tokens.mint(lifetime=1)
    assert raw("GET", f"/subscriptions/{SUB}/resourcegroups?{API}", token=token).status == 200
    time.sleep(1.5)
    refused = raw("GET", f"/subscriptions/{SUB}/resourcegroups?{API}", token=token)
    assert (refused.status, refused.body["error"]["code"]) == (401, "ExpiredAuthenticationToken")
