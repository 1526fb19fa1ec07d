"""Step 04: the firewall rules AKS egress needs, scoped to the cluster subnets, and spoke DNS settings."""

from __future__ import annotations

from aksegress.desired.common import hub_of, tags_for, vnet_id
from aksegress.desired.firewall import firewall_id, policy_id
from aksegress.netmodel.fqdntags import aks_egress_table
from aksegress.plan import Desired

EGRESS_GROUP = "aks-egress"


def egress_group_id(params) -> str:
    return f"{policy_id(params)}/ruleCollectionGroups/{params.rule_group_name(EGRESS_GROUP)}"


def cluster_sources(params) -> list[str]:
    """The address ranges AKS nodes send from: each cluster's node subnet."""
    return [str(spoke.subnets[spoke.cluster.subnet]) for _, spoke in params.spokes_with_cluster()]


def required_fqdns() -> list[str]:
    """The explicit FQDNs a private cluster needs on HTTPS 443 (the FQDN tag's list, written out)."""
    rows = aks_egress_table()["rows"]
    return [d for row in rows if row["kind"] == "app" and row["private"] == "yes"
            for d in row["destinations"] if not d.startswith("fqdnTag:")]


def _network_rules(params, sources: list[str], facts=None) -> list[dict]:
    fw = params.hub.firewall
    ntp = {"destinationFqdns": ["ntp.ubuntu.com"]} if hub_of(params, facts).dns_proxy else {"destinationAddresses": ["*"]}
    rules = [{"ruleType": "NetworkRule", "name": "ntp", "ipProtocols": ["UDP"], "sourceAddresses": sources,
              "destinationPorts": ["123"], **ntp}]
    if fw.allow_azure_ips:
        rules.append({"ruleType": "NetworkRule", "name": "allow-azure-ips", "ipProtocols": ["Any"], "sourceAddresses": sources,
                      "destinationAddresses": [f"AzureCloud.{params.location}"], "destinationPorts": ["*"]})
    return rules


def _application_rules(sources: list[str]) -> list[dict]:
    https = [{"protocolType": "Https", "port": 443}]
    return [
        {"ruleType": "ApplicationRule", "name": "aks-fqdn-tag", "protocols": https + [{"protocolType": "Http", "port": 80}],
         "sourceAddresses": sources, "fqdnTags": ["AzureKubernetesService"]},
        {"ruleType": "ApplicationRule", "name": "aks-required-fqdns", "protocols": https, "sourceAddresses": sources,
         "targetFqdns": required_fqdns()},
    ]


def egress_rules(params, facts=None) -> list[Desired]:
    sources = cluster_sources(params)
    out = []
    if sources:
        out.append(Desired(egress_group_id(params), {"properties": {"priority": params.hub.rule_group_priority, "ruleCollections": [
            {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "aks-network", "priority": 100,
             "action": {"type": "Allow"}, "rules": _network_rules(params, sources, facts)},
            {"ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "aks-fqdns", "priority": 200,
             "action": {"type": "Allow"}, "rules": _application_rules(sources)},
        ]}}, depends_on=(policy_id(params), firewall_id(params)), exclusive=True))
    for _, spoke in params.spokes.items():
        if spoke.dns == "firewall":
            out.append(Desired(vnet_id(spoke), {"tags": tags_for(params), "properties": {
                "dhcpOptions": {"dnsServers": [hub_of(params, facts).firewall_ip]}}}, depends_on=(firewall_id(params),)))
    return out
