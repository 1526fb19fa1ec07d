"""Step 06 against Entra's replication delay: the cluster identities step 05 has just made are not yet known to a
role assignment that leaves out principalType, and step 06 still completes on its own in the same run."""

from __future__ import annotations

import json
import uuid

import pytest
from azure.core.exceptions import HttpResponseError

from aksegress.connect import Clients
from aksegress.connection import Connection
from aksegress.desired.network_role import NETWORK_CONTRIBUTOR
from aksegress.emulator import start_emulator
from aksegress.params import load_params
from tests.runbook.conftest import REPO, run_all

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PARAMS = load_params(REPO / "params" / "local.yaml")
SPOKE = PARAMS.spokes["spoke1"]


@pytest.fixture(scope="module")
def through_step_06(tmp_path_factory):
    """`aksegress run --to 06` on an emulator whose new managed identities take ten minutes to replicate."""
    folder = tmp_path_factory.mktemp("replication")
    with start_emulator(folder / "arm.db", PARAMS.tenant_id, PARAMS.subscription_ids(), connection_file=folder / "arm.json",
                        principal_replication_seconds=600) as emulator:
        done = run_all(folder / "arm.json", folder / "run", "--to", "06")
        yield {"done": done, "folder": folder, "clients": Clients.for_emulator(Connection.read(folder / "arm.json"), SPOKE.subscription_id),
               "emulator": emulator}


def test_step_06_completes_on_its_own_for_identities_made_seconds_before(through_step_06):
    done = through_step_06["done"]
    assert done.returncode == 0, done.stdout[-3000:]
    steps = json.loads((through_step_06["folder"] / "run" / "run.json").read_text())["steps"]
    assert [(s["name"][:2], s["status"]) for s in steps][-1] == ("06", "passed")


def test_an_assignment_without_principal_type_for_such_an_identity_fails_with_principal_not_found(through_step_06):
    clients = through_step_06["clients"]
    principal = clients.containerservice.managed_clusters.get(SPOKE.resource_group, SPOKE.cluster.name).identity.principal_id
    scope = f"/subscriptions/{SPOKE.subscription_id}/resourceGroups/{SPOKE.resource_group}"
    role = f"/subscriptions/{SPOKE.subscription_id}/providers/Microsoft.Authorization/roleDefinitions/{NETWORK_CONTRIBUTOR}"
    with pytest.raises(HttpResponseError) as refused:
        clients.authorization.role_assignments.create(scope, str(uuid.uuid4()), {"properties": {
            "roleDefinitionId": role, "principalId": principal}})
    assert (refused.value.status_code, refused.value.error.code) == (400, "PrincipalNotFound")
