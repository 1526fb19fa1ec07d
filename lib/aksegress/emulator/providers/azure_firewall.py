"""Microsoft.Network: Azure Firewall, firewall policies and their rule collection groups.

An appliance ipConfiguration marks its subnet (`ipConfigurations`) and public IP (`ipConfiguration`) in use
through store references keyed by the configuration's id, so the network rules refuse to delete them and
deleting the appliance (ids beneath it) releases them. A firewall references its policy (`firewalls`), a
policy its base policy (`childPolicies`). Rule shapes follow the REST model; codes Azure documents are
used verbatim, the others are named in Azure's style.
"""

from __future__ import annotations

import re

from aksegress.emulator.engine import Arm, ArmError, ResourceHandler
from aksegress.emulator.providers.appliances import configs_of, ipv4_prefixes, pick, save_appliance, subnet_of, to_config
from aksegress.emulator.providers.nic import next_free_address
from aksegress.emulator.providers.publicip import claim_public_ip

FIREWALL = "Microsoft.Network/azureFirewalls"
POLICY = "Microsoft.Network/firewallPolicies"
GROUP = "Microsoft.Network/firewallPolicies/ruleCollectionGroups"

_FIREWALL_TIERS = {"basic": "Basic", "standard": "Standard", "premium": "Premium"}
_THREAT_MODES = {"off": "Off", "alert": "Alert", "deny": "Deny"}
_COLLECTIONS = {  # lower-cased ruleCollectionType -> (canonical type, rule types it may hold, actions)
    "firewallpolicyfilterrulecollection": ("FirewallPolicyFilterRuleCollection", {"networkrule": "NetworkRule",
                                           "applicationrule": "ApplicationRule"}, {"allow": "Allow", "deny": "Deny"}),
    "firewallpolicynatrulecollection": ("FirewallPolicyNatRuleCollection", {"natrule": "NatRule"}, {"dnat": "DNAT"}),
}
_IP_PROTOCOLS = {"tcp": "TCP", "udp": "UDP", "icmp": "ICMP", "any": "Any"}
_APP_PROTOCOLS = {"http": "Http", "https": "Https", "mssql": "Mssql"}



class AzureFirewallHandler(ResourceHandler):
    """An Azure Firewall in AzureFirewallSubnet (>= /26) with a Standard public IP; its private IP is the subnet's .4.

    No ipConfigurations at all is accepted, as Azure does for `az network firewall create` without a VNet.
    """

    type = FIREWALL
    long_running = True
    requires_location = True

    def validate(self, arm, body, existing):
        props = body["properties"]
        sku = props.get("sku") or {}
        if str(sku.get("name") or "AZFW_VNet").lower() != "azfw_vnet":
            raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: sku name '{sku.get('name')}' is not "
                                                        "supported for a firewall in a virtual network (use AZFW_VNet).")
        tier = pick(sku.get("tier") or "Standard", _FIREWALL_TIERS, "sku tier")
        props["sku"] = {"name": "AZFW_VNet", "tier": tier}
        props["threatIntelMode"] = pick(props.get("threatIntelMode") or "Alert", _THREAT_MODES, "threatIntelMode")
        for collection in ("applicationRuleCollections", "natRuleCollections", "networkRuleCollections"):
            props.setdefault(collection, [])
        props.setdefault("additionalProperties", {})
        previous = {c["name"]: c["properties"] for c in configs_of(existing.body["properties"])} if existing else {}
        props["ipConfigurations"] = [self._ip_configuration(arm, body, i, c, previous)
                                     for i, c in enumerate(props.get("ipConfigurations") or [])]
        management = props.get("managementIpConfiguration")
        if management:
            props["managementIpConfiguration"] = self._ip_configuration(arm, body, -1, management, previous)
        elif tier == "Basic":
            raise ArmError(400, "AzureFirewallManagementIpConfigRequiresSubnetAndPublicIp",
                           f"AzureFirewall {body['name']} management IP configuration requires both a subnet and a public "
                           "IP address.")
        self._check_policy(arm, body, tier)
        return body

    @staticmethod
    def _ip_configuration(arm: Arm, body: dict, index: int, config: dict, previous: dict) -> dict:
        management = index < 0
        name = config.get("name") or ("managementIpConfig" if management else f"ipconfig{index + 1}")
        path = "properties.managementIpConfiguration" if management else f"properties.ipConfigurations[{index}]"
        config_id = f"{body['id']}/azureFirewallIpConfigurations/{name}"
        cprops = {k: v for k, v in (config.get("properties") or {}).items()
                  if k not in ("privateIPAddress", "provisioningState")}
        if management or index == 0 or cprops.get("subnet"):
            wanted = "AzureFirewallManagementSubnet" if management else "AzureFirewallSubnet"
            subnet = subnet_of(arm, body["id"], path, cprops)
            if subnet.body["name"] != wanted:
                raise ArmError(400, "AzureFirewallSubnetNameInvalid",
                               f"Azure Firewall {body['id']} ip configuration {name} references subnet {subnet.id}; the "
                               f"subnet must be named {wanted}.")
            smallest = max((n.prefixlen for n in ipv4_prefixes(subnet)), default=32)
            if smallest > 26:
                raise ArmError(400, "AzureFirewallSubnetTooSmall",
                               f"Subnet {wanted} of Azure Firewall {body['id']} has prefix /{smallest}; Azure Firewall "
                               "requires a subnet of at least /26.")
            cprops["subnet"] = {"id": subnet.id}
            old = previous.get(name) or {}
            same = (old.get("subnet") or {}).get("id", "").lower() == subnet.key and old.get("privateIPAddress")
            if not management:
                cprops["privateIPAddress"] = (old["privateIPAddress"] if same
                                              else next_free_address(arm, subnet, excluding=body["id"]))
        if not cprops.get("publicIPAddress"):
            raise ArmError(400, "AzureFirewallIpConfigurationMustHavePublicIp",
                           f"Azure Firewall {body['id']} ip configuration {name} must reference a public IP address.")
        public_ip = claim_public_ip(arm, config_id, body["id"], cprops["publicIPAddress"], (
            "AzureFirewallPublicIpMustBeStandardSku",
            f"Public IP address {cprops['publicIPAddress'].get('id')} referenced by Azure Firewall {body['id']} has the "
            "Basic SKU; Azure Firewall supports only Standard SKU public IP addresses."))
        cprops["publicIPAddress"] = {"id": public_ip.id}
        return to_config(body["id"], FIREWALL, "azureFirewallIpConfigurations", name, cprops)

    @staticmethod
    def _check_policy(arm: Arm, body: dict, tier: str) -> None:
        policy_id = (body["properties"].get("firewallPolicy") or {}).get("id")
        if not policy_id:
            body["properties"].pop("firewallPolicy", None)
            return
        policy = arm.get(policy_id)
        if policy is None or policy.type != POLICY.lower():
            raise ArmError(400, "InvalidResourceReference",
                           f"Resource {policy_id} referenced by resource {body['id']} was not found. Please make sure that "
                           "the referenced resource exists, and that both resources are in the same region.")
        policy_tier = policy.body["properties"]["sku"]["tier"]
        if policy_tier != tier:
            raise ArmError(400, "AzureFirewallAndFirewallPolicyTierMismatch",
                           f"Azure Firewall {body['id']} of tier {tier} cannot use Firewall Policy {policy.id} of tier "
                           f"{policy_tier}; the firewall and its policy must have the same tier.")
        body["properties"]["firewallPolicy"] = {"id": policy.id}

    def write(self, arm, record, existing):
        policy = (record.body["properties"].get("firewallPolicy") or {}).get("id")
        save_appliance(arm, record, existing, configs_of(record.body["properties"]),
                        [(policy, "firewalls")] if policy else [])


def _proxy_allows_fqdns(arm: Arm, props: dict, depth: int = 0) -> bool:
    """Whether a policy lets network rules name FQDNs: DNS proxy on, or requireProxyForNetworkRules false (own or inherited)."""
    dns = props.get("dnsSettings")
    if dns is None:
        base = arm.get((props.get("basePolicy") or {}).get("id", "")) if depth < 10 else None
        return _proxy_allows_fqdns(arm, base.body["properties"], depth + 1) if base else False
    return bool(dns.get("enableProxy")) or dns.get("requireProxyForNetworkRules") is False


def _fqdn_refusal(code: str, rule: str, collection: str, prefix: str = "") -> ArmError:
    return ArmError(400, code, f"{prefix}In order to use DestinationFqdns in Network Rules, DNS Proxy must be enabled, or "
                               f"RequireProxyForNetworkRules must be set to 'false'. See rule {rule} in network rule "
                               f"collection {collection}")


def _fqdn_network_rules(group_props: dict):
    for collection in group_props.get("ruleCollections") or []:
        for rule in collection.get("rules") or []:
            if rule.get("ruleType") == "NetworkRule" and rule.get("destinationFqdns"):
                yield collection["name"], rule["name"]


def _policy_of(resource_id: str) -> str:
    """The policy a policy or rule collection group id belongs to: Azure runs one write at a time per policy."""
    return re.split(r"/ruleCollectionGroups/", resource_id, maxsplit=1, flags=re.IGNORECASE)[0]


class FirewallPolicyHandler(ResourceHandler):
    type = POLICY
    long_running = True
    sync_delete = True  # Azure answers a policy DELETE with 200 at once
    requires_location = True
    serialised_under = staticmethod(_policy_of)
    read_only = ("ruleCollectionGroups", "firewalls", "childPolicies")

    def validate(self, arm, body, existing):
        props = body["properties"]
        tier = pick((props.get("sku") or {}).get("tier") or "Standard", _FIREWALL_TIERS, "sku tier")
        props["sku"] = {"tier": tier}
        props["threatIntelMode"] = pick(props.get("threatIntelMode") or "Alert", _THREAT_MODES, "threatIntelMode")
        dns = props.get("dnsSettings")
        if isinstance(dns, dict):
            props["dnsSettings"] = {"servers": list(dns.get("servers") or []), "enableProxy": bool(dns.get("enableProxy")),
                                    **({"requireProxyForNetworkRules": bool(dns["requireProxyForNetworkRules"])}
                                       if dns.get("requireProxyForNetworkRules") is not None else {})}
            if tier == "Basic" and (props["dnsSettings"]["enableProxy"] or props["dnsSettings"]["servers"]):
                raise ArmError(400, "FirewallPolicyHigherTierOnlyProperties",
                               f"Firewall Policy {body['name']} contains higher tier only properties - DNS Proxy and Custom DNS")
        if isinstance(props.get("snat"), dict):
            props["snat"] = {"privateRanges": list(props["snat"].get("privateRanges") or []),
                             "autoLearnPrivateRanges": props["snat"].get("autoLearnPrivateRanges") or "Disabled"}
        base_id = (props.get("basePolicy") or {}).get("id")
        if base_id:
            base = arm.get(base_id)
            if base is None or base.type != POLICY.lower() or base.key == body["id"].lower():
                raise ArmError(400, "InvalidResourceReference",
                               f"Resource {base_id} referenced by resource {body['id']} was not found. Please make sure "
                               "that the referenced resource exists, and that both resources are in the same region.")
            props["basePolicy"] = {"id": base.id}
        if existing and not _proxy_allows_fqdns(arm, props):
            for group in arm.store.children(body["id"], GROUP):
                for collection, rule in _fqdn_network_rules(group.body["properties"]):
                    raise _fqdn_refusal("FirewallPolicyDnsProxyRequiredByNetworkRules", rule, collection,
                                        f"DNS Proxy of Firewall Policy {body['name']} cannot be turned off while rule "
                                        f"collection group {group.body['name']} uses FQDNs in network rules. ")
        return body

    def write(self, arm, record, existing):
        arm.save(record)
        base = (record.body["properties"].get("basePolicy") or {}).get("id")
        arm.store.set_references(record.id, [(base, "childPolicies")] if base else [])

    def render(self, arm, record):
        body = arm.with_references(record)
        body["properties"].setdefault("firewalls", [])
        body["properties"].setdefault("childPolicies", [])
        body["properties"]["ruleCollectionGroups"] = [{"id": g.id} for g in arm.store.children(record.id, GROUP)]
        return body

    def check_delete(self, arm, record):
        users = arm.store.referrers(record.id, "firewalls") + arm.store.referrers(record.id, "childPolicies")
        if users:
            raise ArmError(400, "FirewallPolicyInUseCannotBeDeleted",
                           f"Firewall Policy {record.id} is in use by {users[0][0]} and cannot be deleted. Dissociate it "
                           "from every firewall and child policy first.")


def _priority(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 100 <= value <= 65000:
        raise ArmError(400, "InvalidFirewallPolicyPriority",
                       f"{what} has priority {value!r}; priority must be an integer between 100 and 65000.")
    return value


def _present(rule: dict, *fields: str) -> bool:
    return any(rule.get(f) for f in fields)


def _check_rule(rule: dict, kind: str) -> None:
    label = {"NetworkRule": "Network", "ApplicationRule": "Application", "NatRule": "Nat"}[kind]

    def need(ok, what: str) -> None:
        if not ok:
            raise ArmError(400, f"InvalidFirewallPolicy{label}Rule",
                           f"Firewall Policy {label} Rule {rule.get('name')} must have {what} specified")

    need(_present(rule, "sourceAddresses", "sourceIpGroups"), "one of sourceAddresses or sourceIpGroups")
    if kind == "ApplicationRule":
        protocols = rule.get("protocols") or []
        need(protocols, "protocols")
        for protocol in protocols:
            protocol["protocolType"] = pick(protocol.get("protocolType"), _APP_PROTOCOLS, "protocolType")
            port = protocol.get("port")
            need(isinstance(port, int) and 0 <= port <= 64000, "a port (0-64000) for each protocol")
        need(_present(rule, "targetFqdns", "fqdnTags", "targetUrls", "webCategories"),
             "one of targetFqdns, fqdnTags, targetUrls or webCategories")
        return
    need(rule.get("ipProtocols"), "ipProtocols")
    rule["ipProtocols"] = [pick(p, _IP_PROTOCOLS, "ipProtocol") for p in rule["ipProtocols"]]
    need(rule.get("destinationPorts"), "destinationPorts")
    if kind == "NetworkRule":
        need(_present(rule, "destinationAddresses", "destinationIpGroups", "destinationFqdns"),
             "one of destinationAddresses, destinationIpGroups or destinationFqdns")
    else:
        need(rule.get("destinationAddresses"), "destinationAddresses")
        need(_present(rule, "translatedAddress", "translatedFqdn"), "one of translatedAddress or translatedFqdn")
        need(rule.get("translatedPort"), "translatedPort")


def _check_collection(collection: dict, group_name: str) -> None:
    name = collection.get("name")
    if not name:
        raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: a rule collection of group {group_name} "
                                                    "has no name.")
    kind = _COLLECTIONS.get(str(collection.get("ruleCollectionType")).lower())
    if kind is None:
        raise ArmError(400, "InvalidRequestFormat", f"Cannot parse the request: rule collection {name} has unknown "
                                                    f"ruleCollectionType '{collection.get('ruleCollectionType')}'.")
    collection_type, rule_types, actions = kind
    collection["ruleCollectionType"] = collection_type
    collection["priority"] = _priority(collection.get("priority"), f"Rule collection {name}")
    action = (collection.get("action") or {}).get("type")
    if str(action).lower() not in actions:
        raise ArmError(400, "InvalidFirewallPolicyRuleCollectionAction",
                       f"Rule collection {name} of type {collection_type} has action '{action}'; it must be one of "
                       f"{', '.join(actions.values())}.")
    collection["action"] = {"type": actions[str(action).lower()]}
    seen, first_type = set(), None
    for rule in collection.get("rules") or []:
        rule_type = rule_types.get(str(rule.get("ruleType")).lower())
        if rule_type is None:
            raise ArmError(400, "InvalidFirewallPolicyRuleType",
                           f"Rule {rule.get('name')} of type '{rule.get('ruleType')}' cannot be part of rule collection "
                           f"{name} of type {collection_type}.")
        first_type = first_type or rule_type
        if rule_type != first_type:
            raise ArmError(400, "FirewallPolicyRuleCollectionMixedRuleTypes",
                           f"Rule collection {name} mixes {first_type} and {rule_type} rules; every rule of a collection "
                           "must have the same type.")
        if not rule.get("name") or str(rule["name"]).lower() in seen:
            raise ArmError(400, "FirewallPolicyRuleNameNotUnique",
                           f"Rule name '{rule.get('name')}' is missing or used twice in rule collection {name}.")
        seen.add(str(rule["name"]).lower())
        rule["ruleType"] = rule_type
        _check_rule(rule, rule_type)


class RuleCollectionGroupHandler(ResourceHandler):
    type = GROUP
    long_running = True
    serialised_under = staticmethod(_policy_of)

    def validate(self, arm, body, existing):
        props = body["properties"]
        props["priority"] = _priority(props.get("priority"), f"Rule collection group {body['name']}")
        collections = props.get("ruleCollections") or []
        names = set()
        for collection in collections:
            _check_collection(collection, body["name"])
            if collection["name"].lower() in names:
                raise ArmError(400, "FirewallPolicyRuleCollectionNameNotUnique",
                               f"Rule collection name '{collection['name']}' is used twice in rule collection group "
                               f"{body['name']}.")
            names.add(collection["name"].lower())
        for rule in (r for c in collections for r in c.get("rules") or [] if r.get("ruleType") == "NetworkRule"):
            rule.setdefault("ipv6Rule", False)
            for field in ("sourceAddresses", "sourceIpGroups", "destinationAddresses", "destinationIpGroups", "destinationFqdns"):
                rule.setdefault(field, [])
        props["ruleCollections"] = collections
        policy = arm.get(body["id"].rsplit("/ruleCollectionGroups/", 1)[0])
        body.setdefault("location", policy.body.get("location"))
        if not _proxy_allows_fqdns(arm, policy.body["properties"]):
            for collection, rule in _fqdn_network_rules(props):
                raise _fqdn_refusal("FirewallPolicyNetworkRuleFqdnRequiresDnsProxy", rule, collection)
        return body

    def write(self, arm, record, existing):
        arm.save(record)
        arm.touch(arm.get(record.id.rsplit("/ruleCollectionGroups/", 1)[0]))

    def on_delete(self, arm, record):
        policy = arm.get(record.id.rsplit("/ruleCollectionGroups/", 1)[0])
        if policy:
            arm.touch(policy)


HANDLERS = [AzureFirewallHandler(), FirewallPolicyHandler(), RuleCollectionGroupHandler()]
