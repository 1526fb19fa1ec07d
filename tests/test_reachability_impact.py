"""A plan's reachability impact (aksegress.impact): the flows its changes open and close, on the estate the params describe."""

from __future__ import annotations

import pytest

from aksegress.impact import reachability_impact
from aksegress.params import load_params
from tests.netmodel.estate import app_rule, collection, rcg
from tests.ui.estates import LOCAL_PARAMS, local_estate


@pytest.fixture
def params():
    return load_params(LOCAL_PARAMS)


def _flows(flows) -> list[tuple[str, str]]:
    return [(f.source, f.destination) for f in flows]


def test_a_new_group_denying_the_granted_flow_first_closes_only_that_flow(params):
    estate = local_estate()
    snap = estate.snapshot()
    deny = rcg(estate.get(params.hub.firewall.policy), "deny-first", 100, [collection("deny", 100, "Deny", [
        app_rule("no-spoke2", ["10.2.0.0/16"], fqdns=["*.azmk8s.io"])])])
    impact = reachability_impact(params, snap, [("create", deny["id"], {"properties": deny["properties"]})])
    assert _flows(impact.closes) == [("vm-spoke2", "privateaksspoke1")] and impact.opens == []


def test_a_subnet_put_without_its_route_table_closes_the_flows_from_it(params):
    snap = local_estate().snapshot()
    subnet = snap.find_subnet("vnet-spoke2/vm")
    body = {"properties": {"addressPrefix": str(subnet.prefixes[0])}}
    impact = reachability_impact(params, snap, [("update", subnet.id, body)])
    assert _flows(impact.closes) == [("vm-spoke2", "privateaksspoke1")] and impact.opens == []
