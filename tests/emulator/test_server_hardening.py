"""The emulator's HTTPS server stays up and answers like ARM: keep-alive, handshakes that block no one,
authentication before any body is read, a capped body, and an ARM error body for every malformed input."""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time

import pytest

from tests.emulator.conftest import SUB

API = "api-version=2025-04-01"
NET_API = "api-version=2026-03-01"
GROUP_PATH = f"/subscriptions/{SUB}/resourcegroups/rg-test"
VNET_PATH = f"{GROUP_PATH}/providers/Microsoft.Network/virtualNetworks/vnet1"
VNET = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}


def _connect(emulator) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=emulator.connection.ca_cert)
    return http.client.HTTPSConnection("127.0.0.1", emulator.port, context=context, timeout=10)


def _send_head_only(emulator, method: str, path: str, headers: dict) -> tuple[int, dict, dict]:
    """Send a request line and headers announcing a body that is never sent; return what the server answers."""
    conn = _connect(emulator)
    conn.putrequest(method, path)
    for name, value in headers.items():
        conn.putheader(name, value)
    conn.endheaders()
    response = conn.getresponse()
    answer = (response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(response.read()))
    conn.close()
    return answer


def test_an_idle_tcp_connection_does_not_delay_an_sdk_get(emulator, clients, rg):
    idle = socket.create_connection(("127.0.0.1", emulator.port))
    try:
        time.sleep(0.2)
        started = time.monotonic()
        group = clients.resource.resource_groups.get(rg)
        elapsed = time.monotonic() - started
    finally:
        idle.close()
    assert group.name == rg
    assert elapsed < 2


def test_one_sdk_client_sends_two_requests_over_one_connection(emulator, clients, rg):
    clients.resource.resource_groups.get(rg)
    before = emulator.connections_accepted()
    clients.resource.resource_groups.get(rg)
    clients.resource.resource_groups.get(rg)
    assert before >= 1
    assert emulator.connections_accepted() == before


def test_an_unauthenticated_body_is_refused_before_it_is_read(emulator):
    status, headers, body = _send_head_only(emulator, "PUT", f"{GROUP_PATH}?{API}",
                                            {"Content-Type": "application/json", "Content-Length": str(300 * 1024 * 1024)})
    assert status == 401
    assert body["error"]["code"] == "AuthenticationFailed"
    assert headers["connection"] == "close"


def test_an_authenticated_body_over_4_mib_is_refused_with_413_before_it_is_read(emulator):
    status, _, body = _send_head_only(emulator, "PUT", f"{GROUP_PATH}?{API}",
                                      {"Authorization": f"Bearer {emulator.connection.token}", "Content-Type": "application/json",
                                       "Content-Length": str(4 * 1024 * 1024 + 1)})
    assert status == 413
    assert body["error"]["code"] == "RequestEntityTooLarge"
    assert "4194304" in body["error"]["message"]


def test_a_body_of_exactly_4_mib_is_read(raw):
    padding = " " * (4 * 1024 * 1024 - len(json.dumps({"location": "eastus"})))
    response = raw("PUT", f"{GROUP_PATH}?{API}", body=(json.dumps({"location": "eastus"}) + padding).encode())
    assert response.status == 201


def test_json_nested_200000_deep_is_an_arm_400_and_the_server_carries_on(raw):
    response = raw("PUT", f"{GROUP_PATH}?{API}", body=b"[" * 200_000 + b"]" * 200_000)
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidRequestFormat"
    assert "MaxDepth of 64" in response.body["error"]["message"]
    assert raw("GET", "/_emulator/health").status == 200


def test_json_nested_65_deep_is_refused(raw):
    deep = {"location": "eastus", "tags": {}}
    inner = deep["tags"]
    for _ in range(64):
        inner["x"] = {}
        inner = inner["x"]
    response = raw("PUT", f"{GROUP_PATH}?{API}", body=deep)
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidRequestFormat"


@pytest.mark.parametrize("path,body", [
    ("/_emulator/faults", b"{not json"),
    ("/_emulator/faults", b"[1, 2]"),
    ("/_emulator/faults", {"method": "PUT"}),
    ("/_emulator/faults", {"type": "Microsoft.Network/virtualNetworks", "times": "many"}),
    ("/_emulator/faults", {"type": "Microsoft.Network/virtualNetworks", "method": "FETCH"}),
    ("/_emulator/chaos", {"rate": "lots"}),
    ("/_emulator/chaos", {"rate": 2}),
    ("/_emulator/chaos", {"rate": 0.1, "seed": "abc"}),
    ("/_emulator/chaos", b"\"0.5\""),
    ("/_emulator/holds", {"method": "PUT"}),
    ("/_emulator/holds", {"type": "Microsoft.Network/virtualNetworks", "seconds": -1}),
    ("/_emulator/holds", {"type": 7}),
])
def test_a_bad_body_on_an_emulator_endpoint_is_an_arm_400(raw, path, body):
    response = raw("POST", path, body=body)
    assert response.status == 400
    assert set(response.body["error"]) >= {"code", "message"}


def test_a_write_with_a_non_json_content_type_is_415(raw):
    response = raw("PUT", f"{GROUP_PATH}?{API}", body=b'{"location": "eastus"}', headers={"Content-Type": "text/plain"})
    assert response.status == 415
    assert response.body["error"] == {"code": "UnsupportedMediaType",
                                      "message": "The content media type 'text/plain' is not supported. Only 'application/json' is supported."}


def test_a_json_content_type_with_a_charset_is_accepted(raw):
    response = raw("PUT", f"{GROUP_PATH}?{API}", body={"location": "eastus"}, headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status == 201


@pytest.mark.parametrize("version", ["2099-01-01", "latest", "2024-13-01", "2010-01-01", "2024-01-01-nightly"])
def test_an_unknown_api_version_on_a_resource_group_is_invalid_api_version_parameter(raw, version):
    response = raw("GET", f"{GROUP_PATH}?api-version={version}")
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidApiVersionParameter"
    assert f"'{version}'" in response.body["error"]["message"]


def test_an_unknown_api_version_on_a_provider_resource_is_no_registered_provider_found(raw, rg):
    response = raw("PUT", f"{VNET_PATH}?api-version=2099-01-01", body=VNET)
    assert response.status == 400
    assert response.body["error"]["code"] == "NoRegisteredProviderFound"
    assert "'eastus'" in response.body["error"]["message"] and "virtualNetworks" in response.body["error"]["message"]


def test_a_preview_api_version_is_accepted(raw, rg):
    assert raw("GET", f"{GROUP_PATH}?api-version=2022-05-01-preview").status == 200


def test_an_unknown_location_for_a_resource_group_is_refused(raw):
    response = raw("PUT", f"{GROUP_PATH}?{API}", body={"location": "mars"})
    assert response.status == 400
    assert response.body["error"]["code"] == "LocationNotAvailableForResourceGroup"
    assert "'mars'" in response.body["error"]["message"]


def test_an_unknown_location_for_a_vnet_is_refused_naming_the_type(raw, rg):
    response = raw("PUT", f"{VNET_PATH}?{NET_API}", body={**VNET, "location": "atlantis"})
    assert response.status == 400
    assert response.body["error"]["code"] == "LocationNotAvailableForResourceType"
    assert "Microsoft.Network/virtualNetworks" in response.body["error"]["message"]


def test_a_display_name_location_is_accepted(raw):
    assert raw("PUT", f"{GROUP_PATH}?{API}", body={"location": "East US 2"}).status == 201


def test_a_global_location_is_refused_for_a_vnet(raw, rg):
    response = raw("PUT", f"{VNET_PATH}?{NET_API}", body={**VNET, "location": "global"})
    assert response.body["error"]["code"] == "LocationNotAvailableForResourceType"


def test_fifty_tags_are_accepted_and_fifty_one_refused(raw):
    fifty = {f"tag{i}": "x" for i in range(50)}
    assert raw("PUT", f"{GROUP_PATH}?{API}", body={"location": "eastus", "tags": fifty}).status == 201
    response = raw("PUT", f"{GROUP_PATH}?{API}", body={"location": "eastus", "tags": {**fifty, "one-more": "x"}})
    assert response.status == 400
    assert response.body["error"]["code"] == "TooManyTags"
    assert "51" in response.body["error"]["message"]


def test_a_patch_with_fifty_one_tags_is_refused(raw, rg):
    response = raw("PATCH", f"{GROUP_PATH}?{API}", body={"tags": {f"tag{i}": "x" for i in range(51)}})
    assert response.status == 400
    assert response.body["error"]["code"] == "TooManyTags"


def test_a_tag_name_with_a_reserved_character_is_refused(raw):
    response = raw("PUT", f"{GROUP_PATH}?{API}", body={"location": "eastus", "tags": {"cost/centre": "x"}})
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidTagNameCharacters"


@pytest.mark.parametrize("name", ["bad!name", "ends-with-dot.", "x" * 91])
def test_a_resource_group_name_breaking_azures_rules_is_invalid_resource_group(raw, name):
    response = raw("PUT", f"/subscriptions/{SUB}/resourcegroups/{name}?{API}", body={"location": "eastus"})
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidResourceGroup"
    assert name in response.body["error"]["message"]


@pytest.mark.parametrize("name", ["-starts-with-dash", "ends-with-dash-", "has!bang", "v" * 81])
def test_a_network_name_breaking_the_network_rules_is_invalid_resource_name(raw, rg, name):
    response = raw("PUT", f"{GROUP_PATH}/providers/Microsoft.Network/virtualNetworks/{name}?{NET_API}", body=VNET)
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidResourceName"
    assert name in response.body["error"]["message"]


def test_a_cluster_name_over_63_characters_is_invalid_resource_name(raw, rg):
    path = f"{GROUP_PATH}/providers/Microsoft.ContainerService/managedClusters/{'c' * 64}?api-version=2026-08-01"
    response = raw("PUT", path, body={"location": "eastus", "properties": {}})
    assert response.status == 400
    assert response.body["error"]["code"] == "InvalidResourceName"
    assert "1-63" in response.body["error"]["message"]


def test_a_chaos_reset_drops_the_connection_unanswered_and_the_server_carries_on(emulator, raw, rg):
    raw("POST", "/_emulator/chaos", body={"rate": 1, "kinds": ["reset"], "seed": 1})
    conn = _connect(emulator)
    conn.request("GET", f"{GROUP_PATH}?{API}", headers={"Authorization": f"Bearer {emulator.connection.token}"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
        conn.getresponse()
    conn.close()
    raw("POST", "/_emulator/chaos", body={"rate": 0})
    assert raw("GET", f"{GROUP_PATH}?{API}").status == 200
