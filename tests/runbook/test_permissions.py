"""What the runbook needs from Azure RBAC: declared from what the steps write, checked before any write, matched by a full run."""

from __future__ import annotations

import dataclasses

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.authorization.v2022_04_01.models import RoleDefinition

from aksegress.emulator import start_emulator
from aksegress.errors import PermissionsError
from aksegress.params import load_params
from aksegress.permissions import MODEL_READS, declared_needs, resource_group_of
from aksegress.steps import all_steps
from tests.emulator.conftest import raw_request
from tests.runbook.conftest import REPO, aksegress, run_all, world_project

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

PARAMS = load_params(REPO / "params" / "local.yaml")


def _declared() -> set[tuple[str, str]]:
    return {(n.action.lower(), n.scope.lower()) for n in declared_needs(PARAMS, all_steps())}


def _observed(authorised) -> set[tuple[str, str]]:
    """Each action the emulator authorised, at the resource group (or subscription) its scope lies in."""
    return {(action.lower(), resource_group_of(scope).lower()) for action, scope in authorised}


def test_every_write_and_action_a_full_run_sends_is_declared_and_every_declared_one_is_sent(clean_world):
    writes = {need for need in _observed(clean_world["authorised"]) if not need[0].endswith("/read")}
    declared = {need for need in _declared() if not need[0].endswith("/read")}
    assert writes == declared


def _read_when_held(declared: set[tuple[str, str]], held: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The declared reads a run sends: all but a model list of a type whose group holds none (nor its parent type)."""
    listers = {f"{arm_type}/read".lower(): lister.lower() for arm_type, lister in MODEL_READS.items()}
    return {(a, g) for a, g in declared if a.endswith("/read") and (a not in listers or (listers[a], g) in held)}


def test_a_full_run_sends_exactly_the_declared_reads_of_the_types_each_group_holds(clean_world):
    held = {(arm_type, resource_group_of(rid).lower()) for rid, arm_type in clean_world["fingerprint"]}
    reads = {need for need in _observed(clean_world["authorised"]) if need[0].endswith("/read")}
    assert reads == _read_when_held(_declared(), held)


def test_a_declared_read_a_clean_run_does_not_send_is_sent_once_the_group_holds_that_type(tmp_path):
    from aksegress.live import environment_resources
    from aksegress.runbook import Runbook

    spoke = PARAMS.spokes["spoke1"]
    group = f"/subscriptions/{spoke.subscription_id}/resourceGroups/{spoke.resource_group}"
    need = ("microsoft.network/publicipaddresses/read", group.lower())
    with start_emulator(tmp_path / "arm.db", PARAMS.tenant_id, PARAMS.subscription_ids(), connection_file=tmp_path / "arm.json") as emulator:
        owner = _clients(tmp_path / "arm.json", spoke.subscription_id)
        owner.resource.resource_groups.create_or_update(spoke.resource_group, {"location": PARAMS.location})
        runbook = Runbook.open(params_file=str(REPO / "params" / "local.yaml"), connection_file=str(tmp_path / "arm.json"))
        environment_resources(runbook)
        assert need not in _observed(emulator.app.counters.authorised_actions())
        owner.network.public_ip_addresses.begin_create_or_update(spoke.resource_group, "pip-teams-own", {
            "location": PARAMS.location, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}}).result()
        found = environment_resources(runbook)
        assert need in _observed(emulator.app.counters.authorised_actions()) and need in _declared()
    assert any(r["name"] == "pip-teams-own" for r in found)


def test_declared_needs_name_no_wildcard_and_no_role_management_beyond_assignments():
    actions = {action for action, _ in _declared()}
    assert not any("*" in action for action in actions)
    assert {a for a in actions if a.startswith("microsoft.authorization/")} == {"microsoft.authorization/roleassignments/write",
                                                                                "microsoft.authorization/roleassignments/read"}


@pytest.fixture
def principal_world(tmp_path):
    """An emulator for params/local.yaml and the connection file of a principal with no roles in it."""
    with start_emulator(tmp_path / "arm.db", PARAMS.tenant_id, PARAMS.subscription_ids(), connection_file=tmp_path / "arm.json") as emulator:
        made = raw_request(emulator.connection, "POST", "/_emulator/principals", body={"name": "pipeline"}).body
        dataclasses.replace(emulator.connection, client_id=made["clientId"], client_secret=made["clientSecret"],
                            token=made["token"]).write(tmp_path / "pipeline.json")
        yield {"emulator": emulator, "connection": tmp_path / "pipeline.json", "folder": tmp_path, "object_id": made["objectId"]}


def test_a_principal_with_no_roles_stops_in_step_00_naming_each_missing_action_and_scope(principal_world):
    done = run_all(principal_world["connection"], principal_world["folder"] / "run")
    hub = f"/subscriptions/{PARAMS.hub.subscription_id}/resourceGroups/{PARAMS.hub.resource_group}"
    assert done.returncode != 0
    assert "FAILED in 00-prerequisites.ipynb" in done.stdout and "PermissionsError: the signed-in identity lacks" in done.stdout
    notebook = (principal_world["folder"] / "run" / "00-prerequisites.ipynb").read_text()
    assert f"step 01-hub-and-spokes at {hub}: " in notebook
    assert "Microsoft.Network/virtualNetworks/peer/action" in notebook
    assert "aksegress permissions --env local" in notebook
    assert principal_world["emulator"].counters()["writes"] == 0


def _preflight(world):
    from aksegress.runbook import Runbook

    world["emulator"].app.subscription_permissions = False
    return Runbook.open(params_file=str(REPO / "params" / "local.yaml"), connection_file=str(world["connection"])).verify_target


def test_without_a_permissions_answer_at_the_subscription_the_preflight_checks_the_groups_that_exist_and_names_the_rest(principal_world):
    _clients(principal_world["folder"] / "arm.json", PARAMS.hub.subscription_id).resource.resource_groups.create_or_update(
        PARAMS.hub.resource_group, {"location": PARAMS.location})
    with pytest.raises(PermissionsError) as refused:
        _preflight(principal_world)()
    hub = f"/subscriptions/{PARAMS.hub.subscription_id}/resourceGroups/{PARAMS.hub.resource_group}"
    spoke = next(iter(PARAMS.spokes.values()))
    message = str(refused.value)
    assert f"step 01-hub-and-spokes at {hub}: " in message
    assert f"at /subscriptions/{spoke.subscription_id}/resourceGroups/{spoke.resource_group}:" not in message
    assert "not checked: " in message and f"/subscriptions/{spoke.subscription_id}/resourceGroups/{spoke.resource_group}" in message


def test_without_a_permissions_answer_at_the_subscription_a_granted_principal_passes_the_preflight_told_what_was_unchecked(granted_world, capsys):
    _preflight(granted_world)()
    assert "ARM gave no permissions answer at their subscription" in capsys.readouterr().out


def _clients(connection_file, sub: str):
    from aksegress.connect import Clients
    from aksegress.connection import Connection

    return Clients.for_emulator(Connection.read(connection_file), sub)


@pytest.fixture
def granted_world(principal_world):
    """The principal of `principal_world`, given exactly what `aksegress permissions --grant-to` creates."""
    done = aksegress("permissions", "--params", str(REPO / "params" / "local.yaml"), "--grant-to", principal_world["object_id"],
                     "--connection-file", str(principal_world["folder"] / "arm.json"), cwd=world_project(principal_world["folder"]))
    assert done.returncode == 0, done.stdout + done.stderr
    return principal_world


def test_a_principal_given_what_grant_to_creates_completes_a_full_run_and_its_teardown(granted_world):
    done = run_all(granted_world["connection"], granted_world["folder"] / "run")
    assert done.returncode == 0, done.stdout[-3000:]
    removed = aksegress("teardown", "--params", "params/local.yaml", "--connection-file", str(granted_world["connection"]),
                        "--yes", "--output", str(granted_world["folder"] / "teardown"), cwd=world_project(granted_world["folder"]))
    assert removed.returncode == 0, removed.stdout[-3000:]


@pytest.fixture
def narrow_world(principal_world):
    """The platform team made the environment's resource groups (the params adopt them), then granted the principal
    with `--grant-to`: roles at those groups, and at each subscription only its group list and the node groups'
    actions (AKS makes those groups in step 05)."""
    folder = principal_world["folder"]
    for _, site in PARAMS.sites():
        _clients(folder / "arm.json", site.subscription_id).resource.resource_groups.create_or_update(site.resource_group, {"location": PARAMS.location})
    text = (REPO / "params" / "local.yaml").read_text() + "adopt: [" + ", ".join(s.resource_group for _, s in PARAMS.sites()) + "]\n"
    (folder / "adopting.yaml").write_text(text)
    done = aksegress("permissions", "--params", str(folder / "adopting.yaml"), "--grant-to", principal_world["object_id"],
                     "--connection-file", str(folder / "arm.json"), cwd=world_project(folder))
    assert done.returncode == 0, done.stdout + done.stderr
    return dict(principal_world, granted=done.stdout)


def test_a_principal_granted_at_the_groups_that_exist_completes_a_full_run(narrow_world):
    folder = narrow_world["folder"]
    hub = f"/subscriptions/{PARAMS.hub.subscription_id}"
    assert f"aksegress local runbook ({PARAMS.hub.subscription_id}) assigned at {hub}/resourceGroups/{PARAMS.hub.resource_group}" in narrow_world["granted"]
    assert f"aksegress local runbook ({PARAMS.hub.subscription_id}) assigned at {hub}\n" not in narrow_world["granted"]
    done = aksegress("run", "--params", str(folder / "adopting.yaml"), "--connection-file", str(narrow_world["connection"]),
                     "--output", str(folder / "run"), cwd=world_project(folder))
    assert done.returncode == 0, done.stdout[-3000:]


def test_granting_again_once_the_groups_exist_moves_their_actions_from_the_subscriptions_to_the_groups(granted_world):
    from aksegress.least_privilege import role_plan
    from aksegress.permissions import node_resource_group

    owner_file = granted_world["folder"] / "arm.json"
    groups = [(s.subscription_id, s.resource_group) for _, s in PARAMS.sites()]
    groups += [(spoke.subscription_id, node_resource_group(PARAMS, spoke).rsplit("/", 1)[-1]) for _, spoke in PARAMS.spokes_with_cluster()]
    for sub, group in groups:
        _clients(owner_file, sub).resource.resource_groups.create_or_update(group, {"location": PARAMS.location})
    done = aksegress("permissions", "--params", str(REPO / "params" / "local.yaml"), "--grant-to", granted_world["object_id"],
                     "--connection-file", str(owner_file), cwd=world_project(granted_world["folder"]))
    assert done.returncode == 0, done.stdout + done.stderr
    existing = {f"/subscriptions/{sub}/resourcegroups/{group}".lower() for sub, group in groups}
    wanted = {(a["scope"].lower(), a["roleDefinitionId"].lower()) for a in role_plan(PARAMS, all_steps(), existing)["assignments"]}
    held = {(a.scope.lower(), a.role_definition_id.lower()) for sub in PARAMS.subscription_ids()
            for a in _clients(owner_file, sub).authorization.role_assignments.list_for_subscription(
                filter=f"principalId eq '{granted_world['object_id']}'")}
    assert held == wanted
    assert "withdrawn (no longer in the plan)" in done.stdout


def _without_linked_actions_on_the_hub(owner) -> None:
    from aksegress.least_privilege import role_plan

    scope = f"/subscriptions/{PARAMS.hub.subscription_id}"
    for role in [r for r in role_plan(PARAMS, all_steps(), set())["roles"] if r["AssignableScopes"] == [scope]]:
        kept = [a for a in role["Actions"] if not a.endswith(("/peer/action", "virtualNetworks/join/action", "subnets/join/action"))]
        owner.authorization.role_definitions.create_or_update(scope, role["id"], RoleDefinition(
            role_name=role["Name"], role_type="CustomRole", assignable_scopes=[scope], permissions=[{"actions": kept, "not_actions": []}]))


def test_without_peer_and_join_on_the_hub_the_preflight_names_them(granted_world):
    _without_linked_actions_on_the_hub(_clients(granted_world["folder"] / "arm.json", PARAMS.hub.subscription_id))
    writes_before = granted_world["emulator"].counters()["writes"]
    done = run_all(granted_world["connection"], granted_world["folder"] / "run")
    notebook = (granted_world["folder"] / "run" / "00-prerequisites.ipynb").read_text()
    hub_group = f"/subscriptions/{PARAMS.hub.subscription_id}/resourceGroups/{PARAMS.hub.resource_group}"
    assert done.returncode != 0 and "FAILED in 00-prerequisites.ipynb" in done.stdout
    assert f"step 01-hub-and-spokes at {hub_group}: Microsoft.Network/virtualNetworks/peer/action" in notebook
    assert granted_world["emulator"].counters()["writes"] == writes_before


def test_without_peer_on_the_hub_a_spoke_peering_is_refused_as_linked_authorization_failed(granted_world):
    owner_file = granted_world["folder"] / "arm.json"
    hub_owner = _clients(owner_file, PARAMS.hub.subscription_id)
    _without_linked_actions_on_the_hub(hub_owner)
    spoke = next(iter(PARAMS.spokes.values()))
    hub_owner.resource.resource_groups.create_or_update(PARAMS.hub.resource_group, {"location": PARAMS.location})
    _clients(owner_file, spoke.subscription_id).resource.resource_groups.create_or_update(spoke.resource_group, {"location": PARAMS.location})
    hub = hub_owner.network.virtual_networks.begin_create_or_update(PARAMS.hub.resource_group, "vnet-hub-probe", {
        "location": PARAMS.location, "properties": {"addressSpace": {"addressPrefixes": ["10.250.0.0/24"]}}}).result()
    pipeline = _clients(granted_world["connection"], spoke.subscription_id)
    pipeline.network.virtual_networks.begin_create_or_update(spoke.resource_group, "vnet-spoke-probe", {
        "location": PARAMS.location, "properties": {"addressSpace": {"addressPrefixes": ["10.251.0.0/24"]}}}).result()
    with pytest.raises(HttpResponseError) as refused:
        pipeline.network.virtual_network_peerings.begin_create_or_update(spoke.resource_group, "vnet-spoke-probe", "to-hub", {
            "properties": {"remoteVirtualNetwork": {"id": hub.id}, "allowVirtualNetworkAccess": True}})
    assert refused.value.error.code == "LinkedAuthorizationFailed"
    assert f"'Microsoft.Network/virtualNetworks/peer/action' on the linked scope(s) '{hub.id}'" in refused.value.error.message
