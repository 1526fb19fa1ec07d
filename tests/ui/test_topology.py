"""The topology picture drawn from ARM JSON alone: the estate of params/local.yaml, and the same with a DNS link missing."""

import xml.etree.ElementTree as ET

from aksegress.params import load_params
from aksegress.ui.topology import DELIVERED_COLOUR, DENIED_COLOUR, NEUTRAL_COLOUR, access_pairs, draw_intent, draw_topology
from tests.netmodel.estate import article
from tests.ui.estates import LOCAL_PARAMS, local_estate

SVG = "{http://www.w3.org/2000/svg}"


def _picture(estate):
    return draw_intent(load_params(LOCAL_PARAMS), estate.snapshot())


def _elements(picture, kind):
    root = ET.fromstring(picture.svg)
    return [e for e in root.iter() if e.get("data-kind") == kind]


def _access_path(picture, source, destination, kind="access-path"):
    found = [e for e in _elements(picture, kind) if (e.get("data-source"), e.get("data-destination")) == (source, destination)]
    assert len(found) == 1
    return found[0]


def test_the_local_estate_shows_the_hub_its_three_spokes_firewall_clusters_and_zones():
    picture = _picture(local_estate())
    vnets = {e.get("data-name"): e.get("data-role") for e in _elements(picture, "vnet")}
    assert vnets == {"vnet-hub": "hub", "vnet-spoke1": "spoke", "vnet-spoke2": "spoke", "vnet-spoke3": "spoke"}
    assert [e.get("data-name") for e in _elements(picture, "firewall")] == ["fw-hub"]
    assert {e.get("data-name") for e in _elements(picture, "cluster")} == {"privateaksspoke1", "privateaksspoke2", "privateaksspoke3"}
    assert len(_elements(picture, "dns-zone")) == 3


def test_every_peering_is_drawn_with_its_state_and_flags():
    peerings = _elements(_picture(local_estate()), "peering")
    assert len(peerings) == 6
    assert {(p.get("data-state"), p.get("data-flags")) for p in peerings} == {("Connected", "AF")}


def test_subnets_name_the_route_table_they_use():
    texts = [e.text for e in _elements(_picture(local_estate()), "subnet") if e.get("data-name") == "aks"]
    assert any("rt-spoke2" in t for t in texts)


def test_the_granted_access_of_the_local_estate_is_a_green_delivered_path():
    path = _access_path(_picture(local_estate()), "vm-spoke2", "cluster:privateaksspoke1")
    assert (path.get("data-verdict"), path.get("data-disposition"), path.get("stroke")) == ("delivered", "DELIVERED", DELIVERED_COLOUR)


def test_with_the_dns_link_missing_the_spoke2_to_spoke1_path_is_red_and_denied_with_the_reason_in_its_title():
    picture = _picture(local_estate(link_access_spokes=False))
    path = _access_path(picture, "vm-spoke2", "cluster:privateaksspoke1")
    assert (path.get("data-verdict"), path.get("data-disposition"), path.get("stroke")) == ("denied", "DNS_NXDOMAIN", DENIED_COLOUR)
    assert "link zone" in path.find(f"{SVG}title").text


def test_the_missing_link_is_absent_from_the_zone_links_drawn():
    links = {(e.get("data-zone").split("0000")[0], e.get("data-vnet")) for e in _elements(_picture(local_estate(link_access_spokes=False)), "dns-link")}
    assert ("spoke1", "vnet-spoke2") not in links and ("spoke1", "vnet-hub") in links and ("spoke1", "vnet-spoke1") in links


def test_a_peering_not_connected_on_both_sides_is_drawn_dashed_in_orange():
    estate = article()
    estate.remove("hub-to-spoke3")
    estate.props("spoke3-to-hub")["peeringState"] = "Initiated"
    peerings = [e for e in _elements(draw_topology(estate.snapshot()), "peering") if e.get("data-name") == "spoke3-to-hub"]
    assert peerings[0].get("data-state") == "Initiated" and peerings[0].get("stroke-dasharray") == "6,4"


def test_a_pair_naming_something_absent_is_listed_as_skipped_not_drawn():
    picture = draw_topology(article().snapshot(), [("vm-spoke2", "cluster:nosuchcluster")])
    assert picture.paths == [] and "nosuchcluster" in picture.skipped[0]


def test_every_vm_to_cluster_pair_of_the_local_estate_is_labelled_with_its_verdict_against_intent():
    labels = {(e.get("data-source"), e.get("data-destination")): e.get("data-label") for e in _elements(_picture(local_estate()), "access-path-label")}
    assert len(labels) == 9
    assert sorted(labels.values()) == ["delivered, as intended"] * 4 + ["denied, as intended"] * 5


def test_an_intended_denial_is_a_neutral_label_with_no_fix_and_no_path_drawn():
    picture = _picture(local_estate())
    label = _access_path(picture, "vm-spoke3", "cluster:privateaksspoke1", "access-path-label")
    assert (label.get("data-label"), label.get("fill")) == ("denied, as intended", NEUTRAL_COLOUR)
    assert "fix" not in label.text
    assert not [e for e in _elements(picture, "access-path") if e.get("data-source") == "vm-spoke3"]


def test_without_params_a_denied_flow_is_red_and_its_intent_unknown():
    picture = draw_topology(article().snapshot(), [("vm-spoke3", "cluster:privateaksspoke1")])
    label = _access_path(picture, "vm-spoke3", "cluster:privateaksspoke1", "access-path-label")
    assert (label.get("data-label"), label.get("data-intended"), label.get("fill")) == ("denied, intent unknown", "unknown", DENIED_COLOUR)
    assert "fix: link zone" in label.text


def test_the_picture_grows_so_that_every_label_fits_inside_it():
    root = ET.fromstring(_picture(local_estate()).svg)
    labels = [e for e in root.iter() if e.get("data-kind") == "access-path-label"]
    assert max(float(e.get("y")) for e in labels) < float(root.get("height"))


def test_before_the_test_vms_exist_access_starts_from_the_source_spokes_vnet():
    estate = local_estate()
    estate.remove("vm-spoke2").remove("vm-spoke2-nic")
    snap = estate.snapshot()
    assert access_pairs(load_params(LOCAL_PARAMS), snap) == [("vnet-spoke2", "cluster:privateaksspoke1")]


def test_the_same_snapshot_always_draws_the_same_svg():
    assert _picture(local_estate()).svg == _picture(local_estate()).svg


def test_a_dns_failure_is_drawn_as_a_stub_that_stays_in_the_source_spoke():
    path = _access_path(_picture(local_estate(link_access_spokes=False)), "vm-spoke2", "cluster:privateaksspoke1")
    assert path.get("data-reached") == "source"


def test_a_delivered_flow_is_drawn_all_the_way_to_the_target():
    assert _access_path(_picture(local_estate()), "vm-spoke2", "cluster:privateaksspoke1").get("data-reached") == "destination"


def test_in_a_notebook_the_picture_scales_to_the_width_of_the_page():
    html = _picture(local_estate())._repr_html_()
    root = ET.fromstring(html[html.index("<svg"):html.rindex("</div>")])
    assert root.get("width") == "100%" and "height:auto" in root.get("style") and root.get("viewBox").startswith("0 0 ")
