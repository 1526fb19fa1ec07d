"""A private DNS zone link step 08 made for an access entry is retired with the entry: the plan shows its delete and
apply removes it; a link of the same name someone else made is kept."""

from aksegress.connection import Connection
from aksegress.desired.cross_vnet_access import zone_link_id
from aksegress.params.models import AccessRule
from aksegress.plan import DELETE, NOT_CREATED_HERE
from aksegress.runbook import Runbook

BUILD = ("00", "01", "02", "03", "04", "05", "06", "08")


def _built(params, tmp_path) -> Runbook:
    runbook = Runbook(params, connection=Connection.read(tmp_path / "arm.json"))
    for key in BUILD:
        step = runbook.step(key)
        step.apply(step.plan())
    return runbook


def _moved_access(params):
    """spoke2's access to spoke1's cluster handed to spoke3: spoke2's own link is no longer needed (the hub's still is)."""
    return params.model_copy(update={"access": [AccessRule(**{"from": "spoke3", "cluster": "spoke1"})]})


def _link_names(runbook, params, spoke_key) -> set[str]:
    spoke = params.spokes[spoke_key]
    zone = runbook.facts.cluster(spoke_key).zone_id
    links = runbook.clients(spoke.subscription_id).privatedns.virtual_network_links
    return {link.name for link in links.list(zone.split("/resourceGroups/")[1].split("/")[0], zone.rsplit("/", 1)[1])}


def test_dropping_an_access_entry_plans_and_applies_the_delete_of_the_zone_link_made_for_it(emulator, local_params, tmp_path):
    _built(local_params, tmp_path)
    moved = _moved_access(local_params)
    runbook = Runbook(moved, connection=Connection.read(tmp_path / "arm.json"))
    step = runbook.step("08")
    plan = step.plan()
    assert [(c.action, c.desired.kind.label, c.desired.readable_name) for c in plan.changes if c.action == DELETE] == [
        (DELETE, "private DNS zone link", f"{runbook.facts.cluster('spoke1').zone_id.rsplit('/', 1)[1]}/link-vnet-spoke2")]
    step.apply(plan)
    assert "link-vnet-spoke2" not in _link_names(runbook, moved, "spoke1")
    assert {"link-vnet-spoke3", "link-vnet-hub"} <= _link_names(runbook, moved, "spoke1")
    assert not runbook.step("08").plan().pending


def test_a_link_of_the_runbooks_name_that_someone_else_made_is_kept(emulator, local_params, tmp_path):
    built = _built(local_params, tmp_path)
    spoke3 = local_params.spokes["spoke3"]
    zone = built.facts.cluster("spoke3").zone_id
    link = zone_link_id(zone, local_params, "spoke2")
    group, zone_name = zone.split("/resourceGroups/")[1].split("/")[0], zone.rsplit("/", 1)[1]
    spoke2 = local_params.spokes["spoke2"]
    vnet = f"/subscriptions/{spoke2.subscription_id}/resourceGroups/{spoke2.resource_group}/providers/Microsoft.Network/virtualNetworks/{spoke2.vnet.name}"
    built.clients(spoke3.subscription_id).privatedns.virtual_network_links.begin_create_or_update(
        group, zone_name, link.rsplit("/", 1)[1], {"location": "global", "properties": {"virtualNetwork": {"id": vnet}, "registrationEnabled": False}}).result()
    step = Runbook(local_params, connection=Connection.read(tmp_path / "arm.json")).step("08")
    plan = step.plan()
    assert [c.action for c in plan.changes if c.desired.id.lower() == link.lower()] == [NOT_CREATED_HERE]
    assert not plan.pending
