"""Role assignments at any scope and built-in role definitions, as `az aks create` and the SDK use them."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters

from tests.emulator.conftest import SUB

NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
PRINCIPAL = "0b5c1a52-9d0e-4e8e-9a51-3c3a2f6f7d11"
DEFINITIONS = "/providers/Microsoft.Authorization/roleDefinitions"


def _grant(role: str, principal: str = PRINCIPAL) -> RoleAssignmentCreateParameters:
    return RoleAssignmentCreateParameters(
        role_definition_id=f"/subscriptions/{SUB}{DEFINITIONS}/{role}",
        principal_id=principal, principal_type="ServicePrincipal")


@pytest.fixture
def auth(clients):
    return clients.authorization


@pytest.fixture
def rg_id(rg) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/{rg}"


@pytest.fixture
def subnet_id(clients, rg) -> str:
    vnet = {"location": "eastus", "properties": {"addressSpace": {"addressPrefixes": ["10.0.0.0/16"]},
                                                 "subnets": [{"name": "aks", "properties": {"addressPrefix": "10.0.1.0/24"}}]}}
    created = clients.network.virtual_networks.begin_create_or_update(rg, "spoke", vnet).result()
    return created.subnets[0].id


def _error(call) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value


def test_assignment_at_subnet_scope_is_listed_at_that_scope(auth, subnet_id):
    auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(NETWORK_CONTRIBUTOR))
    found = list(auth.role_assignments.list_for_scope(subnet_id, filter="atScope()"))
    assert [a.scope for a in found] == [subnet_id]
    assert found[0].role_definition_id.endswith(NETWORK_CONTRIBUTOR)


def test_assignment_on_the_resource_group_appears_at_scope_of_a_child(auth, rg_id, subnet_id):
    auth.role_assignments.create(rg_id, str(uuid.uuid4()), _grant(READER))
    assert [a.scope for a in auth.role_assignments.list_for_scope(subnet_id, filter="atScope()")] == [rg_id]


def test_at_scope_leaves_out_assignments_below_the_scope(auth, rg_id, subnet_id):
    auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(NETWORK_CONTRIBUTOR))
    assert list(auth.role_assignments.list_for_scope(rg_id, filter="atScope()")) == []


def test_principal_filter_on_the_subscription_finds_assignments_below_it(auth, subnet_id):
    auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(NETWORK_CONTRIBUTOR))
    auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(READER, principal=str(uuid.uuid4())))
    found = list(auth.role_assignments.list_for_subscription(filter=f"principalId eq '{PRINCIPAL}'"))
    assert [(a.scope, a.principal_id) for a in found] == [(subnet_id, PRINCIPAL)]


def test_same_grant_under_another_name_is_refused_as_existing(auth, subnet_id):
    auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(NETWORK_CONTRIBUTOR))
    with pytest.raises(ResourceExistsError) as caught:
        auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(NETWORK_CONTRIBUTOR))
    assert caught.value.error.code == "RoleAssignmentExists"


def test_unknown_role_definition_is_refused(auth, subnet_id):
    error = _error(lambda: auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(str(uuid.uuid4()))))
    assert error.error.code == "RoleDefinitionDoesNotExist"


def test_assignment_name_must_be_a_guid(auth, subnet_id):
    error = _error(lambda: auth.role_assignments.create(subnet_id, "network-contributor", _grant(NETWORK_CONTRIBUTOR)))
    assert error.error.code == "InvalidRoleAssignmentId"


def test_reused_assignment_name_for_another_principal_is_refused(auth, subnet_id):
    name = str(uuid.uuid4())
    auth.role_assignments.create(subnet_id, name, _grant(NETWORK_CONTRIBUTOR))
    error = _error(lambda: auth.role_assignments.create(subnet_id, name, _grant(NETWORK_CONTRIBUTOR, str(uuid.uuid4()))))
    assert error.error.code == "RoleAssignmentUpdateNotPermitted"


def test_assignment_at_a_missing_resource_is_refused(auth, rg_id):
    missing = f"{rg_id}/providers/Microsoft.Network/virtualNetworks/nowhere"
    with pytest.raises(ResourceNotFoundError):
        auth.role_assignments.create(missing, str(uuid.uuid4()), _grant(READER))


def test_deleted_assignment_is_gone(auth, subnet_id):
    name = str(uuid.uuid4())
    created = auth.role_assignments.create(subnet_id, name, _grant(NETWORK_CONTRIBUTOR))
    assert auth.role_assignments.get_by_id(created.id).principal_id == PRINCIPAL
    auth.role_assignments.delete(subnet_id, name)
    with pytest.raises(ResourceNotFoundError) as caught:
        auth.role_assignments.get(subnet_id, name)
    assert caught.value.error.code == "RoleAssignmentNotFound"


def test_role_name_filter_returns_exactly_network_contributor(auth, subnet_id):
    found = list(auth.role_definitions.list(subnet_id, filter="roleName eq 'Network Contributor'"))
    assert [d.id for d in found] == [f"/subscriptions/{SUB}{DEFINITIONS}/{NETWORK_CONTRIBUTOR}"]
    assert found[0].role_type == "BuiltInRole"


def test_role_definition_reads_by_id_with_or_without_subscription(auth):
    for prefix in (f"/subscriptions/{SUB}", ""):
        definition = auth.role_definitions.get_by_id(f"{prefix}{DEFINITIONS}/{READER}")
        assert (definition.id, definition.role_name) == (f"{prefix}{DEFINITIONS}/{READER}", "Reader")


def test_unknown_role_definition_is_not_found(auth):
    with pytest.raises(ResourceNotFoundError) as caught:
        auth.role_definitions.get(f"/subscriptions/{SUB}", str(uuid.uuid4()))
    assert caught.value.error.code == "RoleDefinitionDoesNotExist"


def test_role_assignments_are_not_listed_among_a_groups_resources(clients, rg):
    from tests.emulator.conftest import SUB

    scope = f"/subscriptions/{SUB}/resourceGroups/{rg}"
    role = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"
    from azure.mgmt.authorization.models import RoleAssignmentCreateParameters

    clients.authorization.role_assignments.create(scope, "3c1f2b7e-0000-4000-8000-000000000001", RoleAssignmentCreateParameters(
        role_definition_id=role, principal_id="9d2c1b7e-0000-4000-8000-000000000002", principal_type="ServicePrincipal"))
    assert list(clients.authorization.role_assignments.list_for_scope(scope, filter="atScope()"))
    assert [r.type for r in clients.resource.resources.list_by_resource_group(rg)] == []


def test_deleting_an_assignment_answers_200_with_the_deleted_assignment(raw, auth, subnet_id):
    name = str(uuid.uuid4())
    auth.role_assignments.create(subnet_id, name, _grant(NETWORK_CONTRIBUTOR))
    deleted = raw("DELETE", f"{subnet_id}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01")
    assert deleted.status == 200
    assert deleted.body["name"] == name
    assert deleted.body["properties"]["principalId"] == PRINCIPAL


def test_a_put_over_an_existing_assignment_answers_201(raw, auth, subnet_id):
    name = str(uuid.uuid4())
    auth.role_assignments.create(subnet_id, name, _grant(NETWORK_CONTRIBUTOR))
    body = {"properties": {"roleDefinitionId": f"/subscriptions/{SUB}{DEFINITIONS}/{NETWORK_CONTRIBUTOR}", "principalId": PRINCIPAL,
                           "principalType": "ServicePrincipal", "description": "again"}}
    again = raw("PUT", f"{subnet_id}/providers/Microsoft.Authorization/roleAssignments/{name}?api-version=2022-04-01", body=body)
    assert again.status == 201
    assert again.body["properties"]["description"] == "again"


def test_principal_id_that_is_no_guid_is_refused_as_azure_words_it(auth, subnet_id):
    error = _error(lambda: auth.role_assignments.create(subnet_id, str(uuid.uuid4()), _grant(READER, principal="not-a-guid")))
    assert (error.status_code, error.error.code) == (400, "InvalidPrincipalId")
    assert error.error.message == "A valid principal ID must be provided for role assignment."
