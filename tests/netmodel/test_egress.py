"""AKS egress readiness of a cluster subnet (docs/private-aks-egress.md#1-required-egress, private cluster rows)."""

from aksegress.netmodel import egress_readiness
from tests.netmodel.estate import article, subnet_props


def test_a_node_subnet_without_the_route_table_is_flagged_as_bypassing_the_firewall():
    estate = article()
    subnet_props(estate.get("vnet-spoke1"), "snet-aks").pop("routeTable")
    report = egress_readiness(estate.snapshot(), "cluster:privateaksspoke1")
    assert not report.ready and report.bypassing_subnets == ["vnet-spoke1/snet-aks"]
    assert set(report.table["status"]) == {"BYPASSES_FIREWALL"}
    assert "bypassing the firewall" in report.explain()


def test_with_the_route_table_but_no_egress_rules_every_required_destination_is_listed_missing():
    estate = article()
    estate.remove("DefaultApplicationRuleCollectionGroup")
    report = egress_readiness(estate.snapshot(), "cluster:privateaksspoke1")
    assert not report.ready and not report.bypassing_subnets
    names = {m.split(":")[0] for m in report.missing}
    assert names == {"mcr.microsoft.com", "eastus2.data.mcr.microsoft.com", "mcr-0001.mcr-msedge.net", "management.azure.com",
                     "login.microsoftonline.com", "packages.microsoft.com", "acs-mirror.azureedge.net", "packages.aks.azure.com"}
    assert all("DENIED_BY_FIREWALL" in m for m in report.missing)


def test_the_aks_fqdn_tag_rule_makes_the_cluster_ready_and_ntp_stays_conditional():
    report = egress_readiness(article().snapshot(), "cluster:privateaksspoke1")
    assert report.ready
    ntp = report.table[report.table["id"] == "ntp"].iloc[0]
    assert (ntp["required"], ntp["status"]) == ("conditional", "FAIL") and "ntp.ubuntu.com" in ntp["fix"]


def test_readiness_serialises_to_json_shape():
    data = egress_readiness(article().snapshot(), "vnet-spoke1/snet-aks").to_dict()
    assert data["ready"] is True and len(data["rows"]) == 9
