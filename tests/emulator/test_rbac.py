"""Azure RBAC in the emulator: a principal may do what its role assignments allow, where they apply, and nothing else."""

from __future__ import annotations

import dataclasses
import json
import uuid
from pathlib import Path

import pytest
from azure.core.exceptions import HttpResponseError
from azure.core.rest import HttpRequest
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters, RoleDefinition

from aksegress.connect import Clients
from aksegress.rbac_actions import matches
from tests.emulator.conftest import OTHER_SUB, SUB, raw_request

PUBLISHED = json.loads((Path(__file__).parent / "data" / "built_in_roles.json").read_text())
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
CONTRIBUTOR = "b24988ac-6180-42a0-ab88-20f7382dd24c"
NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
DEFINITIONS = "providers/Microsoft.Authorization/roleDefinitions"
VNET = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}}}


@dataclasses.dataclass
class Principal:
    object_id: str
    clients: Clients

    def on(self, sub: str) -> Clients:
        return Clients(sub, self.clients.credential, self.clients._kwargs)


@pytest.fixture
def principal(emulator) -> Principal:
    made = raw_request(emulator.connection, "POST", "/_emulator/principals", body={"name": "pipeline"}).body
    connection = dataclasses.replace(emulator.connection, client_id=made["clientId"], client_secret=made["clientSecret"],
                                     token=made["token"])
    return Principal(made["objectId"], Clients.for_emulator(connection, SUB))


@pytest.fixture
def grant(clients):
    def _grant(principal: Principal, role: str, scope: str) -> None:
        sub = scope.split("/")[2]
        clients.authorization.role_assignments.create(scope, str(uuid.uuid4()), RoleAssignmentCreateParameters(
            role_definition_id=f"/subscriptions/{sub}/{DEFINITIONS}/{role}", principal_id=principal.object_id,
            principal_type="ServicePrincipal"))
    return _grant


def _custom_role(clients, name: str, actions: list[str], scope: str) -> str:
    guid = str(uuid.uuid4())
    clients.authorization.role_definitions.create_or_update(scope, guid, RoleDefinition(
        role_name=name, description=name, role_type="CustomRole", assignable_scopes=[scope],
        permissions=[{"actions": actions, "not_actions": []}]))
    return guid


def _refusal(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        call()
    assert caught.value.status_code == 403
    return caught.value


@pytest.fixture
def groups(clients):
    for sub, name in ((SUB, "rg-a"), (SUB, "rg-b"), (OTHER_SUB, "rg-hub")):
        Clients(sub, clients.credential, clients._kwargs).resource.resource_groups.create_or_update(name, {"location": "eastus"})
    return {name: f"/subscriptions/{sub}/resourceGroups/{name}" for sub, name in ((SUB, "rg-a"), (SUB, "rg-b"), (OTHER_SUB, "rg-hub"))}


@pytest.mark.parametrize("guid", sorted(PUBLISHED["roles"]))
def test_built_in_role_served_has_the_published_permissions(clients, guid):
    published = PUBLISHED["roles"][guid]
    served = clients.authorization.role_definitions.get(f"/subscriptions/{SUB}", guid)
    assert served.role_name == published["roleName"]
    assert served.permissions[0].actions == published["actions"]
    assert served.permissions[0].not_actions == published["notActions"]
    assert served.permissions[0].data_actions == published["dataActions"]


def test_custom_role_definition_is_created_listed_and_assignable(clients, principal, grant, groups):
    guid = _custom_role(clients, "vnet writer", ["Microsoft.Network/virtualNetworks/*"], f"/subscriptions/{SUB}")
    listed = list(clients.authorization.role_definitions.list(f"/subscriptions/{SUB}", filter="type eq 'CustomRole'"))
    assert [(d.name, d.role_type) for d in listed] == [(guid, "CustomRole")]
    grant(principal, guid, groups["rg-a"])
    assert principal.clients.network.virtual_networks.begin_create_or_update("rg-a", "v", VNET).result().name == "v"


def test_custom_role_with_a_built_in_roles_name_is_refused(clients):
    with pytest.raises(HttpResponseError) as caught:
        _custom_role(clients, "Reader", ["*/read"], f"/subscriptions/{SUB}")
    assert caught.value.error.code == "RoleDefinitionWithSameNameExists"


def test_principal_without_roles_is_refused_with_azures_message(principal, groups):
    error = _refusal(lambda: principal.clients.resource.resource_groups.create_or_update("rg-new", {"location": "eastus"}))
    assert error.error.code == "AuthorizationFailed"
    assert error.error.message == (
        f"The client '{principal.object_id}' with object id '{principal.object_id}' does not have authorization to perform "
        f"action 'Microsoft.Resources/subscriptions/resourceGroups/write' over scope '/subscriptions/{SUB}/resourceGroups/rg-new' "
        "or the scope is invalid. If access was recently granted, please refresh your credentials.")


def test_principal_without_roles_sees_no_subscription(principal, groups):
    assert list(principal.clients.subscriptions.subscriptions.list()) == []


def test_a_role_on_a_resource_group_makes_its_subscription_visible(principal, grant, groups):
    grant(principal, READER, groups["rg-a"])
    assert [s.subscription_id for s in principal.clients.subscriptions.subscriptions.list()] == [SUB]


def test_reader_reads_but_does_not_write(principal, grant, groups):
    grant(principal, READER, f"/subscriptions/{SUB}")
    assert principal.clients.resource.resource_groups.get("rg-a").name == "rg-a"
    error = _refusal(lambda: principal.clients.resource.resource_groups.create_or_update("rg-a", {"location": "eastus"}))
    assert "'Microsoft.Resources/subscriptions/resourceGroups/write'" in error.error.message


def test_assignment_on_one_resource_group_does_not_reach_its_sibling(principal, grant, groups):
    grant(principal, NETWORK_CONTRIBUTOR, groups["rg-a"])
    principal.clients.network.virtual_networks.begin_create_or_update("rg-a", "v", VNET).result()
    error = _refusal(lambda: principal.clients.network.virtual_networks.begin_create_or_update("rg-b", "v", VNET))
    assert f"over scope '{groups['rg-b']}/providers/Microsoft.Network/virtualNetworks/v'" in error.error.message


def test_contributors_not_actions_keep_it_from_assigning_roles(clients, principal, grant, groups):
    grant(principal, CONTRIBUTOR, f"/subscriptions/{SUB}")
    error = _refusal(lambda: principal.clients.authorization.role_assignments.create(
        groups["rg-a"], str(uuid.uuid4()), RoleAssignmentCreateParameters(
            role_definition_id=f"/subscriptions/{SUB}/{DEFINITIONS}/{READER}", principal_id=principal.object_id,
            principal_type="ServicePrincipal")))
    assert "'Microsoft.Authorization/roleAssignments/write'" in error.error.message


@pytest.mark.parametrize("pattern, action, allowed", [
    ("*", "Microsoft.Network/virtualNetworks/write", True),
    ("*/read", "Microsoft.Network/virtualNetworks/subnets/read", True),
    ("*/read", "Microsoft.Network/virtualNetworks/write", False),
    ("Microsoft.Network/*", "microsoft.network/routeTables/join/action", True),
    ("Microsoft.Authorization/*/Write", "Microsoft.Authorization/roleAssignments/write", True),
    ("Microsoft.Network/virtualNetworks/read", "Microsoft.Network/virtualNetworks/subnets/read", False),
])
def test_role_actions_match_with_azures_wildcards(pattern, action, allowed):
    assert matches(pattern, action) is allowed


def _peering(remote_id: str) -> dict:
    return {"properties": {"remoteVirtualNetwork": {"id": remote_id}, "allowVirtualNetworkAccess": True,
                           "allowForwardedTraffic": True}}


def test_peering_to_another_subscription_needs_peer_action_on_the_remote_vnet(clients, principal, grant, groups):
    hub = Clients(OTHER_SUB, clients.credential, clients._kwargs).network.virtual_networks.begin_create_or_update(
        "rg-hub", "hub", {**VNET, "properties": {"addressSpace": {"addressPrefixes": ["10.9.0.0/16"]}}}).result()
    grant(principal, NETWORK_CONTRIBUTOR, groups["rg-a"])
    principal.clients.network.virtual_networks.begin_create_or_update("rg-a", "spoke", VNET).result()
    peerings = principal.clients.network.virtual_network_peerings
    error = _refusal(lambda: peerings.begin_create_or_update("rg-a", "spoke", "to-hub", _peering(hub.id)))
    assert error.error.code == "LinkedAuthorizationFailed"
    assert (f"does not have permission to perform action(s) 'Microsoft.Network/virtualNetworks/peer/action' on the "
            f"linked scope(s) '{hub.id}'") in error.error.message
    grant(principal, _custom_role(clients, "peer hub", ["Microsoft.Network/virtualNetworks/peer/action"],
                                  f"/subscriptions/{OTHER_SUB}"), hub.id)
    assert peerings.begin_create_or_update("rg-a", "spoke", "to-hub", _peering(hub.id)).result().name == "to-hub"


def test_subnet_naming_a_route_table_needs_join_action_on_it(clients, principal, grant, groups):
    table = clients.network.route_tables.begin_create_or_update("rg-b", "rt", {"location": "eastus"}).result()
    grant(principal, NETWORK_CONTRIBUTOR, groups["rg-a"])
    grant(principal, READER, groups["rg-b"])
    principal.clients.network.virtual_networks.begin_create_or_update("rg-a", "v", VNET).result()
    subnet = {"properties": {"addressPrefix": "10.0.1.0/24", "routeTable": {"id": table.id}}}
    error = _refusal(lambda: principal.clients.network.subnets.begin_create_or_update("rg-a", "v", "s", subnet))
    assert error.error.code == "LinkedAuthorizationFailed"
    assert "'Microsoft.Network/routeTables/join/action'" in error.error.message


def test_permissions_api_answers_the_callers_effective_actions(principal, grant, groups):
    grant(principal, READER, f"/subscriptions/{SUB}")
    grant(principal, NETWORK_CONTRIBUTOR, groups["rg-a"])
    at_a = list(principal.clients.authorization.permissions.list_for_resource_group("rg-a"))
    at_b = list(principal.clients.authorization.permissions.list_for_resource_group("rg-b"))
    assert sorted(tuple(p.actions) for p in at_a) == sorted([("*/read",), tuple(PUBLISHED["roles"][NETWORK_CONTRIBUTOR]["actions"])])
    assert [p.actions for p in at_b] == [["*/read"]]


def _permissions_at(principal: Principal, scope: str):
    return principal.clients.resource.send_request(HttpRequest("GET", f"{scope}/providers/Microsoft.Authorization/permissions?api-version=2022-04-01"))


def test_permissions_api_answers_at_a_subscription_and_at_a_resource_as_arm_does(clients, principal, grant, groups):
    grant(principal, READER, f"/subscriptions/{SUB}")
    vnet = clients.network.virtual_networks.begin_create_or_update("rg-a", "v", VNET).result().id
    assert _permissions_at(principal, f"/subscriptions/{SUB}").json()["value"][0]["actions"] == ["*/read"]
    assert _permissions_at(principal, vnet).json()["value"][0]["actions"] == ["*/read"]


def test_with_the_subscription_form_off_it_is_answered_as_a_type_arm_does_not_know(emulator, principal, groups):
    emulator.app.subscription_permissions = False
    answer = _permissions_at(principal, f"/subscriptions/{SUB}")
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, "InvalidResourceType")
    assert _permissions_at(principal, groups["rg-a"]).status_code == 200


def test_the_emulators_own_principal_is_owner_everywhere(clients, groups):
    assert [p.actions for p in clients.authorization.permissions.list_for_resource_group("rg-a")] == [["*"]]


def test_principal_command_writes_a_private_connection_file_for_a_principal_with_no_roles(emulator, tmp_path, capsys, groups):
    from aksegress.cli.emulator import principal_main
    from aksegress.connection import Connection

    conn_file, out = tmp_path / "conn.json", tmp_path / "pipeline.json"
    emulator.connection.write(conn_file)
    assert principal_main(["--connection-file", str(conn_file), "--name", "pipeline", "--out", str(out)]) == 0
    made = json.loads(capsys.readouterr().out)
    assert out.stat().st_mode & 0o777 == 0o600
    pipeline = Clients.for_emulator(Connection.read(out), SUB)
    assert list(pipeline.subscriptions.subscriptions.list()) == []
    error = _refusal(lambda: pipeline.resource.resource_groups.get("rg-a"))
    assert f"object id '{made['objectId']}'" in error.error.message


def test_principal_command_refuses_a_connection_that_is_not_the_emulators_own(emulator, tmp_path, capsys):
    from aksegress.cli.emulator import principal_main

    conn_file = tmp_path / "other.json"
    second = raw_request(emulator.connection, "POST", "/_emulator/principals", body={"name": "second"}).body
    dataclasses.replace(emulator.connection, token=second["token"]).write(conn_file)
    assert principal_main(["--connection-file", str(conn_file), "--name", "third", "--out", str(tmp_path / "t.json")]) == 2
    assert "Only the emulator's own principal may create principals" in capsys.readouterr().err


def test_a_delegation_condition_lets_its_holder_assign_only_the_roles_it_names(clients, principal, groups):
    from aksegress.least_privilege import RBAC_ADMINISTRATOR, delegation_condition

    clients.authorization.role_assignments.create(f"/subscriptions/{SUB}", str(uuid.uuid4()), RoleAssignmentCreateParameters(
        role_definition_id=f"/subscriptions/{SUB}/{DEFINITIONS}/{RBAC_ADMINISTRATOR}", principal_id=principal.object_id,
        principal_type="ServicePrincipal", condition=delegation_condition(), condition_version="2.0"))
    assign = principal.clients.authorization.role_assignments

    def _give(role: str):
        return assign.create(groups["rg-a"], str(uuid.uuid4()), RoleAssignmentCreateParameters(
            role_definition_id=f"/subscriptions/{SUB}/{DEFINITIONS}/{role}", principal_id=str(uuid.uuid4()),
            principal_type="ServicePrincipal"))
    assert _give(NETWORK_CONTRIBUTOR).role_definition_id.endswith(NETWORK_CONTRIBUTOR)
    assert "'Microsoft.Authorization/roleAssignments/write'" in _refusal(lambda: _give(CONTRIBUTOR)).error.message


def test_write_on_the_resource_itself_allows_its_tags_operation_and_read_alone_does_not(emulator, clients, rg, principal, grant):
    vnet = clients.network.virtual_networks.begin_create_or_update(rg, "vnet-tagged", VNET).result()
    patch = {"operation": "Merge", "properties": {"tags": {"cost": "42"}}}
    group = f"/subscriptions/{SUB}/resourceGroups/{rg}"
    grant(principal, _custom_role(clients, "vnet-reader", ["Microsoft.Network/virtualNetworks/read"], group), group)
    with pytest.raises(HttpResponseError) as refused:
        principal.clients.resource.tags.begin_update_at_scope(vnet.id.lstrip("/"), patch).result()
    assert refused.value.error.code == "AuthorizationFailed" and "Microsoft.Resources/tags/write" in refused.value.error.message
    grant(principal, _custom_role(clients, "vnet-writer", ["Microsoft.Network/virtualNetworks/write"], group), group)
    assert dict(principal.clients.resource.tags.begin_update_at_scope(vnet.id.lstrip("/"), patch).result().properties.tags) == {"cost": "42"}
