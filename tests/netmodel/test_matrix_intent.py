"""The reachability matrix joined with intent, and the one intent rule the params define (aksegress.intent)."""

import pytest

from aksegress.intent import intended_flows, reachability, verdict_label
from aksegress.netmodel.matrix import matrix_cells, reachability_matrix, vnet_source
from aksegress.params import load_params
from tests.netmodel.estate import article
from tests.ui.estates import LOCAL_PARAMS, local_estate


@pytest.fixture
def params():
    return load_params(LOCAL_PARAMS)


def _labels(params, estate) -> dict[tuple[str, str], str]:
    table = reachability(params, estate.snapshot()).table()
    return {(r["source"], r["destination"]): r["verdict"] for r in table.to_dict(orient="records")}


def test_without_intent_every_cell_says_intent_unknown():
    table = reachability_matrix(article().snapshot())
    assert len(table) == 3 and table["intended"].isna().all()


def test_intent_given_as_plain_pairs_marks_only_those_cells_intended():
    snap = article().snapshot()
    spoke2, cluster = snap.find_vnet("vnet-spoke2").id, snap.find_cluster("privateaksspoke1").id
    cells = matrix_cells(snap, intent={(spoke2.upper(), cluster)})
    assert {c.source.label: c.intended for c in cells} == {"vm-spoke1": False, "vm-spoke2": True, "vm-spoke3": False}


def test_a_vnet_source_is_labelled_with_the_vnets_name_and_starts_in_its_workload_subnet():
    source = vnet_source(article().snapshot(), "vnet-spoke3")
    assert (source.label, source.ip) == ("vnet-spoke3", "10.3.8.4")


def test_the_params_intend_each_spoke_to_reach_its_own_cluster_and_each_access_entry():
    snap = local_estate().snapshot()
    names = {(next(v.name for v in snap.vnets.values() if v.id == s), next(c.name for c in snap.clusters.values() if c.id == t))
             for s, t in intended_flows(load_params(LOCAL_PARAMS))}
    assert names == {("vnet-spoke1", "privateaksspoke1"), ("vnet-spoke2", "privateaksspoke2"), ("vnet-spoke3", "privateaksspoke3"),
                     ("vnet-spoke2", "privateaksspoke1")}


@pytest.mark.parametrize(("delivered", "intended", "label"), [
    (True, True, "delivered, as intended"), (False, False, "denied, as intended"), (True, False, "delivered, NOT intended"),
    (False, True, "denied, NOT intended"), (True, None, "delivered, intent unknown"), (False, None, "denied, intent unknown")])
def test_each_verdict_is_labelled_by_what_happened_and_whether_it_was_intended(delivered, intended, label):
    assert verdict_label(delivered, intended) == label


def test_on_the_built_local_estate_every_vm_to_cluster_cell_is_as_intended(params):
    labels = _labels(params, local_estate())
    assert len(labels) == 9
    assert sorted(pair for pair, label in labels.items() if label == "delivered, as intended") == [
        ("vm-spoke1", "cluster:privateaksspoke1"), ("vm-spoke2", "cluster:privateaksspoke1"),
        ("vm-spoke2", "cluster:privateaksspoke2"), ("vm-spoke3", "cluster:privateaksspoke3")]
    assert sum(label == "denied, as intended" for label in labels.values()) == 5


def test_with_the_source_spokes_zone_link_missing_the_granted_flow_is_denied_not_intended_with_the_link_to_add(params):
    table = reachability(params, local_estate(link_access_spokes=False).snapshot()).table()
    row = table[(table["source"] == "vm-spoke2") & (table["destination"] == "cluster:privateaksspoke1")].iloc[0]
    assert (row["verdict"], row["disposition"]) == ("denied, NOT intended", "DNS_NXDOMAIN")
    assert row["fix"].startswith("link zone") and row["fix"].endswith("to vnet-spoke2")


def test_a_flow_that_gets_through_without_an_access_entry_is_delivered_not_intended(params):
    labels = _labels(params.model_copy(update={"access": []}), local_estate())
    assert labels[("vm-spoke2", "cluster:privateaksspoke1")] == "delivered, NOT intended"


def test_an_intended_denial_offers_no_fix_although_the_model_knows_one(params):
    reach = reachability(params, local_estate().snapshot())
    cell = reach.cells[("spoke3", "spoke1")]
    row = reach.table().set_index(["source", "destination"]).loc[("vm-spoke3", "cluster:privateaksspoke1")]
    assert cell.result.fix is not None and row["fix"] is None and row["verdict"] == "denied, as intended"


def test_before_a_test_vm_exists_its_spokes_vnet_is_the_source(params):
    estate = local_estate()
    estate.remove("vm-spoke2").remove("vm-spoke2-nic")
    assert [c.source.label for c in reachability(params, estate.snapshot()).granted()] == ["vnet-spoke2"]


def test_a_cluster_missing_from_the_snapshot_is_listed_as_skipped_not_traced(params):
    estate = local_estate()
    estate.remove("privateaksspoke3")
    reach = reachability(params, estate.snapshot())
    assert len(reach.cells) == 6 and reach.skipped[0].startswith("privateaksspoke3:")
