"""`az` reads back what the runbook built: sign-in, peerings, routes and private DNS links, as the article shows them."""

from __future__ import annotations

from aksegress.desired.common import vnet_id
from aksegress.desired.route_tables import route_table_name

ZONE = "privatelink.eastus2.azmk8s.io"


def test_service_principal_login_sees_both_emulated_subscriptions(az, params):
    accounts = az.json("account", "list")
    assert sorted(a["id"] for a in accounts) == sorted(params.subscription_ids())
    assert {(a["tenantId"], a["cloudName"], a["user"]["type"]) for a in accounts} == {
        (params.tenant_id, "AksegressEmulator", "servicePrincipal")}


def test_vnet_peering_list_shows_the_hub_connected_to_each_spoke(az, network_estate):
    hub = network_estate.hub
    peerings = az.json("network", "vnet", "peering", "list", "-g", hub.resource_group, "--vnet-name", hub.vnet.name,
                       "--subscription", hub.subscription_id)
    seen = {p["remoteVirtualNetwork"]["id"].lower(): (p["peeringState"], p["allowForwardedTraffic"])
            for p in peerings}
    assert seen == {vnet_id(spoke).lower(): ("Connected", True) for spoke in network_estate.spokes.values()}


def test_route_table_route_list_sends_everything_to_the_firewall(az, network_estate):
    spoke = network_estate.spokes["spoke1"]
    routes = az.json("network", "route-table", "route", "list", "-g", spoke.resource_group,
                     "--route-table-name", route_table_name(spoke), "--subscription", spoke.subscription_id)
    default = [r for r in routes if r["addressPrefix"] == "0.0.0.0/0"]
    assert [(r["nextHopType"], r["nextHopIpAddress"]) for r in default] == [
        ("VirtualAppliance", str(network_estate.firewall_private_ip()))]


def test_private_dns_link_vnet_list_shows_the_links_made_through_the_sdk(az, network_estate, clients_for):
    spoke = network_estate.spokes["spoke2"]
    dns = clients_for(spoke.subscription_id).privatedns
    dns.private_zones.begin_create_or_update(spoke.resource_group, ZONE, {"location": "global"}).result()
    dns.virtual_network_links.begin_create_or_update(spoke.resource_group, ZONE, "link-spoke2", {
        "location": "global", "properties": {"virtualNetwork": {"id": vnet_id(spoke)}, "registrationEnabled": False},
    }).result()
    links = az.json("network", "private-dns", "link", "vnet", "list", "-g", spoke.resource_group, "-z", ZONE,
                    "--subscription", spoke.subscription_id)
    assert [(k["name"], k["virtualNetwork"]["id"].lower(), k["registrationEnabled"]) for k in links] == [
        ("link-spoke2", vnet_id(spoke).lower(), False)]
