"""Reading ARM JSON into a Snapshot: ids, inline and separate children, folders, SDK models."""

import json

from azure.mgmt.network import models as net

from aksegress.netmodel import Snapshot
from tests.netmodel.estate import API_IP, SUBS, article, res, vnet


def test_inline_and_standalone_children_are_merged_by_case_insensitive_id():
    v = vnet(SUBS["spoke1"], "rg", "vnet-a", "10.5.0.0/16", {"s": "10.5.0.0/24"})
    standalone = res("Microsoft.Network/virtualNetworks/subnets", v["id"].upper() + "/SUBNETS/s",
                     {"addressPrefix": "10.5.0.0/24", "routeTable": {"id": "/x/rt"}})
    snap = Snapshot.from_resources([v, standalone])
    assert len(snap.subnets) == 1 and snap.find_subnet("vnet-a/s").route_table_id == "/x/rt"


def test_a_folder_may_hold_single_resources_lists_and_value_envelopes(tmp_path):
    resources = article().resources
    (tmp_path / "one.json").write_text(json.dumps(resources[0]))
    (tmp_path / "list.json").write_text(json.dumps(resources[1:10]))
    (tmp_path / "envelope.json").write_text(json.dumps({"value": resources[10:]}))
    snap = Snapshot.from_directory(tmp_path)
    assert len(snap.vnets) == 4 and len(snap.vms) == 3


def test_the_private_cluster_api_address_comes_from_the_a_record_of_the_zone_suffixing_its_fqdn():
    cluster = article().snapshot().find_cluster("privateaksspoke1")
    assert cluster.api_ip == API_IP


def test_azure_sdk_models_are_accepted_through_as_dict():
    model = net.VirtualNetwork(location="eastus2", address_space=net.AddressSpace(address_prefixes=["10.7.0.0/16"]),
                               subnets=[net.Subnet(name="s", address_prefix="10.7.1.0/24")])
    wire = model.as_dict()
    wire.update(id=f"/subscriptions/{SUBS['hub']}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet-sdk", name="vnet-sdk")
    snap = Snapshot.from_resources([net.VirtualNetwork(wire)])
    assert str(snap.find_subnet("vnet-sdk/s").prefixes[0]) == "10.7.1.0/24"
