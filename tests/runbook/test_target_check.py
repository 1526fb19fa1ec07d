"""Every entry point checks that it acts on the params' tenant before it reads or writes anything else."""

import pytest

from aksegress.connect import MANAGED_IDENTITY_ENV, azure_credential
from aksegress.emulator import start_emulator
from aksegress.errors import TargetError
from tests.runbook.conftest import REPO, aksegress

OTHER_TENANT = "99999999-9999-9999-9999-999999999999"


@pytest.fixture
def other_tenant(tmp_path, local_params):
    """An emulator holding the params' subscriptions, but in another tenant."""
    with start_emulator(tmp_path / "arm.db", OTHER_TENANT, local_params.subscription_ids(), connection_file=tmp_path / "arm.json") as running:
        yield running


@pytest.mark.parametrize(("command", "exit_code"), [
    (("run", "--from", "05", "--to", "05", "--plan"), 1),
    (("teardown",), 1),
    (("doctor",), 2),
    (("snapshot", "snap"), 2),
])
def test_an_entry_point_on_another_tenant_stops_naming_tenant_id_and_writes_nothing(command, exit_code, other_tenant, tmp_path, project):
    args = [*command[:1], "--params", str(REPO / "params" / "local.yaml"), "--connection-file", str(tmp_path / "arm.json"), *command[1:]]
    extra = ("--output", str(tmp_path / "out")) if command[0] in ("run", "teardown") else ()
    done = aksegress(*args, *extra, cwd=project)
    assert done.returncode == exit_code
    assert "params.tenant_id" in done.stdout + done.stderr
    assert other_tenant.counters()["writes"] == 0


def test_the_azure_credential_never_falls_back_to_a_managed_identity_unless_asked():
    kinds = [type(c).__name__ for c in azure_credential("11111111-1111-1111-1111-111111111111", environ={}).credentials]
    assert kinds == ["AzureCliCredential"]
    asked = azure_credential("11111111-1111-1111-1111-111111111111", environ={MANAGED_IDENTITY_ENV: "system"}).credentials
    assert [type(c).__name__ for c in asked] == ["ManagedIdentityCredential", "AzureCliCredential"]


def test_a_service_principal_of_another_tenant_is_refused_naming_the_field():
    environ = {"AZURE_TENANT_ID": OTHER_TENANT, "AZURE_CLIENT_ID": "c", "AZURE_CLIENT_SECRET": "s"}
    with pytest.raises(TargetError, match="params.tenant_id"):
        azure_credential("11111111-1111-1111-1111-111111111111", environ=environ)
