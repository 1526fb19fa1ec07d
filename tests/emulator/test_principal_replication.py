"""Entra's replication delay: a cluster's new managed identity is unknown to role assignments for a while,
unless the assignment names its principalType (Microsoft's documented way around the delay, which step 06 uses)."""

from __future__ import annotations

import uuid

import pytest
from azure.core.exceptions import HttpResponseError

from aksegress.connect import Clients
from aksegress.emulator import start_emulator
from tests.emulator.conftest import SUB, TENANT
from tests.emulator.test_aks_provider import cluster_body
from tests.emulator.topology import LOCATION, build_estate

NETWORK_CONTRIBUTOR = f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"


def _cluster_principal(tmp_path, delay: float):
    emulator = start_emulator(tmp_path / "state.sqlite", TENANT, [SUB], principal_replication_seconds=delay)
    clients = Clients.for_emulator(emulator.connection, SUB)
    clients.resource.resource_groups.create_or_update("rg-net", {"location": LOCATION})
    table = clients.network.route_tables.begin_create_or_update("rg-net", "rt", {"location": LOCATION}).result()
    estate = build_estate(clients, aks_route_table=table.id)
    cluster = clients.containerservice.managed_clusters.begin_create_or_update(
        estate.rg, "aks1", cluster_body(estate.aks_subnet_id)).result()
    return emulator, clients, estate, cluster.identity.principal_id


def _assign(clients, scope: str, principal: str, principal_type: str | None):
    properties = {"roleDefinitionId": NETWORK_CONTRIBUTOR, "principalId": principal}
    if principal_type:
        properties["principalType"] = principal_type
    return clients.authorization.role_assignments.create(scope, str(uuid.uuid4()), {"properties": properties})


def test_an_assignment_for_a_just_created_identity_fails_with_principal_not_found(tmp_path):
    emulator, clients, estate, principal = _cluster_principal(tmp_path, delay=600)
    with emulator, pytest.raises(HttpResponseError) as caught:
        _assign(clients, estate.aks_subnet_id, principal, None)
    assert (caught.value.status_code, caught.value.error.code) == (400, "PrincipalNotFound")
    assert "replication delay" in caught.value.error.message


def test_an_assignment_naming_its_principal_type_is_not_held_up_by_replication(tmp_path):
    emulator, clients, estate, principal = _cluster_principal(tmp_path, delay=600)
    with emulator:
        assert _assign(clients, estate.aks_subnet_id, principal, "ServicePrincipal").principal_id == principal


def test_once_the_identity_has_replicated_the_assignment_succeeds(tmp_path):
    emulator, clients, estate, principal = _cluster_principal(tmp_path, delay=0)
    with emulator:
        assert _assign(clients, estate.aks_subnet_id, principal, None).principal_id == principal


def test_the_fast_profile_has_no_replication_delay():
    from aksegress.emulator.engine import PROFILES

    assert PROFILES["fast"].principal_replication_seconds == 0
    assert PROFILES["azure-like"].principal_replication_seconds > 0
